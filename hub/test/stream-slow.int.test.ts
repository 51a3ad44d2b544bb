import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStream, removeDir, ROOT, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

/**
 * A screen that stops reading (its app froze; here a process stopped with SIGSTOP, so its kernel socket
 * fills and then the hub's) is cut off once its unsent bytes pass HUB_STREAM_MAX_BUFFER, instead of the hub
 * buffering for it without bound; the screens that read go on receiving every event. Pings are slow here
 * (the default 30 s), so the buffer limit is the only thing that can drop the frozen screen.
 */
let hub: HubProcess;
let waiter: string;
let device: string;
let frozen: ChildProcess | undefined;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_STREAM_MAX_BUFFER: '65536' } });
  const w = await signIn(hub, '1111');
  waiter = w.staff;
  device = w.device;
});
afterAll(async () => {
  frozen?.kill('SIGKILL');
  await hub.stop();
  removeDir(hub.dataDir);
});

// with a staff token: an anonymous caller may ask 20 times a second, and the loop below asks faster
const streamClients = async () => (await hub.request('GET', '/api/v1/health', { token: waiter })).body.streamClients as number;

/** A screen in its own process: says hello, prints "welcome", then reports how its socket closed. */
function startScreen(): Promise<{ proc: ChildProcess; closed: Promise<string> }> {
  const script = `
    import WebSocket from 'ws';
    const ws = new WebSocket(${JSON.stringify(`ws://127.0.0.1:${hub.port}/api/v1/stream?token=${device}`)});
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
    ws.on('message', (d) => { if (JSON.parse(String(d)).type === 'welcome') console.log('welcome'); });
    ws.on('close', (code) => { console.log('closed ' + code); process.exit(0); });
    ws.on('error', () => {});
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const closed = new Promise<string>((resolve) => proc.on('exit', () => resolve(out)));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('welcome')) resolve({ proc, closed });
    });
    proc.on('exit', () => reject(new Error(`screen exited before its welcome: ${out}`)));
  });
}

describe('a screen that stops reading', () => {
  it('is cut off at HUB_STREAM_MAX_BUFFER while the others receive every event', async () => {
    const reading = await connectStream(hub, device, {});
    await reading.waitFor((m) => m.some((x) => x.type === 'welcome'));
    const screen = await startScreen();
    frozen = screen.proc;
    expect(await streamClients()).toBe(2);
    frozen.kill('SIGSTOP');

    // big orders (100 lines with notes: ~70 kB per order.placed) until the hub drops the frozen screen;
    // a few megabytes fill the kernel's socket buffers first, so bounded well above that
    const line = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'], note: '少辣 less spicy '.repeat(8) };
    const ids: string[] = [];
    for (let i = 0; i < 400 && (await streamClients()) === 2; i++) {
      const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ lines: Array.from({ length: 100 }, () => line) }) });
      expect(r.status).toBe(201);
      ids.push(r.body.order.id);
    }
    expect(await streamClients()).toBe(1);
    expect(hub.output()).toContain('closing a stream client that cannot keep up');

    // the reading screen got every order, in seq order, with nothing missing
    await reading.waitFor(() => reading.events().filter((e) => e.type === 'order.placed').length === ids.length, 10_000);
    expect(reading.events().filter((e) => e.type === 'order.placed').map((e) => e.payload.order.id)).toEqual(ids);
    const seqs = reading.events().map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));

    // woken up, the frozen screen finds its socket closed (it reconnects and resumes from its last seq)
    frozen.kill('SIGCONT');
    expect(await screen.closed).toMatch(/closed \d+/);
    reading.close();
  }, 60_000);
});
