/**
 * What a device's outbox holds for another store than the one it is paired with now (it was moved): for the
 * staff, who may discard it (`Outbox.waitingForOtherStores`, `Outbox.discardWaitingFor`). The payments one
 * by one: money was taken for each, which that store must record by hand.
 */
import type { OutboxEntry } from './outbox.ts';

/** Money taken for a change that waits: its amount, and the terminal's reference for a card. */
export interface WaitingPayment {
  amountMinor: number;
  reference: string | null;
  /** 'cash' or 'card' where the app knows it (the kiosk takes cards only). */
  tender?: string;
}

export interface OtherStoreWait {
  storeId: string;
  /** As its hub said when the device was paired there; null if it never said. */
  storeName: string | null;
  orders: number;
  payments: WaitingPayment[];
}

/**
 * `waiting` (from `waitingForOtherStores`) told store by store: how many changes, how many orders they are
 * for, and the payments. `read` says what one entry is: the order it is for, and its money if a payment.
 */
export function otherStoreWaits<E extends OutboxEntry>(
  waiting: readonly { storeId: string; entries: readonly OutboxEntry[] }[],
  storeName: (storeId: string) => string | null,
  read: (e: E) => { orderId: string | null; payment: WaitingPayment | null },
): (OtherStoreWait & { changes: number })[] {
  return waiting.map(({ storeId, entries }) => {
    const what = entries.map((e) => read(e as E));
    return {
      storeId,
      storeName: storeName(storeId),
      changes: entries.length,
      orders: new Set(what.flatMap((r) => (r.orderId === null ? [] : [r.orderId]))).size,
      payments: what.flatMap((r) => (r.payment === null ? [] : [r.payment])),
    };
  });
}
