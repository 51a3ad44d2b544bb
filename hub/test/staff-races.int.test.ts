/**
 * Staff and table-code changes against the real hub process: a request whose caller was signed in when it
 * arrived but whose session a manager's change ended before the writer ran it (and the other tokens such a
 * change refuses: the gate's trust, open stream sockets, PINs tried on a PIN change). The hub reads
 * the token as soon as the headers are in (before the body, so a flood is refused cheaply), so the body of a
 * request can come well after its caller was deactivated.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStream, PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let owner: string;

beforeAll(async () => {
  hub = await startHub();
  owner = (await signIn(hub, PINS.manager)).staff;
}, 60_000);

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

/** A request whose headers go now and whose body goes when `send` is called; resolves the status line's code. */
function headersFirst(method: string, path: string, token: string, body: unknown): { send: () => Promise<number>; socket: Socket } {
  const json = Buffer.from(JSON.stringify(body));
  const socket = connect(hub.port, '127.0.0.1');
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
      `Idempotency-Key: ${randomUUID()}\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n`,
  );
  let answer = '';
  const status = new Promise<number>((resolve, reject) => {
    socket.on('data', (b: Buffer) => (answer += b.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
  return { socket, send: () => (socket.write(json), status) };
}

const pinSignIn = async (pin: string) => hub.request('POST', '/api/v1/staff/sessions', { token: (await signIn(hub)).device, body: { pin } });

describe('a manager deactivated while their request is on its way', () => {
  it("cannot change the other manager's PIN with it: 401, and the owner's PIN still signs in", async () => {
    const added = await hub.request('POST', '/api/v1/staff', { token: owner, body: { name: 'Leaving Manager', role: 'manager', pin: '7531' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const leaving = (await pinSignIn('7531')).body.token as string;
    // their change of the owner's PIN is read up to its headers ...
    const takeover = headersFirst('POST', '/api/v1/staff/s-manager/pin', leaving, { pin: '8642' });
    await new Promise((r) => setTimeout(r, 300));
    // ... the owner deactivates them ...
    const off = await hub.request('PATCH', `/api/v1/staff/${added.body.staff.id}`, { token: owner, body: { active: false } });
    expect([off.status, off.body.sessionsEnded]).toEqual([200, 1]);
    // ... and then its body arrives
    expect(await takeover.send()).toBe(401);
    expect((await pinSignIn(PINS.manager)).status).toBe(201);
    expect((await pinSignIn('8642')).status).toBe(401);
    expect((await hub.request('GET', '/api/v1/floor', { token: owner })).status).toBe(200);
  });
});

describe('any request whose token was refused while its body was on its way', () => {
  it("is judged again with its body: a phone's order trickled in with the table's old QR code after new codes were given, and a deactivated waiter's, get 401 and nothing is placed", async () => {
    const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: owner });
    const oldCode = qr.body.tables.find((t: { id: string }) => t.id === 't-a7').qrToken as string;
    const added = await hub.request('POST', '/api/v1/staff', { token: owner, body: { name: 'Leaving Waiter', role: 'waiter', pin: '6420' } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const waiter = (await pinSignIn('6420')).body.token as string;
    const dish = [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }];
    const phoneOrder = headersFirst('POST', '/api/v1/orders', oldCode, { channel: 'qr', lines: dish });
    const waiterOrder = headersFirst('POST', '/api/v1/orders', waiter, { channel: 'pos', tableId: 't-a8', guestCount: 2, lines: dish });
    await new Promise((r) => setTimeout(r, 300));
    expect((await hub.request('POST', '/api/v1/tables/qr-codes', { token: owner, body: { tables: ['t-a7'] } })).status).toBe(200);
    expect((await hub.request('PATCH', `/api/v1/staff/${added.body.staff.id}`, { token: owner, body: { active: false } })).status).toBe(200);
    expect(await phoneOrder.send()).toBe(401);
    expect(await waiterOrder.send()).toBe(401);
    const db = hub.openDb();
    try {
      expect(db.prepare("SELECT COUNT(*) FROM orders WHERE table_id IN ('t-a7', 't-a8')").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe("the stream's staff topic", () => {
  it('can be asked for, as the README lists it: a screen subscribed to it hears a person added, and never a PIN', async () => {
    const screen = await connectStream(hub, owner, { topics: ['staff'] });
    await screen.waitFor((m) => m.some((x) => x.type === 'welcome'));
    const added = await hub.request('POST', '/api/v1/staff', { token: owner, body: { name: 'New Cook', role: 'kitchen', pin: '2468' } });
    expect(added.status).toBe(201);
    await screen.waitFor(() => screen.events().some((e) => e.type === 'staff.added'));
    expect(JSON.stringify(screen.messages)).not.toContain('2468');
    screen.close();
  });
});

describe("a table's old QR code at the public address", () => {
  it("loses the gate's trust once the hub refuses it: its refusals count against the address like a made-up token's", async () => {
    const own = await startHub({ env: { HUB_PUBLIC_PORT: '0', HUB_PRINTERS: 'none' } });
    try {
      const manager = (await signIn(own, PINS.manager)).staff;
      const qr = await own.request('GET', '/api/v1/tables/qr-codes', { token: manager });
      const oldCode = qr.body.tables.find((t: { id: string }) => t.id === 't-a9').qrToken as string;
      const read = () => fetch(`${own.publicUrl}/api/v1/qr/table`, { headers: { authorization: `Bearer ${oldCode}` } });
      expect((await read()).status).toBe(200); // the gate learns the code is good
      expect((await own.request('POST', '/api/v1/tables/qr-codes', { token: manager, body: { tables: ['t-a9'] } })).status).toBe(200);
      const answers: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await read();
        answers.push(r.status === 429 ? `429 ${((await r.json()) as { error: { message: string } }).error.message}` : String(r.status));
      }
      // refused by the hub at first, then held up by the gate once the address has failed 20 times
      expect(answers.slice(0, 10)).toEqual(Array(10).fill('401'));
      expect(answers.slice(-5)).toEqual(Array(5).fill('429 too many refused tokens from this address; retry later'));
    } finally {
      await own.stop();
      removeDir(own.dataDir);
    }
  });
});

describe("a manager trying PINs on someone's PIN change", () => {
  it('is counted as wrong PINs on the device: after five PINs already in use, 429 for a while, as at sign-in', async () => {
    const manager = (await signIn(hub, PINS.manager)).staff; // a device of its own
    const taken = [PINS.waiter, PINS.kitchen, PINS.manager, PINS.waiter, PINS.kitchen];
    const statuses: number[] = [];
    for (const pin of [...taken, PINS.waiter]) statuses.push((await hub.request('POST', '/api/v1/staff/s-waiter/pin', { token: manager, body: { pin } })).status);
    expect(statuses).toEqual([409, 409, 409, 409, 409, 429]);
  });
});

describe('open stream sockets of refused tokens', () => {
  it("are closed (4001) as the change commits, not at the next ping 30 s on: a deactivated waiter's, and a phone's on a replaced code", async () => {
    const added = await hub.request('POST', '/api/v1/staff', { token: owner, body: { name: 'Night Waiter', role: 'waiter', pin: '8024' } });
    expect(added.status).toBe(201);
    const waiter = (await pinSignIn('8024')).body.token as string;
    const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: owner });
    const code = qr.body.tables.find((t: { id: string }) => t.id === 't-b1').qrToken as string;
    const waiterScreen = await connectStream(hub, waiter, {});
    const phone = await connectStream(hub, code, {});
    const kitchen = await connectStream(hub, owner, {});
    for (const s of [waiterScreen, phone, kitchen]) await s.waitFor((m) => m.some((x) => x.type === 'welcome'));
    const closed = (s: typeof phone) => s.messages.find((x) => x.type === 'closed')?.code as number | undefined;
    // well within the ping interval (30 s)
    const closing = (s: typeof phone) =>
      new Promise<number | undefined>((resolve) => {
        const t = setTimeout(() => resolve(undefined), 5000);
        if (closed(s) !== undefined) resolve(closed(s));
        s.ws.once('close', (code) => (clearTimeout(t), resolve(code)));
      });
    const waiterClosed = closing(waiterScreen);
    expect((await hub.request('PATCH', `/api/v1/staff/${added.body.staff.id}`, { token: owner, body: { active: false } })).status).toBe(200);
    expect(await waiterClosed).toBe(4001);
    const phoneClosed = closing(phone);
    expect((await hub.request('POST', '/api/v1/tables/qr-codes', { token: owner, body: { tables: ['t-b1'] } })).status).toBe(200);
    expect(await phoneClosed).toBe(4001);
    expect(closed(kitchen)).toBeUndefined();
    kitchen.close();
  });
});
