import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Menu, MenuItem, Table } from '../../hub/protocol/index.ts';
import { cartTotal, defaultOptions, groupsOf, isSoldOut, optionProblems, unitPrice } from '../shared/cart.ts';
import { formatMoney } from '../shared/format.ts';
import { nameIn, useTranslate, type Lang } from '../shared/i18n.ts';
import { newId } from '../shared/ids.ts';
import { useStore } from '../shared/store.ts';
import { ConnectionBanner } from '../shared/ui/connection-banner.tsx';
import { PrinterAlerts } from '../shared/ui/printer-alerts.tsx';
import { visibleAlerts } from '../shared/printer-health.ts';
import { OptionGroups } from '../shared/ui/option-groups.tsx';
import { LanguageToggle, PairScreen, PinScreen } from '../shared/ui/pairing.tsx';
import { BillScreen } from './bill.tsx';
import { CardChargeAlerts } from './card-charge-alerts.tsx';
import { BillsScreen } from './bills.tsx';
import { posMessages, type PosKey, type PosT } from './messages.ts';
import { MergedNotice, OrderActions, VoidForm } from './order-actions.tsx';
import { OtherStoreAlerts } from './other-store.tsx';
import { isOpenOrder, type PosApp, type PosCartLine } from './pos-app.ts';
import { guestChoices, heldCourses, pinyinAvailable, searchIndex, searchItems, seatChoices, TABLE_STATUSES } from './pos-logic.ts';
import { Sheet } from './sheet.tsx';
import { SubmissionList } from './submission.tsx';

type T = PosT;

export function App({ app }: { app: PosApp }) {
  const device = useStore(app.session.device);
  const staff = useStore(app.session.staff);
  useEffect(() => {
    if (device) app.start();
  }, [device]);
  if (!device) return <PairScreen hub={app.client} session={app.session} kind="pos" defaultName="pos" />;
  if (!staff) return <PinScreen hub={app.client} session={app.session} roles={['waiter', 'cashier', 'manager']} />;
  return <Pos app={app} />;
}

function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

