import { describe, expect, it } from 'vitest';
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

  it("reaches the public channel without the staff's names, made once and kept with the event", () => {
    const e = event({ order: { id: 'o-1', staffName: '王伟', lines: [] } });
    const guest = guestBytes(e);
    const heard = JSON.parse(guest.toString('utf8')) as { staffId: unknown; payload: { order: Record<string, unknown> } };
    expect(heard.staffId).toBeNull();
    expect(heard.payload.order.staffName).toBeNull();
    expect(guestBytes(e)).toBe(guest);
  });

  it('reaches it as the same bytes when it holds nothing only the staff may hear', () => {
    const e = event({ order: { id: 'o-1', staffName: null, lines: [] } }, null);
    expect(guestBytes(e)).toBe(e.bytes);
  });
});
