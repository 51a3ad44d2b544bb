import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Session } from './session.ts';
import { memoryStorage } from './memory-storage.ts';

const HOUR = 3_600_000;
/** The hub's staff session lasts one service day (hub/domain/auth-service.ts, STAFF_SESSION_MS). */
const SESSION_MS = 12 * HOUR;
const DEVICE_T0 = Date.UTC(2025, 0, 1, 2, 0, 0); // 10:00 in Shanghai


/** A hub whose clock is `hubAheadMs` ahead of this device's, answering the PIN sign-in as the real one does. */
function hubFetch(hubAheadMs: number): typeof fetch {
  return async () => {
    const hubNow = Date.now() + hubAheadMs;
    const body = { token: 'stf_1', staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: hubNow + SESSION_MS };
    return new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json', date: new Date(hubNow).toUTCString() } });
  };
}

async function signInOn(session: Session, hubAheadMs: number): Promise<void> {
  const hub = session.client({ fetch: hubFetch(hubAheadMs) });
  const res = await hub.signIn('3333');
  session.signedIn(res, hub.serverOffsetMs); // what the PIN screen does
}

describe('staff session expiry on a tablet whose clock is wrong', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(DEVICE_T0);
    vi.stubGlobal('localStorage', memoryStorage());
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it.each([
    ['8 h ahead of the hub (set by hand to local time on a UTC tablet)', -8 * HOUR],
    ['3 h behind the hub', 3 * HOUR],
    ['right', 0],
  ])('keeps a kitchen sign-in for the hub’s 12 hours on a tablet clock %s, across a reload, and not longer', async (_, hubAheadMs) => {
    const session = new Session('kds');
    session.device.set({ token: 'dev_1', deviceId: 'd1', name: 'KDS-1', kind: 'kds' });
    await signInOn(session, hubAheadMs);
    vi.setSystemTime(DEVICE_T0 + 5 * HOUR); // the dinner rush, five hours later
    expect(session.staffToken()).toBe('stf_1');
    expect(new Session('kds').staffToken()).toBe('stf_1'); // the screen reloaded
    vi.setSystemTime(DEVICE_T0 + SESSION_MS + 2000); // past the hub's 12 hours (2 s: the Date header's resolution)
    expect(new Session('kds').staff.get()).toBeNull();
    expect(session.staffToken()).toBeNull();
  });
});