function Pos({ app }: { app: PosApp }) {
  const s = useStore(app.state);
  const staff = useStore(app.session.staff);
  const { t, lang } = useTranslate(posMessages);
  const now = useNow();
  const printers = useStore(app.printers.state);
  const table = s.floor?.tables.find((x) => x.id === s.tableId);
  return (
    <div class={`p p--${s.screen}`} data-screen={s.screen}>
      <header class="p-head">
        {s.screen !== 'floor' &&
          (s.fromBills && s.screen !== 'bills' ? (
            <button type="button" class="btn" data-back-bills onClick={() => void app.backFromBill()}>
              {t('bills.back')}
            </button>
          ) : (
            <button type="button" class="btn" data-back-floor onClick={() => app.goFloor()}>
              {t('order.floor')}
            </button>
          ))}
        <strong class="p-head__title">
          {s.screen === 'floor'
            ? t('floor.title')
            : s.screen === 'bills'
              ? t('bills.title')
              : s.order && !s.order.tableId
                ? t(`bills.channel.${s.order.channel}`)
                : t('order.table', { table: table?.name ?? s.tableId ?? '' })}
        </strong>
        {s.order && s.screen !== 'floor' && s.screen !== 'bills' && <span class="p-head__no">{t('order.number', { n: s.order.number })}</span>}
        {s.screen === 'floor' && (
          <button type="button" class="btn" data-bills-open onClick={() => void app.showBills()}>
            {t('bills.open')}
          </button>
        )}
        <span class="p-head__fill" />
        {/* "offline since" on the hub's clock (from its answers), not a tablet clock set hours wrong */}
        <ConnectionBanner state={s.conn} now={now} clockShiftMs={app.client.serverOffsetMs} onRetry={() => app.wake()} />
        <span class="p-head__staff" data-staff={staff?.staff.role}>
          {staff?.staff.name}
        </span>
        <LanguageToggle />
        <button type="button" class="btn" data-lock onClick={() => app.lock()}>
          {t('lock')}
        </button>
      </header>
      <PrinterAlerts
        alerts={visibleAlerts(printers, null)}
        printerName={(id) => printers.printers.find((p) => p.id === id)?.name ?? id}
        stationName={(id) => {
          const station = s.menu?.stations.find((x) => x.id === id);
          return station ? nameIn(lang, station) : id;
        }}
        onReprint={(f) => void app.reprintFailed(f)}
        onDismiss={(f) => app.printers.dismiss(f.jobId)}
      />
      <CardChargeAlerts app={app} currency={s.menu?.currency ?? 'CNY'} t={t} />
      <OtherStoreAlerts app={app} currency={s.menu?.currency ?? 'CNY'} t={t} />
      {!s.durable && <div class="p-banner">{t('banner.memoryOnly')}</div>}
      {s.storageError && <div class="p-banner">{t('banner.storageError')}</div>}
      {s.phase === 'unreachable' && !s.menu ? (
        <main class="p-gate">
          <h1>{t('unreachable.title')}</h1>
          <p>{t('unreachable.body')}</p>
          <button type="button" class="btn btn--primary" onClick={() => void app.loadMenu()}>
            {t('retry')}
          </button>
        </main>
      ) : s.screen === 'floor' ? (
        <FloorScreen app={app} t={t} lang={lang} />
      ) : !s.menu ? (
        <main class="p-gate">{t('loading')}</main>
      ) : s.screen === 'bills' ? (
        <BillsScreen app={app} menu={s.menu} t={t} />
      ) : s.screen === 'order' ? (
        <OrderScreen app={app} menu={s.menu} t={t} lang={lang} />
      ) : (
        <BillScreen app={app} menu={s.menu} t={t} lang={lang} />
      )}
    </div>
  );
}

// ---- floor ----

function FloorScreen({ app, t, lang }: { app: PosApp; t: T; lang: Lang }) {
  const s = useStore(app.state);
  const [opening, setOpening] = useState<Table | null>(null);
  if (!s.floor) return <main class="p-gate">{t('loading')}</main>;
  const areas = [...s.floor.areas].sort((a, b) => a.sort - b.sort);
  const calls = Object.keys(s.calls).length;
  const unsent = app.unsentTables();
  return (
    <main class="p-floor">
      {calls > 0 && (
        <div class="p-calls" data-calls={calls}>
          {t('floor.calls', { n: calls })}
          {/* seen to without opening the table (the guests had left, or only wanted water): off every tablet */}
          {Object.keys(s.calls).map((tableId) => (
            <span key={tableId}>
              {' '}
              <button type="button" class="btn btn--small btn--ghost" data-call-ack={tableId} onClick={() => app.acknowledgeCall(tableId)}>
                {s.floor!.tables.find((x) => x.id === tableId)?.name ?? tableId} {t('floor.callAck')}
              </button>
            </span>
          ))}
        </div>
      )}
      {areas.map((area) => (
        <section key={area.id} class="p-area" data-area={area.id}>
          <h2>{nameIn(lang, area)}</h2>
          <div class="p-tables">
            {s.floor!.tables
              .filter((x) => x.areaId === area.id)
              .map((table) => {
                const pending = table.status === 'free' ? app.pendingOpen(table.id) : null;
                const status = pending ? 'saving' : table.status;
                const call = s.calls[table.id];
                return (
                  <button
                    type="button"
                    key={table.id}
                    class={`p-table p-table--${status}`}
                    data-table={table.id}
                    data-status={table.status}
                    onClick={() => (table.status === 'free' && !pending ? setOpening(table) : app.openExisting(table.id))}
                  >
                    <strong class="p-table__name">{table.name}</strong>
                    <span class="p-table__status">{t(`status.${status}` as PosKey)}</span>
                    <small>{t('floor.seats', { n: table.seats })}</small>
                    {call && (
                      <span class="p-table__call" data-waiter-call title={call.note ?? ''}>
                        {call.note ?? t(call.reason === 'bill' ? 'floor.callBill' : 'floor.call')}
                      </span>
                    )}
                    {unsent.includes(table.id) && (
                      <span class="p-tag" data-unsent>
                        {t('floor.unsent')}
                      </span>
                    )}
                  </button>
                );
              })}
          </div>
        </section>
      ))}
      <footer class="p-legend">
        {TABLE_STATUSES.map((st) => (
          <span key={st} class={`p-legend__item p-table--${st}`}>
            {t(`status.${st}`)}
          </span>
        ))}
      </footer>
      {opening && <GuestSheet app={app} table={opening} t={t} onClose={() => setOpening(null)} />}
    </main>
  );
}

