import { useEffect, useState } from 'preact/hooks';
import type { Menu, Order } from '../../hub/protocol/index.ts';
import { formatClock, formatMoney } from '../shared/format.ts';
import { useStore } from '../shared/store.ts';
import type { PosKey, PosT } from './messages.ts';
import { isOpenOrder, type PosApp } from './pos-app.ts';
import { searchBills, searchedNumber, tableNamed } from './pos-logic.ts';

/** The word for where an order is in its life, as the list of bills shows it. */
export const billStatusKey = (o: Pick<Order, 'status'>): PosKey => (isOpenOrder(o) ? 'bills.status.open' : (`bills.status.${o.status}` as PosKey));

/**
 * 今日账单 Today's bills: the business day's orders (the hub's today), closed ones included, newest first, so a
 * bill that has left the floor can be opened again (refund, receipt), a page at a time. Searchable by order
 * number and table; a number, or a table named exactly, is also asked of the hub, so a busy day's earlier
 * bills are found beyond the pages loaded. Offline, it says it could not load and keeps what it showed.
 */
export function BillsScreen({ app, menu, t }: { app: PosApp; menu: Menu; t: PosT }) {
  const s = useStore(app.state);
  const [query, setQuery] = useState('');
  const b = s.bills;
  const tables = s.floor?.tables ?? [];
  const tableName = (id: string | null) => (id === null ? undefined : (tables.find((x) => x.id === id)?.name ?? id));
  useEffect(() => {
    if (query.trim()) void app.lookUpBills(query);
  }, [query, b.loadedAt]);
  const shown = searchBills(b.orders, query, tableName);
  // the hub was asked and answered: what it did not find is not in the day
  const answered = b.complete || (b.lookup?.query === query && b.lookup.state === 'answered' && (searchedNumber(query) !== null || tableNamed(query, tables) !== null));
  return (
    <main class="p-bills" data-bills-date={b.date ?? ''}>
      <div class="p-bills__bar">
        <input class="p-search" data-bills-search type="search" value={query} placeholder={t('bills.search')} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="button" class="btn" data-bills-refresh disabled={b.loading} onClick={() => void app.loadBills()}>
          {t('bills.refresh')}
        </button>
      </div>
      {b.failed && (
        <p class="p-hint" data-bills-failed>
          {b.loadedAt === null ? t('bills.failed') : t('bills.failedKept', { time: formatClock(b.loadedAt) })}
        </p>
      )}
      {b.date && <p class="p-muted">{t('bills.day', { date: b.date, n: b.orders.length })}</p>}
      {b.loading && b.orders.length === 0 && <p class="p-muted">{t('bills.loading')}</p>}
      {!b.loading && !b.failed && b.orders.length === 0 && <p class="p-muted">{t('bills.none')}</p>}
      {query.trim() && b.orders.length > 0 && shown.length === 0 && (
        <p class="p-muted" data-bills-no-match>
          {answered ? t('bills.noMatch', { q: query }) : b.lookup?.query === query && b.lookup.state === 'asking' ? t('bills.searching', { q: query }) : t('bills.noMatchMore', { q: query })}
        </p>
      )}
      <div class="p-bills__list">
        {shown.map((o) => {
          const refunded = (o.refunds ?? []).reduce((sum, r) => sum + r.amountMinor, 0);
          return (
            <button type="button" key={o.id} class={`p-bill-row${isOpenOrder(o) ? ' is-open' : ''}`} data-bill-row={o.id} data-bill-status={o.status} onClick={() => app.openBill(o.id)}>
              <strong class="p-bill-row__no">{t('order.number', { n: o.number })}</strong>
              <span class="p-bill-row__where">{o.tableId ? t('order.table', { table: tableName(o.tableId) ?? '' }) : t(`bills.channel.${o.channel}`)}</span>
              <small class="p-muted">{t('bills.placed', { time: formatClock(o.createdAt) })}</small>
              <span class="p-tag p-bill-row__status">{t(billStatusKey(o))}</span>
              <span class="p-bill-row__total">
                {formatMoney(o.totalMinor, menu.currency)}
                {refunded > 0 && <small class="p-line__open">{t('bill.refundedOf', { amount: formatMoney(refunded, menu.currency) })}</small>}
              </span>
            </button>
          );
        })}
      </div>
      {!b.complete && (
        <button type="button" class="btn" data-bills-more disabled={b.loading} onClick={() => void app.loadBills({ more: true })}>
          {t('bills.more')}
        </button>
      )}
    </main>
  );
}
