/**
 * LAN discovery end-to-end test.
 *
 * This is the ONLY test that uses multicast, and it never touches the real
 * machine network: every mDNS packet is sent inside throwaway Linux network
 * namespaces created here and deleted in afterAll:
 *
 *   ns A  10.213.N.1/24 ──veth── 10.213.N.2/24  ns B
 *   (advertiser fixture)          (scripts/discover.ts)
 *
 *   ns C  nothing configured (lo down, no routes): "multicast unavailable"
 *
 * The veth pair's two ends live only in A and B, so 224.0.0.251 traffic has
 * no path to any host interface. Nothing in this file calls startAdvertising
 * or browseHubs in-process (the vitest worker runs in the host namespace); the
 * one test of the hub itself (its start-up banner) runs hub/main.ts in ns A.
 *
 * Needs root + iproute2 (`ip netns`). Otherwise the tests are skipped with a
 * printed reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'hub/discovery/fixtures/advertise-fixture.ts');
const DISCOVER = path.join(ROOT, 'scripts/discover.ts');
const MAIN = path.join(ROOT, 'hub/main.ts');
// Node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a second process and relays
// signals to it; on a loaded machine a SIGTERM could end the wrapper with 143 instead of the script's 0.
const TSX: string[] = [process.execPath, '--import', 'tsx'];

const PID = process.pid;
const NS_PREFIX = 'brigade-test-';
const NS_A = `${NS_PREFIX}${PID}-a`;
const NS_B = `${NS_PREFIX}${PID}-b`;
const NS_C = `${NS_PREFIX}${PID}-c`;
// Interface names are limited to 15 chars.
const VETH_A = `bgt${PID % 10_000_000}a`;
const VETH_B = `bgt${PID % 10_000_000}b`;
const SUBNET = `10.213.${(PID % 250) + 1}`;
const ADDR_A = `${SUBNET}.1`;
const ADDR_B = `${SUBNET}.2`;

const HUB = { port: 8765, publicPort: 8766, storeId: '01HZTESTSTORE9XQ4K', storeName: 'Chez Test', api: '1' };

function ip(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 5_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

function mustIp(args: string[]): void {
  const r = ip(args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')} failed: ${r.out}`);
}

/** Kill whatever still runs inside one of our namespaces, then delete it. */
function deleteNs(ns: string): void {
  const pids = ip(['netns', 'pids', ns]);
  if (pids.ok) {
    for (const p of pids.out.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  ip(['netns', 'del', ns]);
}

/** Synchronous probe at collection time so `it.skipIf` can use the answer. */
function probeNamespaces(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root' };
  const v = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return { ok: false, reason: '`ip` (iproute2) not found' };
  const probe = `${NS_PREFIX}${PID}-probe`;
  const add = ip(['netns', 'add', probe]);
  if (!add.ok) return { ok: false, reason: `\`ip netns add\` failed: ${add.out}` };
  ip(['netns', 'del', probe]);
  return { ok: true };
}

const avail = probeNamespaces();
if (!avail.ok) {
  console.warn(`[discovery.test] SKIPPING mDNS namespace tests: ${avail.reason}`);
}

interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

const procs: Proc[] = [];

function runInNs(ns: string, script: string, env: Record<string, string>): Proc {
  const [cmd, ...pre] = TSX;
  const child = spawn('ip', ['netns', 'exec', ns, cmd as string, ...pre, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout?.on('data', (d: Buffer) => (p.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (p.stderr += d.toString()));
  procs.push(p);
  return p;
}

async function waitFor(p: Proc, pred: (stdout: string) => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred(p.stdout)) {
    if (p.child.exitCode !== null) throw new Error(`${what}: process exited early\n${p.stdout}\n${p.stderr}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out\nstdout: ${p.stdout}\nstderr: ${p.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function logLines(stdout: string): Array<{ level?: string; msg?: string; [k: string]: unknown }> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level?: string; msg?: string });
}

async function terminate(p: Proc): Promise<number | null> {
  p.child.kill('SIGTERM');
  const killer = setTimeout(() => p.child.kill('SIGKILL'), 3_000);
  const code = await p.exited;
  clearTimeout(killer);
  return code;
}

describe('LAN discovery over mDNS (isolated network namespaces)', () => {
  beforeAll(() => {
    if (!avail.ok) return;
    // Leftovers from earlier runs that died before afterAll (only if their pid is gone).
    for (const line of ip(['netns', 'list']).out.split('\n')) {
      const m = /^(brigade-test-(\d+)-[a-z]+)\b/.exec(line);
      if (!m?.[1] || !m[2] || Number(m[2]) === PID) continue;
      let alive = true;
      try {
        process.kill(Number(m[2]), 0);
      } catch {
        alive = false;
      }
      if (!alive) deleteNs(m[1]);
    }

    for (const ns of [NS_A, NS_B, NS_C]) mustIp(['netns', 'add', ns]);
    // Create the pair inside ns A so it never exists in the host namespace.
    mustIp(['-n', NS_A, 'link', 'add', VETH_A, 'type', 'veth', 'peer', 'name', VETH_B, 'netns', NS_B]);
    for (const [ns, dev, addr] of [
      [NS_A, VETH_A, ADDR_A],
      [NS_B, VETH_B, ADDR_B],
    ] as const) {
      mustIp(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
      mustIp(['-n', ns, 'link', 'set', 'lo', 'up']);
      mustIp(['-n', ns, 'link', 'set', dev, 'up']);
      mustIp(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev]);
    }
    // NS_C is deliberately left unconfigured.
  });

  afterAll(async () => {
    await Promise.all(
      procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => terminate(p)),
    );
    for (const ns of [NS_A, NS_B, NS_C]) deleteNs(ns);
  });

  it.skipIf(!avail.ok)('hub advertised in ns A is discovered from ns B, and stops promptly', async () => {
    const adv = runInNs(NS_A, FIXTURE, {
      FIXTURE_PORT: String(HUB.port),
      FIXTURE_PUBLIC_PORT: String(HUB.publicPort),
      FIXTURE_STORE_ID: HUB.storeId,
      FIXTURE_STORE_NAME: HUB.storeName,
      FIXTURE_API: HUB.api,
    });
    await waitFor(adv, (s) => s.includes('mDNS: advertising hub'), 10_000, 'advertiser');

    // The human-readable table and the JSON form, browsing concurrently.
    const table = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5' });
    const json = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5', DISCOVER_JSON: '1' });
    expect(await table.exited).toBe(0);
    expect(await json.exited).toBe(0);

    const url = `http://${ADDR_A}:${HUB.port}/api/v1`;
    expect(table.stdout).toMatch(/NAME\s+URL\s+STORE ID\s+API/);
    expect(table.stdout).toContain(url);
    expect(table.stdout).toContain(HUB.storeId);
    expect(table.stdout).toContain(`http://${ADDR_A}:${HUB.publicPort}/api/v1`);

    const hubs = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(hubs).toHaveLength(1);
    expect(hubs[0]).toMatchObject({
      name: `${HUB.storeName} (${HUB.storeId.slice(-6).toLowerCase()})`,
      port: HUB.port,
      storeId: HUB.storeId,
      api: HUB.api,
      url,
      publicUrl: `http://${ADDR_A}:${HUB.publicPort}/api/v1`,
    });
    expect(hubs[0]?.addresses).toContain(ADDR_A);

    // Nothing went wrong on the advertiser side.
    expect(logLines(adv.stdout).filter((l) => l.level === 'warn')).toEqual([]);

    // stop(): goodbye + destroy, well within ~1 s.
    expect(await terminate(adv)).toBe(0);
    const stopped = logLines(adv.stdout).find((l) => l.msg === 'stopped');
    expect(stopped).toBeDefined();
    expect(stopped?.ms as number).toBeLessThan(1_100);
  });

  it.skipIf(!avail.ok)('without a usable network it warns exactly once and keeps running', async () => {
    // ns C: loopback down, no routes at all, so every multicast send fails.
    const adv = runInNs(NS_C, FIXTURE, { FIXTURE_PORT: String(HUB.port), FIXTURE_STORE_ID: HUB.storeId });
    const browse = runInNs(NS_C, DISCOVER, { DISCOVER_SECONDS: '1' });

    expect(await browse.exited).toBe(0);
    expect(browse.stdout).toContain('no Brigade hub found on this network');

    await waitFor(adv, (s) => s.includes('"level":"warn"'), 10_000, 'advertiser warning');
    // Give it time to retry (probe retries, re-announce at +1 s) and maybe complain again.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(adv.child.exitCode).toBeNull();
    const lines = logLines(adv.stdout);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'mDNS: advertising hub')).toBe(false);

    expect(await terminate(adv)).toBe(0);
    expect(adv.stderr).not.toMatch(/Error|Unhandled/);
  });

  it.skipIf(!avail.ok)("answers with the hub's new address after its address changes (a new DHCP lease), not the one it started with", async () => {
    const adv = runInNs(NS_A, FIXTURE, { FIXTURE_PORT: String(HUB.port), FIXTURE_STORE_ID: HUB.storeId, FIXTURE_STORE_NAME: 'Moved', FIXTURE_RECHECK_MS: '200' });
    await waitFor(adv, (s) => s.includes('mDNS: advertising hub'), 10_000, 'advertiser');
    const moved = `${SUBNET}.3`;
    // the new lease comes before the old one goes, as a DHCP client does it, so the interface never has no address
    mustIp(['netns', 'exec', NS_A, 'sysctl', '-qw', `net.ipv4.conf.${VETH_A}.promote_secondaries=1`]);
    mustIp(['-n', NS_A, 'addr', 'add', `${moved}/24`, 'dev', VETH_A]);
    mustIp(['-n', NS_A, 'addr', 'del', `${ADDR_A}/24`, 'dev', VETH_A]);
    mustIp(['-n', NS_A, 'route', 'replace', '224.0.0.0/4', 'dev', VETH_A]);
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const json = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5', DISCOVER_JSON: '1' });
      expect(await json.exited).toBe(0);
      const hubs = JSON.parse(json.stdout) as Array<{ name: string; url: string; addresses: string[] }>;
      const hub = hubs.find((h) => h.name.startsWith('Moved'));
      expect(hub?.url).toBe(`http://${moved}:${HUB.port}/api/v1`);
      expect(hub?.addresses).toContain(moved);
      expect(hub?.addresses).not.toContain(ADDR_A);
      expect(logLines(adv.stdout).filter((l) => l.level === 'warn')).toEqual([]);
      expect(await terminate(adv)).toBe(0);
    } finally {
      ip(['-n', NS_A, 'addr', 'add', `${ADDR_A}/24`, 'dev', VETH_A]);
      ip(['-n', NS_A, 'addr', 'del', `${moved}/24`, 'dev', VETH_A]);
      ip(['-n', NS_A, 'route', 'replace', '224.0.0.0/4', 'dev', VETH_A]);
    }
  });

  it.skipIf(!avail.ok)('a second hub with the same name on the link renames itself, warns once, and re-announces its new address under the new name', async () => {
    // Same store name and id (a hub started from a copied data directory), different machines and ports.
    const same = { FIXTURE_STORE_ID: HUB.storeId, FIXTURE_STORE_NAME: 'Twin', FIXTURE_API: HUB.api };
    const base = `Twin (${HUB.storeId.slice(-6).toLowerCase()})`;
    const first = runInNs(NS_B, FIXTURE, { ...same, FIXTURE_PORT: '8771' });
    await waitFor(first, (s) => s.includes('mDNS: advertising hub'), 10_000, 'first advertiser');
    const second = runInNs(NS_A, FIXTURE, { ...same, FIXTURE_PORT: '8772', FIXTURE_PUBLIC_PORT: '8773', FIXTURE_RECHECK_MS: '200' });
    await waitFor(second, (s) => s.includes('mDNS: advertising hub'), 10_000, 'second advertiser');
    const moved = `${SUBNET}.3`;
    try {
      const discover = async (): Promise<Array<{ name: string; port: number; url: string; storeId?: string; publicUrl?: string; addresses: string[] }>> => {
        const json = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5', DISCOVER_JSON: '1' });
        expect(await json.exited).toBe(0);
        return (JSON.parse(json.stdout) as Array<{ name: string; port: number; url: string; storeId?: string; publicUrl?: string; addresses: string[] }>)
          .filter((h) => h.name.startsWith('Twin'))
          .sort((x, y) => x.port - y.port);
      };
      let hubs = await discover();
      expect(hubs.map((h) => [h.name, h.url])).toEqual([
        [base, `http://${ADDR_B}:8771/api/v1`],
        [`${base} (2)`, `http://${ADDR_A}:8772/api/v1`],
      ]);
      // TXT unchanged by the rename.
      expect(hubs[1]).toMatchObject({ storeId: HUB.storeId, api: HUB.api, publicUrl: `http://${ADDR_A}:8773/api/v1` });

      // One clear warning from the hub that renamed, nothing from the one that kept its name, and no stray output.
      const warns = logLines(second.stdout).filter((l) => l.level === 'warn');
      expect(warns).toHaveLength(1);
      expect(warns[0]).toMatchObject({ name: base, newName: `${base} (2)` });
      expect(warns[0]?.msg).toMatch(/conflict/i);
      expect(logLines(second.stdout).find((l) => l.msg === 'mDNS: advertising hub')).toMatchObject({ name: `${base} (2)` });
      expect(logLines(first.stdout).filter((l) => l.level === 'warn')).toEqual([]);
      for (const p of [first, second]) expect(p.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);

      // The renamed hub gets a new lease: it re-announces under its new name, and does not take the first one's.
      mustIp(['netns', 'exec', NS_A, 'sysctl', '-qw', `net.ipv4.conf.${VETH_A}.promote_secondaries=1`]);
      mustIp(['-n', NS_A, 'addr', 'add', `${moved}/24`, 'dev', VETH_A]);
      mustIp(['-n', NS_A, 'addr', 'del', `${ADDR_A}/24`, 'dev', VETH_A]);
      mustIp(['-n', NS_A, 'route', 'replace', '224.0.0.0/4', 'dev', VETH_A]);
      await new Promise((r) => setTimeout(r, 1_000));
      hubs = await discover();
      expect(hubs.map((h) => [h.name, h.url])).toEqual([
        [base, `http://${ADDR_B}:8771/api/v1`],
        [`${base} (2)`, `http://${moved}:8772/api/v1`],
      ]);
      expect(hubs[1]?.addresses).not.toContain(ADDR_A);
      expect(logLines(second.stdout).filter((l) => l.level === 'warn')).toHaveLength(1);

      expect(await terminate(second)).toBe(0);
      expect(await terminate(first)).toBe(0);
      expect(second.stderr).not.toMatch(/Error|Unhandled/);
    } finally {
      ip(['-n', NS_A, 'addr', 'add', `${ADDR_A}/24`, 'dev', VETH_A]);
      ip(['-n', NS_A, 'addr', 'del', `${moved}/24`, 'dev', VETH_A]);
      ip(['-n', NS_A, 'route', 'replace', '224.0.0.0/4', 'dev', VETH_A]);
    }
  });

  it.skipIf(!avail.ok)('a hub listening on one address (HUB_HOST) is advertised at that address only, not at another of the machine\'s where nothing answers', async () => {
    const other = `${SUBNET}.4`;
    mustIp(['-n', NS_A, 'addr', 'add', `${other}/24`, 'dev', VETH_A]); // a second address on the link (a second NIC, an alias)
    try {
      const adv = runInNs(NS_A, FIXTURE, { FIXTURE_PORT: '8781', FIXTURE_STORE_ID: HUB.storeId, FIXTURE_STORE_NAME: 'Bound', FIXTURE_HOST: other });
      await waitFor(adv, (s) => s.includes('mDNS: advertising hub'), 10_000, 'advertiser');
      const json = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5', DISCOVER_JSON: '1' });
      expect(await json.exited).toBe(0);
      const hub = (JSON.parse(json.stdout) as Array<{ name: string; url: string; addresses: string[] }>).find((h) => h.name.startsWith('Bound'));
      // the packets leave from the link's first address: that one was the URL, and the hub does not listen there
      expect(hub?.url).toBe(`http://${other}:8781/api/v1`);
      expect(hub?.addresses).toEqual([other]);
      expect(await terminate(adv)).toBe(0);

      // bound to loopback, the hub cannot be reached from the LAN at all: it says so and does not advertise
      const local = runInNs(NS_A, FIXTURE, { FIXTURE_PORT: '8782', FIXTURE_STORE_ID: HUB.storeId, FIXTURE_STORE_NAME: 'Loopback', FIXTURE_HOST: '127.0.0.1' });
      await waitFor(local, (s) => s.includes('mDNS: not advertising'), 10_000, 'advertiser');
      const none = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5', DISCOVER_JSON: '1' });
      expect(await none.exited).toBe(0);
      expect((JSON.parse(none.stdout) as Array<{ name: string }>).filter((h) => h.name.startsWith('Loopback'))).toEqual([]);
      expect(await terminate(local)).toBe(0);
    } finally {
      ip(['-n', NS_A, 'addr', 'del', `${other}/24`, 'dev', VETH_A]);
    }
  });

  it.skipIf(!avail.ok)('advertises the addresses of the interface its packets leave from, not those of a container bridge on the same machine', async () => {
    // a Docker-like bridge in ns A: up, with a MAC and an address, that no tablet can reach
    const bridge = `bgt${PID % 10_000_000}d`;
    const bridgeAddr = `172.31.${(PID % 250) + 1}.1`;
    mustIp(['-n', NS_A, 'link', 'add', bridge, 'type', 'bridge']);
    try {
      mustIp(['-n', NS_A, 'addr', 'add', `${bridgeAddr}/24`, 'dev', bridge]);
      mustIp(['-n', NS_A, 'link', 'set', bridge, 'up']);
      const adv = runInNs(NS_A, FIXTURE, { FIXTURE_PORT: '8783', FIXTURE_STORE_ID: HUB.storeId, FIXTURE_STORE_NAME: 'Docker' });
      await waitFor(adv, (s) => s.includes('mDNS: advertising hub'), 10_000, 'advertiser');
      const json = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5', DISCOVER_JSON: '1' });
      expect(await json.exited).toBe(0);
      const hub = (JSON.parse(json.stdout) as Array<{ name: string; url: string; addresses: string[] }>).find((h) => h.name.startsWith('Docker'));
      expect(hub?.url).toBe(`http://${ADDR_A}:8783/api/v1`);
      // what a tablet resolving <host>.local gets: only addresses it can reach, IPv4 and IPv6, of the veth
      expect(hub?.addresses).toContain(ADDR_A);
      expect(hub?.addresses).not.toContain(bridgeAddr);
      expect(await terminate(adv)).toBe(0);
    } finally {
      ip(['-n', NS_A, 'link', 'del', bridge]);
    }
  });

  it.skipIf(!avail.ok)('does not list a hub that said goodbye while it listened, nor the old port of a hub restarted on another one', async () => {
    const first = runInNs(NS_A, FIXTURE, { FIXTURE_PORT: '8791', FIXTURE_STORE_ID: HUB.storeId, FIXTURE_STORE_NAME: 'Restarted' });
    await waitFor(first, (s) => s.includes('mDNS: advertising hub'), 10_000, 'advertiser');
    const json = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '8', DISCOVER_JSON: '1' });
    await new Promise((r) => setTimeout(r, 3_500)); // the browser has started (tsx) and heard it by now
    expect(await terminate(first)).toBe(0); // goodbye
    const again = runInNs(NS_A, FIXTURE, { FIXTURE_PORT: '8792', FIXTURE_STORE_ID: HUB.storeId, FIXTURE_STORE_NAME: 'Restarted' });
    await waitFor(again, (s) => s.includes('mDNS: advertising hub'), 10_000, 'restarted advertiser');
    expect(await json.exited).toBe(0);
    const hubs = (JSON.parse(json.stdout) as Array<{ name: string; port: number }>).filter((h) => h.name.startsWith('Restarted'));
    expect(hubs.map((h) => h.port)).toEqual([8792]);
    expect(await terminate(again)).toBe(0);
  });

  it.skipIf(!avail.ok)("the hub's start-up banner tells tablets its LAN address, not a container bridge's", async () => {
    const bridge = `bgt${PID % 10_000_000}e`;
    const bridgeAddr = `172.30.${(PID % 250) + 1}.1`;
    mustIp(['-n', NS_A, 'link', 'add', bridge, 'type', 'bridge']);
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-banner-'));
    try {
      mustIp(['-n', NS_A, 'addr', 'add', `${bridgeAddr}/24`, 'dev', bridge]);
      mustIp(['-n', NS_A, 'link', 'set', bridge, 'up']);
      const hub = runInNs(NS_A, MAIN, {
        HUB_DATA_DIR: dataDir,
        HUB_PORT: '8795',
        HUB_HTTPS_PORT: 'off',
        HUB_PUBLIC_PORT: 'off',
        HUB_MDNS: 'off',
        HUB_PRINTERS: 'none',
        HUB_BACKUP_DIR: 'off',
        HUB_DISK_RESERVE_MB: '0',
      });
      await waitFor(hub, (s) => s.includes('Waiter tablet'), 30_000, 'hub banner');
      // the machine's interfaces in order: lo, the veth (the LAN), the bridge last: the banner took the last
      const waiter = hub.stdout.split('\n').find((l) => l.includes('Waiter tablet'));
      expect(waiter).toContain(`http://${ADDR_A}:8795/pos/`);
      expect(hub.stdout).toContain(`http://${bridgeAddr}:8795`); // still listed among the addresses
      expect(await terminate(hub)).toBe(0);
    } finally {
      ip(['-n', NS_A, 'link', 'del', bridge]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.skipIf(!avail.ok)('prints a name with terminal control characters from some device on the LAN harmlessly', async () => {
    // what any device on the LAN can advertise under _brigade._tcp: escape sequences that retitle or clear the terminal
    const adv = runInNs(NS_A, FIXTURE, { FIXTURE_PORT: '8799', FIXTURE_STORE_ID: 'EVIL01', FIXTURE_STORE_NAME: 'Evil\x1b]0;pwned\x07\x1b[2J\r\nFAKE' });
    await waitFor(adv, (s) => s.includes('mDNS: advertising hub'), 10_000, 'advertiser');
    const table = runInNs(NS_B, DISCOVER, { DISCOVER_SECONDS: '1.5' });
    expect(await table.exited).toBe(0);
    expect(table.stdout).toContain('Evil');
    expect(table.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(table.stdout.split('\n').filter((l) => l.startsWith('FAKE'))).toEqual([]);
    expect(await terminate(adv)).toBe(0);
  });
});
