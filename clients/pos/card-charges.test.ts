/**
 * The waiter tablet's strip of cards the kiosk charged that the hub refused to record: loaded from the list
 * when the tablet starts (and after a reset), kept current from the stream, and taken off only when a
 * manager resolves one — the signed-in manager, or a manager's PIN typed on the spot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HubEvent, Menu } from '../../hub/protocol/index.ts';
import type { UnrecordedCardCharge } from '../../hub/protocol/card-charges.ts';
import { HubError, HubUnreachableError } from '../shared/hub-client.ts';
import { translator } from '../shared/i18n.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import type { SocketFactory, SocketHandlers } from '../shared/stream-client.ts';
import { applyCardChargeEvents, chargedOnEarlierDay, chargeFacts, emptyCardCharges, resolutionBody, resolutionDraft } from './card-charges.ts';
import { posMessages } from './messages.ts';
import { PosApp } from './pos-app.ts';

const charge = (id: string, o: Partial<UnrecordedCardCharge> = {}): UnrecordedCardCharge => ({
  id,
  orderId: `o-${id}`,
  orderNumber: 12,
  amountMinor: 4400,
  reference: 'SIM-7Q2K',
  deviceId: 'd-kiosk',
  refusal: { code: 'forbidden', message: 'a kiosk without a staff sign-in may only record … due, not 0' },
  createdAt: 1,
  resolvedAt: null,
  resolvedBy: null,
  resolutionKind: null,
  resolutionOrderId: null,
  resolutionOrderNumber: null,
  resolutionNote: null,
  settledAt: null,
  ...o,
});
const recorded = (seq: number, c: UnrecordedCardCharge) => ({ seq, type: 'payment.unrecorded', at: 0, deviceId: 'd-kiosk', staffId: null, payload: { charge: c } }) as HubEvent;
const resolvedEvent = (seq: number, c: UnrecordedCardCharge) =>
  ({ seq, type: 'payment.unrecorded_resolved', at: 0, deviceId: 'd-2', staffId: 's-manager', payload: { charge: { ...c, resolvedAt: 5, resolvedBy: 's-manager', resolutionNote: 'refunded' } } }) as HubEvent;

describe('the strip from the stream', () => {
  it('adds a charge once however often its event is replayed, and takes it off when it is resolved', () => {
    const a = charge('a');
    const once = applyCardChargeEvents(emptyCardCharges, [recorded(1, a)]);
    expect(once.charges).toEqual([a]);
    expect(applyCardChargeEvents(once, [recorded(1, a)])).toBe(once);
    expect(applyCardChargeEvents(once, [resolvedEvent(2, a)]).charges).toEqual([]);
    // a reconnect replays both, in order: nothing is left
    expect(applyCardChargeEvents(emptyCardCharges, [recorded(1, a), resolvedEvent(2, a)]).charges).toEqual([]);
  });

  it('says the order, the amount and the reference in Chinese and in English', () => {
    const facts = chargeFacts(charge('a'), (m) => `¥${(m / 100).toFixed(2)}`);
    expect(translator(posMessages, 'en')('charge.alert', facts)).toBe(
      'Card charged at the kiosk, not recorded: order #12, ¥44.00, ref SIM-7Q2K — refund it on the terminal or take it at the counter',
    );
    const zh = translator(posMessages, 'zh-CN')('charge.alert', facts);
    expect(zh).toContain('#12');
    expect(zh).toContain('¥44.00');
    expect(zh).toContain('SIM-7Q2K');
    expect(zh).toContain('退款');
  });

  it("says when a charge left on the strip from an earlier business day was made, with its day; today's as they were", () => {
    const at = (month: number, d: number, h: number, m: number) => Date.UTC(2024, month - 1, d, h - 8, m);
    const zone = 'Asia/Shanghai';
    // 21:43 on 1 May, read the next morning and a week on
    expect(chargedOnEarlierDay(charge('a', { createdAt: at(5, 1, 21, 43) }), at(5, 2, 10, 0), zone)).toBe('2024-05-01');
    expect(chargedOnEarlierDay(charge('a', { createdAt: at(5, 1, 21, 43) }), at(5, 8, 12, 0), zone)).toBe('2024-05-01');
    // 01:30 on 2 May is still 1 May's business day: today's until 04:00, an earlier day's from then on
    expect(chargedOnEarlierDay(charge('b', { createdAt: at(5, 2, 1, 30) }), at(5, 2, 3, 59), zone)).toBeNull();
    expect(chargedOnEarlierDay(charge('b', { createdAt: at(5, 2, 1, 30) }), at(5, 2, 4, 0), zone)).toBe('2024-05-01');
    // in both languages, the day as the tablet names a business day
    expect(translator(posMessages, 'en')('charge.when', { date: '2024-05-01', time: '21:43' })).toBe('Business day 2024-05-01, 21:43');
    expect(translator(posMessages, 'zh-CN')('charge.when', { date: '2024-05-01', time: '21:43' })).toBe('营业日 2024-05-01 21:43');
  });
});

let pos: PosApp | null = null;
afterEach(() => pos?.stop());

const menu = { version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [] } as unknown as Menu;
const flush = () => new Promise((r) => setTimeout(r, 0));

type Call = { method: string; path: string; o: { as?: string; headers?: Record<string, string>; body?: unknown; key?: string } };

/** A signed-in tablet whose hub lists `open` and answers a resolve with `resolve`. */
async function tablet(role: 'waiter' | 'manager', open: UnrecordedCardCharge[], resolve: (c: Call) => unknown = () => ({})) {
  const sockets: SocketHandlers[] = [];
  const socket: SocketFactory = (_url, on) => (sockets.push(on), { send: () => undefined, close: () => undefined });
  const app = (pos = new PosApp({ storage: new MemoryOutboxStorage(), socket }));
  app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
  app.session.staff.set({ token: `staff_${role}`, staff: { id: `s-${role}`, name: role, role } as never, expiresAt: Date.now() + 3600_000 });
  const calls: Call[] = [];
  app.client.menu = async () => menu;
  app.client.snapshot = async () => ({ epoch: 'e', seq: 5, menuVersion: 1, orders: [] }) as never;
  app.client.health = async () => ({ status: 'ok', printers: [] }) as never;
  app.client.signIn = (async (pin: string) => {
    if (pin === '9999') return { token: 'staff_pin_manager', staff: { id: 's-manager', name: '李经理', role: 'manager' } };
    if (pin === '1111') return { token: 'staff_pin_waiter', staff: { id: 's-w2', name: 'w2', role: 'waiter' } };
    throw new HubError(401, 'pin_invalid', 'wrong PIN');
  }) as typeof app.client.signIn;
  app.client.request = (async (method: string, path: string, o: Call['o'] = {}) => {
    calls.push({ method, path, o });
    if (method === 'GET' && path === '/api/v1/card-charges/unrecorded') return { charges: open };
    if (method === 'POST' && path.startsWith('/api/v1/card-charges/')) return resolve({ method, path, o });
    throw new HubUnreachableError('no hub in this test');
  }) as typeof app.client.request;
  await app.outbox.load();
  app.start();
  sockets.at(-1)!.open();
  await flush();
  sockets.at(-1)!.message(JSON.stringify({ type: 'welcome', epoch: 'e', headSeq: 5, fromSeq: 5 }));
  await flush();
  const events = async (...evs: HubEvent[]) => {
    sockets.at(-1)!.message(JSON.stringify({ type: 'events', upToSeq: evs.at(-1)!.seq, events: evs }));
    await flush();
  };
  return { app, calls, events, shown: () => app.cardCharges.state.get().charges.map((c) => c.id) };
}