function GuestSheet({ app, table, t, onClose }: { app: PosApp; table: Table; t: T; onClose: () => void }) {
  const [n, setN] = useState(Math.min(2, table.seats));
  const open = (
    <button
      type="button"
      class="btn btn--primary"
      data-open-table
      onClick={() => {
        void app.openTable(table.id, n);
        onClose();
      }}
    >
      {t('open.go')}
    </button>
  );
  return (
    <Sheet data={{ 'data-guest-sheet': true }} title={t('open.title', { table: table.name })} cancel={t('cancel')} onClose={onClose} actions={open}>
      <p>{t('open.guests')}</p>
      <div class="p-guests">
        {guestChoices(table.seats).map((g) => (
          <button type="button" key={g} class={`p-chip${g === n ? ' is-on' : ''}`} data-guests={g} aria-pressed={g === n} onClick={() => setN(g)}>
            {g}
          </button>
        ))}
      </div>
    </Sheet>
  );
}

// ---- order ----

function OrderScreen({ app, menu, t, lang }: { app: PosApp; menu: Menu; t: T; lang: Lang }) {
  const s = useStore(app.state);
  const cats = [...menu.categories].sort((a, b) => a.sort - b.sort).filter((c) => menu.items.some((i) => i.categoryId === c.id));
  const [catId, setCatId] = useState(cats[0]?.id ?? '');
  const [query, setQuery] = useState('');
  const [sheet, setSheet] = useState<MenuItem | null>(null);
  const index = useMemo(() => searchIndex(menu), [menu]);
  const cat = cats.find((c) => c.id === catId) ?? cats[0];
  const items = query.trim() ? searchItems(index, query) : menu.items.filter((i) => i.categoryId === cat?.id).sort((a, b) => a.sort - b.sort);
  return (
    <main class="p-order">
      <section class="p-menu">
        <input
          class="p-search"
          data-search
          type="search"
          value={query}
          placeholder={pinyinAvailable() ? t('order.search') : t('order.searchNoPinyin')}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        {!query.trim() && (
          <nav class="p-cats" role="tablist">
            {cats.map((c) => (
              <button type="button" role="tab" key={c.id} aria-selected={c.id === cat?.id} class={`p-cat${c.id === cat?.id ? ' is-on' : ''}`} data-cat={c.id} onClick={() => setCatId(c.id)}>
                {nameIn(lang, c)}
              </button>
            ))}
          </nav>
        )}
        <div class="p-items">
          {items.length === 0 && <p class="p-muted">{t('order.noResults', { q: query })}</p>}
          {items.map((item) => {
            const out = isSoldOut(item);
            return (
              <button type="button" key={item.id} class={`p-item${out ? ' is-out' : ''}`} data-item={item.id} data-sold-out={out} disabled={out} onClick={() => setSheet(item)}>
                <span class="p-item__name">{nameIn(lang, item)}</span>
                <small class="p-item__alt">{lang === 'en' ? item.nameZh : item.nameEn}</small>
                <span class="p-item__foot">
                  <span>{formatMoney(item.priceMinor, menu.currency)}</span>
                  {out ? <span class="p-tag p-tag--out">{t('item.soldOut')}</span> : item.remaining !== null && item.remaining <= 10 ? <span class="p-tag">{t('item.left', { n: item.remaining })}</span> : null}
                </span>
              </button>
            );
          })}
        </div>
      </section>
      <aside class="p-side">
        <Ticket app={app} menu={menu} t={t} lang={lang} />
      </aside>
      {sheet && <ItemSheet app={app} menu={menu} item={sheet} t={t} lang={lang} onClose={() => setSheet(null)} />}
    </main>
  );
}

