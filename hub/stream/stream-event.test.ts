import { describe, expect, it } from 'vitest';
import { eventForPublic } from '../domain/public-reads.ts';
import { logged } from '../store/event-log.ts';
import { guestBytes, streamEvent } from './stream-event.ts';

const event = (payload: unknown, staffId: string | null = 's-waiter') =>
  streamEvent(logged({ seq: 7, type: 'order.placed', at: 1, deviceId: 'd-pos', staffId, topics: 'orders table:t-1', payloadJson: JSON.stringify(payload) }));

describe('an event as the stream holds it', () => {
  it('is its JSON as UTF-8 bytes, Chinese included', () => {
    const e = event({ order: { id: 'o-1', lines: [{ name: '宫保鸡丁' }] } }, null);
    expect(e.seq).toBe(7);
    expect(e.topics).toEqual(['orders', 'table:t-1']);
    expect(JSON.parse(e.bytes.toString('utf8'))).toMatchObject({ seq: 7, type: 'order.placed', payload: { order: { lines: [{ name: '宫保鸡丁' }] } } });
  });

  it('holds its bytes in memory of its own, not a slice of a shared block a held event would keep alive', () => {
    const e = event({ order: { id: 'o-1', staffName: '王伟', lines: [] } });
    expect(e.bytes.length).toBeLessThan(1000);
    expect(e.bytes.buffer.byteLength).toBe(e.bytes.length);
    expect(guestBytes(e).buffer.byteLength).toBe(guestBytes(e).length);
  });

  it("reaches the public channel without the staff's names, made once and kept with the event", () => {
    const e = event({ order: { id: 'o-1', staffName: '王伟', lines: [] } });
    const guest = guestBytes(e);
    const heard = JSON.parse(guest.toString('utf8')) as { staffId: unknown; payload: { order: Record<string, unknown> } };
    expect(heard.staffId).toBeNull();
    expect(heard.payload.order.staffName).toBeNull();
    expect(guestBytes(e)).toBe(guest);
  });

  it("reaches it as eventForPublic says, whatever the text of its strings (cleared in the JSON's text, not parsed)", () => {
    const tricky = [
      'plain',
      '"staffName":"王伟"', // a note quoting the keys: text, not a key
      'ends with a backslash \\',
      '\\","staffName":"x',
      '引号 \u201c"\u201d 和 \\" 反斜杠',
      '',
    ];
    for (const note of tricky) {
      const payload = {
        order: {
          id: 'o-1',
          staffId: 's-1',
          staffName: note,
          note,
          lines: [{ id: 'l-1', name: note, addedByStaffId: 's-2', options: [{ name: note }] }],
          payments: [{ id: 'p-1', reference: `ref ${note}`, staffId: null, tender: 'card' }],
          meta: { reference: 'staffName', [note]: note },
        },
      };
      const e = event(payload);
      const json = e.bytes.toString('utf8');
      expect(JSON.parse(guestBytes(e).toString('utf8')), note).toEqual(eventForPublic(JSON.parse(json)));
    }
  });

  it('takes the parse for a value under those keys that is not a string', () => {
    const e = event({ order: { id: 'o-1', staffId: 42, payments: [{ reference: { terminal: 'T1' } }] } });
    expect(JSON.parse(guestBytes(e).toString('utf8'))).toEqual(eventForPublic(JSON.parse(e.bytes.toString('utf8'))));
    expect(guestBytes(e).toString('utf8')).not.toMatch(/T1|42/);
  });

  it("reaches it without the reasons and notes the staff typed, the guest's own note kept", () => {
    const typed = (type: string, payload: unknown, staffId: string | null = 's-manager') =>
      streamEvent(logged({ seq: 8, type, at: 1, deviceId: 'd-pos', staffId, topics: 'table:t-1', payloadJson: JSON.stringify(payload) }));
    const events = [
      typed('order.line_voided', { order: { id: 'o-1' }, line: { id: 'l-1', status: 'voided', voidReason: 'guest was rude', note: 'no chili', addedByStaffId: null }, wasFired: true }),
      typed('order.voided', { order: { id: 'o-1' }, reason: 'guest was rude' }),
      typed('order.discounted', { order: { id: 'o-1' }, reason: 'guest was rude' }),
      typed('order.refunded', { order: { id: 'o-1' }, refund: { id: 'r-1', amountMinor: 50, reason: 'guest was rude', reference: null, staffId: 's-manager' } }),
      typed('order.placed', { order: { id: 'o-1', note: 'guest was rude', staffId: 's-waiter', discountReason: 'guest was rude', lines: [{ id: 'l-1', note: 'guest was rude', addedByStaffId: 's-waiter' }] } }, 's-waiter'),
      typed('order.lines_added', { order: { id: 'o-1' }, lines: [{ id: 'l-2', note: 'no chili', addedByStaffId: null, voidReason: null }] }, null),
    ];
    for (const e of events) {
      const heard = guestBytes(e).toString('utf8');
      expect(heard).not.toContain('guest was rude');
      expect(JSON.parse(heard)).toEqual(eventForPublic(JSON.parse(e.bytes.toString('utf8'))));
    }
    expect(guestBytes(events[0]!).toString('utf8')).toContain('no chili');
    expect(guestBytes(events[5]!).toString('utf8')).toContain('no chili');
    const paused = typed('kitchen.pacing_changed', { publicOrderingPaused: true, reason: 'back at 7' });
    expect(JSON.parse(guestBytes(paused).toString('utf8')).payload.reason).toBe('back at 7');
  });

  it('reaches it as the same bytes when it holds nothing only the staff may hear', () => {
    const e = event({ order: { id: 'o-1', staffName: null, lines: [] } }, null);
    expect(guestBytes(e)).toBe(e.bytes);
  });
});