describe('the waiter tablet', () => {
  it('loads the open charges as the signed-in staff member when it starts, and adds one the stream brings', async () => {
    const { calls, events, shown } = await tablet('waiter', [charge('a')]);
    expect(calls.find((c) => c.path === '/api/v1/card-charges/unrecorded')?.o.as).toBe('staff');
    expect(shown()).toEqual(['a']);
    await events(recorded(6, charge('b')));
    expect(shown()).toEqual(['a', 'b']);
    await events(resolvedEvent(7, charge('a')));
    expect(shown()).toEqual(['b']);
  });

  it('does not send a waiter\'s resolve: a manager\'s PIN typed on the spot resolves it, sent with that manager\'s session', async () => {
    const { app, calls, shown } = await tablet('waiter', [charge('a')]);
    expect(await app.resolveCardCharge('a', { kind: 'refunded_on_terminal' })).toBe('forbidden');
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
    expect(await app.managerApproval('1111')).toMatchObject({ problem: 'void.notManager' });
    const approval = await app.managerApproval('9999');
    if ('problem' in approval) throw new Error(approval.problem);
    expect(await app.resolveCardCharge('a', resolutionBody({ kind: 'refunded_on_terminal', orderNumber: '', note: '  ref RF9 ' })!, approval)).toBe('resolved');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/api/v1/card-charges/a/resolve');
    expect(post.o).toMatchObject({ as: 'none', headers: { authorization: 'Bearer staff_pin_manager' }, body: { kind: 'refunded_on_terminal', note: 'ref RF9' }, key: expect.any(String) });
    expect(shown()).toEqual([]);
  });

  it('a signed-in manager resolves it as what became of it; "other" without a note is not sent', async () => {
    const { app, calls, shown } = await tablet('manager', [charge('a'), charge('b')]);
    expect(await app.resolveCardCharge('a', { kind: 'other', note: '   ' })).toBe('forbidden');
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
    expect(await app.resolveCardCharge('a', { kind: 'recorded_as_payment', orderNumber: 14 })).toBe('resolved');
    expect(calls.find((c) => c.method === 'POST')?.o.body).toEqual({ kind: 'recorded_as_payment', orderNumber: 14 });
    expect(shown()).toEqual(['b']);
  });

  it('keeps a charge on the strip, saying why, when the order named has no card payment (422 invalid_order)', async () => {
    const { app, shown } = await tablet('manager', [charge('a')], () => {
      throw new HubError(422, 'invalid_order', 'order #14 has no card payment');
    });
    app.client.mutate = (async (method: 'POST', path: string, body: unknown) => app.client.request(method, path, { as: 'staff', body, key: 'k-1' })) as typeof app.client.mutate;
    expect(await app.resolveCardCharge('a', { kind: 'recorded_as_payment', orderNumber: 14 })).toBe('no_order');
    expect(shown()).toEqual(['a']);
  });

  it('takes a charge another manager resolved meanwhile off the strip; keeps it when the hub is out of reach', async () => {
    const { app, shown } = await tablet('manager', [charge('a'), charge('b')], (c) => {
      if (c.path.includes('/a/')) throw new HubError(409, 'conflict', 'this card charge was already resolved');
      throw new HubUnreachableError('gone');
    });
    app.client.mutate = (async (method: 'POST', path: string, body: unknown) => app.client.request(method, path, { as: 'staff', body, key: 'k-1' })) as typeof app.client.mutate;
    expect(await app.resolveCardCharge('a', { kind: 'refunded_on_terminal' })).toBe('already_resolved');
    expect(await app.resolveCardCharge('b', { kind: 'refunded_on_terminal' })).toBe('unreachable');
    expect(shown()).toEqual(['b']);
  });
});