function optionNames(lang: Lang, menu: Menu, item: MenuItem | undefined, ids: readonly string[]): string {
  if (!item) return '';
  return groupsOf(menu, item)
    .flatMap((g) => g.options.filter((o) => ids.includes(o.id)).map((o) => nameIn(lang, o)))
    .join(' · ');
}

/**
 * The table's open orders when it has more than one (the host's empty opening order and the guests' phone
 * orders, a separate check): each with its number, who placed it and its total, to switch to.
 */
function TableOrders({ app, menu, t }: { app: PosApp; menu: Menu; t: T }) {
  const s = useStore(app.state);
  if (s.tableOrders.length < 2 || !s.tableOrders.some((o) => o.id === s.orderId)) return null;
  return (
    <nav class="p-table-orders" data-table-orders={s.tableOrders.length}>
      <h3>{t('order.tableOrders', { n: s.tableOrders.length })}</h3>
      {s.tableOrders.map((o) => (
        <button
          type="button"
          key={o.id}
          class={`p-chip${o.id === s.orderId ? ' is-on' : ''}`}
          data-table-order={o.id}
          data-channel={o.channel}
          aria-pressed={o.id === s.orderId}
          onClick={() => app.chooseOrder(o.id)}
        >
          {t('order.number', { n: o.number })} · {t(`order.by.${o.channel}`)} · {formatMoney(o.totalMinor, menu.currency)}
        </button>
      ))}
    </nav>
  );
}

