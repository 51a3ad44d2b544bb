import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HubTls } from './hub-tls.ts';
import { SERVER_VALID_DAYS } from './local-ca.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-20T12:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hubTls = (dir: string, clock: () => number, storeTime?: () => number | null) =>
  new HubTls(() => undefined, { dir, bindHost: '0.0.0.0', extraNames: [], caName: 'Brigade test CA', clock, logger: pino({ level: 'silent' }), ...(storeTime ? { storeTime } : {}) });

describe('HubTls with a clock that went back (a flat clock battery after a power cut)', () => {
  it('keeps serving the certificate the tablets accept, instead of replacing it by one already expired for them', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'brigade-hub-tls-')), 'tls');
    dirs.push(dir);
    await hubTls(dir, () => NOW - 10 * DAY).load();
    const good = readFileSync(join(dir, 'server.crt'), 'utf8');

    // the hub boots at its firmware's date, three years back; its store's newest event is from yesterday
    const flat = NOW - 3 * 365 * DAY;
    const tls = hubTls(dir, () => flat, () => NOW - DAY);
    const identity = await tls.load();
    expect(identity.server.certPem).toBe(good);
    expect(readFileSync(join(dir, 'server.crt'), 'utf8')).toBe(good);
    // what a tablet with the right time checks
    expect(identity.server.validTo).toBeGreaterThan(NOW + 300 * DAY);
    await tls.refresh();
    expect(tls.identity?.server.certPem).toBe(good);
  });

  it('issues by the store\'s time when a certificate must be made while the clock is behind (a first start, or a new address)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'brigade-hub-tls-')), 'tls');
    dirs.push(dir);
    const tls = hubTls(dir, () => NOW - 3 * 365 * DAY, () => NOW);
    const identity = await tls.load();
    expect(identity.server.validTo).toBe(NOW + SERVER_VALID_DAYS * DAY);
    expect(identity.ca.validTo).toBeGreaterThan(NOW + 3000 * DAY);
  });

  it('re-issues a certificate that is not valid yet when the clock is not behind the store (it was issued while the clock ran ahead)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'brigade-hub-tls-')), 'tls');
    dirs.push(dir);
    await hubTls(dir, () => NOW + 400 * DAY).load();
    const ahead = readFileSync(join(dir, 'server.crt'), 'utf8');
    const identity = await hubTls(dir, () => NOW, () => NOW - DAY).load();
    expect(identity.server.certPem).not.toBe(ahead);
    expect(identity.server.validTo).toBe(NOW + SERVER_VALID_DAYS * DAY);
  });
});