describe('the resolve sheet: what became of the money', () => {
  it('opens with nothing chosen and the kiosk order\'s own number ready for "recorded as its payment"', () => {
    expect(resolutionDraft(charge('a'))).toEqual({ kind: null, orderNumber: '12', note: '' });
    expect(resolutionDraft(charge('a', { orderNumber: null }))).toEqual({ kind: null, orderNumber: '', note: '' });
  });

  it.each([
    ['nothing chosen', { kind: null, orderNumber: '12', note: 'x' }, null],
    ['refunded on the terminal, no note', { kind: 'refunded_on_terminal', orderNumber: '12', note: ' ' }, { kind: 'refunded_on_terminal' }],
    ['refunded on the terminal, its reference', { kind: 'refunded_on_terminal', orderNumber: '', note: ' RF-9 ' }, { kind: 'refunded_on_terminal', note: 'RF-9' }],
    ['recorded as a payment of #14', { kind: 'recorded_as_payment', orderNumber: ' 14 ', note: '' }, { kind: 'recorded_as_payment', orderNumber: 14 }],
    ['recorded as a payment, no number', { kind: 'recorded_as_payment', orderNumber: '', note: '' }, null],
    ['recorded as a payment, not a number', { kind: 'recorded_as_payment', orderNumber: '1a', note: '' }, null],
    ['recorded as a payment of #0', { kind: 'recorded_as_payment', orderNumber: '0', note: '' }, null],
    ['other, no note', { kind: 'other', orderNumber: '12', note: '  ' }, null],
    ['other, a note', { kind: 'other', orderNumber: '12', note: 'guest took a voucher' }, { kind: 'other', note: 'guest took a voucher' }],
  ] as const)('%s → %j', (_what, draft, body) => {
    expect(resolutionBody(draft)).toEqual(body);
  });
});