function Ticket({ app, menu, t, lang }: { app: PosApp; menu: Menu; t: T; lang: Lang }) {
  const s = useStore(app.state);
  // a merge is this order's news too: it brought the lines here
  const subs = s.submissions.filter((x) => x.meta.orderId === s.orderId || (x.meta.action.kind === 'merge' && x.meta.action.intoOrderId === s.orderId));
  const order = s.order;
  const held = order ? heldCourses(order) : [];
  const [voiding, setVoiding] = useState<string | null>(null);
  if (order?.status === 'merged') {
    // a batch refused because the order was merged away can still be put back: it goes to the merged order
    const refused = subs.filter((x) => app.canPutBack(x.id));
    return (
      <>
        <MergedNotice app={app} order={order} t={t} />
        {refused.length > 0 && <SubmissionList app={app} subs={refused} menu={menu} floor={s.floor} t={t} />}
      </>
    );
  }
  // a dish that sold out or left the menu since it was chosen, or the hub refused: it would refuse the whole cart
  const bad = app.cartBlocked();
  const gone = app.orderGone();
  return (
    <div class="p-ticket">
      <TableOrders app={app} menu={menu} t={t} />
      <h3>{t('order.cart')}</h3>
      {s.cart.length === 0 && <p class="p-muted">{t('order.cartEmpty')}</p>}
      {s.cart.map((l) => {
        const item = menu.items.find((i) => i.id === l.itemId);
        const problem = [!item ? t('line.notOnMenu') : bad.includes(l.id) && isSoldOut(item) ? t('line.soldOut') : '', l.refused ? t('line.refused') : ''].filter(Boolean).join(' · ');
        return (
          <div key={l.id} class={`p-line${bad.includes(l.id) ? ' is-bad' : ''}`} data-cart-line={l.itemId} data-cart-problem={bad.includes(l.id)}>
            <div class="p-line__main">
              <strong>
                {item ? nameIn(lang, item) : t('line.notOnMenu')} × {l.qty}
              </strong>
              <small>
                {[problem, optionNames(lang, menu, item, l.optionIds), l.note, l.course > 1 ? t('item.courseN', { n: l.course }) : '', l.hold ? t('line.held') : '', l.seat ? t('line.seat', { n: l.seat }) : '']
                  .filter(Boolean)
                  .join(' · ')}
              </small>
            </div>
            <span>{item ? formatMoney(unitPrice(menu, item, l.optionIds) * l.qty, menu.currency) : ''}</span>
            <button type="button" class="btn btn--small" data-remove onClick={() => app.setCart(s.cart.filter((x) => x.id !== l.id))}>
              ×
            </button>
          </div>
        );
      })}
      {bad.length > 0 && <p class="p-hint">{s.cart.some((l) => l.refused) ? t('order.refusedCart') : t('order.cartProblem')}</p>}
      {gone && s.cart.length > 0 && s.tableId && (
        <>
          <p class="p-hint">{order && !isOpenOrder(order) ? t('order.closedCart') : t('order.refusedOpen')}</p>
          <button type="button" class="btn" data-open-again onClick={() => void app.openTable(s.tableId!, app.guestsFor(s.orderId ?? '') ?? 2, { carryCart: true })}>
            {t('order.openAgain')}
          </button>
        </>
      )}
      <button
        type="button"
        class="btn btn--primary btn--big"
        data-send
        disabled={s.cart.length === 0 || bad.length > 0 || gone}
        onClick={() => void app.sendCart()}
      >
        {t('order.send')} · {formatMoney(cartTotal(menu, s.cart), menu.currency)}
      </button>
      {subs.length > 0 && (
        <>
          <h3>{t('order.sent')}</h3>
          <SubmissionList app={app} subs={subs} menu={menu} floor={s.floor} t={t} />
        </>
      )}
      <h3>{t('order.onOrder')}</h3>
      {!order && s.orderId && app.pendingOpen(s.tableId ?? '') && <p class="p-muted">{t('order.pending')}</p>}
      {order && order.lines.length === 0 && <p class="p-muted">{t('order.nothing')}</p>}
      {order?.lines.map((l) => (
        <div key={l.id} class={`p-line p-line--${l.status}`} data-order-line={l.itemId} data-line-status={l.status}>
          <div class="p-line__main">
            <strong>
              {nameIn(lang, l)} × {l.qty}
            </strong>
            <small>
              {[l.options.map((o) => nameIn(lang, o)).join(' · '), l.note ?? '', l.course > 1 ? t('item.courseN', { n: l.course }) : '', l.seat ? t('line.seat', { n: l.seat }) : '']
                .filter(Boolean)
                .join(' · ')}
            </small>
          </div>
          <span class="p-line__status">{t(`line.status.${l.status}` as PosKey)}</span>
          {l.status !== 'voided' && order.status !== 'closed' && app.canVoid(l.id) && (
            <button type="button" class="btn btn--small" data-void={l.id} onClick={() => setVoiding(l.id)}>
              {t('line.void')}
            </button>
          )}
        </div>
      ))}
      {voiding && order && (
        <VoidForm app={app} lineId={voiding} fired={order.lines.some((l) => l.id === voiding && l.firedAt !== null)} t={t} onDone={() => setVoiding(null)} />
      )}
      {held.map((c) => (
        <button type="button" key={c} class="btn" data-fire={c} onClick={() => void app.fireCourse(c)}>
          {t('fire.course', { n: c })}
        </button>
      ))}
      {order && (
        <div class="p-ticket__foot">
          <span>{t('bill.total')}</span>
          <strong data-order-total>{formatMoney(order.totalMinor, menu.currency)}</strong>
        </div>
      )}
      {order && order.status !== 'closed' && <OrderActions app={app} order={order} t={t} />}
      <button type="button" class="btn btn--big" data-to-bill disabled={!order} onClick={() => app.go('bill')}>
        {t('order.bill')} ›
      </button>
    </div>
  );
}

function ItemSheet({ app, menu, item, t, lang, onClose }: { app: PosApp; menu: Menu; item: MenuItem; t: T; lang: Lang; onClose: () => void }) {
  const { order, orderId, cart } = useStore(app.state);
  // after a merge the joining guests' seats are numbered on past the guest count: every seat in use is offered
  const seats = seatChoices(orderId ? app.guestsFor(orderId) : null, [...(order?.lines ?? []), ...cart]);
  const [seat, setSeat] = useState<number | null>(null);
  const [options, setOptions] = useState<string[]>(defaultOptions(menu, item));
  const [qty, setQty] = useState(1);
  const [note, setNote] = useState('');
  const [course, setCourse] = useState(1);
  const [hold, setHold] = useState(false);
  const problems = optionProblems(menu, item, options);
  const add = () => {
    if (problems.length > 0) return;
    const line: PosCartLine = { id: newId(), itemId: item.id, qty, optionIds: options, note, course, hold, seat };
    app.setCart([...app.state.get().cart, line]);
    onClose();
  };
  return (
    <div class="p-sheet" role="dialog" onClick={onClose}>
      <div class="p-sheet__card p-sheet__card--item" data-item-sheet={item.id} onClick={(e) => e.stopPropagation()}>
        <div class="p-sheet__head">
          <h2>
            {nameIn(lang, item)} <small>{lang === 'en' ? item.nameZh : item.nameEn}</small>
          </h2>
          <button type="button" class="btn btn--small" aria-label={t('item.close')} onClick={onClose}>
            ×
          </button>
        </div>
        <OptionGroups prefix="p" menu={menu} item={item} chosen={options} problems={problems} onChange={setOptions} lang={lang} t={t} />
        <fieldset class="p-group">
          <legend>{t('item.course')}</legend>
          {[1, 2, 3].map((c) => (
            <button type="button" key={c} class={`p-chip${c === course ? ' is-on' : ''}`} data-course={c} aria-pressed={c === course} onClick={() => setCourse(c)}>
              {t('item.courseN', { n: c })}
            </button>
          ))}
          <button type="button" class={`p-chip${hold ? ' is-on' : ''}`} data-hold aria-pressed={hold} onClick={() => setHold(!hold)}>
            {t('item.held')}
          </button>
        </fieldset>
        <fieldset class="p-group">
          <legend>{t('item.seat')}</legend>
          {[null, ...seats].map((n) => (
            <button type="button" key={n ?? 0} class={`p-chip${n === seat ? ' is-on' : ''}`} data-seat={n ?? 'shared'} aria-pressed={n === seat} onClick={() => setSeat(n)}>
              {n === null ? t('item.seatShared') : t('item.seatN', { n })}
            </button>
          ))}
        </fieldset>
        <input class="p-note" data-note maxLength={140} placeholder={t('item.note')} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        <div class="p-qty">
          <button type="button" class="btn" data-qty="-" disabled={qty <= 1} onClick={() => setQty(qty - 1)}>
            −
          </button>
          <span data-qty-value>{qty}</span>
          <button type="button" class="btn" data-qty="+" disabled={qty >= 99} onClick={() => setQty(qty + 1)}>
            +
          </button>
        </div>
        {problems.length > 0 && <p class="p-hint">{t('item.choose', { groups: problems.map((p) => nameIn(lang, p.group)).join(lang === 'en' ? ', ' : '、') })}</p>}
        <button type="button" class="btn btn--primary btn--big" data-add disabled={problems.length > 0} onClick={add}>
          {t('item.add')} · {formatMoney(unitPrice(menu, item, options) * qty, menu.currency)}
        </button>
      </div>
    </div>
  );
}
