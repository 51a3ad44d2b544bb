import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Menu, MenuItem, Order, Table } from '../../hub/protocol/index.ts';
import { cartTotal, defaultOptions, groupsOf, isSoldOut, optionProblems, toggleOption, unitPrice } from '../shared/cart.ts';
import { formatMoney } from '../shared/format.ts';
import { nameIn, useTranslate, type Lang, type Translate } from '../shared/i18n.ts';
import { newId } from '../shared/ids.ts';
import { useStore } from '../shared/store.ts';
import { ConnectionBanner } from '../shared/ui/connection-banner.tsx';
import { LanguageToggle, PairScreen, PinScreen } from '../shared/ui/pairing.tsx';
import { posMessages, type PosKey } from './messages.ts';
import type { PosApp, PosCartLine, PosSubmission } from './pos-app.ts';
import { cashSuggestions, changeDue, guestChoices, heldCourses, parseMoney, pinyinAvailable, searchIndex, searchItems, submissionView } from './pos-logic.ts';

type T = Translate<PosKey>;

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
  const table = s.floor?.tables.find((x) => x.id === s.tableId);
  return (
    <div class={`p p--${s.screen}`} data-screen={s.screen}>
      <header class="p-head">
        {s.screen !== 'floor' && (
          <button type="button" class="btn" data-back-floor onClick={() => app.goFloor()}>
            {t('order.floor')}
          </button>
        )}
        <strong class="p-head__title">{s.screen === 'floor' ? t('floor.title') : t('order.table', { table: table?.name ?? s.tableId ?? '' })}</strong>
        {s.order && s.screen !== 'floor' && <span class="p-head__no">{t('order.number', { n: s.order.number })}</span>}
        <span class="p-head__fill" />
        <ConnectionBanner state={s.conn} now={now} onRetry={() => app.wake()} />
        <span class="p-head__staff" data-staff={staff?.staff.role}>
          {staff?.staff.name}
        </span>
        <LanguageToggle />
        <button type="button" class="btn" data-lock onClick={() => app.lock()}>
          {t('lock')}
        </button>
      </header>
      {!s.durable && <div class="p-banner">IndexedDB unavailable: changes are kept in memory only</div>}
      {s.storageError && <div class="p-banner">Could not store the change on this tablet</div>}
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
  return (
    <main class="p-floor">
      {calls > 0 && (
        <div class="p-calls" data-calls={calls}>
          {t('floor.calls', { n: calls })}
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
                        {call.note ?? t('floor.call')}
                      </span>
                    )}
                  </button>
                );
              })}
          </div>
        </section>
      ))}
      <footer class="p-legend">
        {(['free', 'seated', 'ordered', 'in-kitchen', 'food-ready', 'served'] as const).map((st) => (
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
  return (
    <div class="p-sheet" role="dialog" onClick={onClose}>
      <div class="p-sheet__card" data-guest-sheet onClick={(e) => e.stopPropagation()}>
        <h2>{t('open.title', { table: table.name })}</h2>
        <p>{t('open.guests')}</p>
        <div class="p-guests">
          {guestChoices(table.seats).map((g) => (
            <button type="button" key={g} class={`p-chip${g === n ? ' is-on' : ''}`} data-guests={g} aria-pressed={g === n} onClick={() => setN(g)}>
              {g}
            </button>
          ))}
        </div>
        <div class="p-sheet__actions">
          <button type="button" class="btn" onClick={onClose}>
            {t('cancel')}
          </button>
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
        </div>
      </div>
    </div>
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

function Ticket({ app, menu, t, lang }: { app: PosApp; menu: Menu; t: T; lang: Lang }) {
  const s = useStore(app.state);
  const subs = s.submissions.filter((x) => x.meta.orderId === s.orderId);
  const order = s.order;
  const held = order ? heldCourses(order) : [];
  const [voiding, setVoiding] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  return (
    <div class="p-ticket">
      <h3>{t('order.cart')}</h3>
      {s.cart.length === 0 && <p class="p-muted">{t('order.cartEmpty')}</p>}
      {s.cart.map((l) => {
        const item = menu.items.find((i) => i.id === l.itemId);
        return (
          <div key={l.id} class="p-line" data-cart-line={l.itemId}>
            <div class="p-line__main">
              <strong>
                {item ? nameIn(lang, item) : l.itemId} × {l.qty}
              </strong>
              <small>
                {[optionNames(lang, menu, item, l.optionIds), l.note, l.course > 1 ? t('item.courseN', { n: l.course }) : '', l.hold ? t('line.held') : ''].filter(Boolean).join(' · ')}
              </small>
            </div>
            <span>{item ? formatMoney(unitPrice(menu, item, l.optionIds) * l.qty, menu.currency) : ''}</span>
            <button type="button" class="btn btn--small" data-remove onClick={() => app.setCart(s.cart.filter((x) => x.id !== l.id))}>
              ×
            </button>
          </div>
        );
      })}
      <button type="button" class="btn btn--primary btn--big" data-send disabled={s.cart.length === 0} onClick={() => void app.sendCart()}>
        {t('order.send')} · {formatMoney(cartTotal(menu, s.cart), menu.currency)}
      </button>
      {subs.length > 0 && (
        <>
          <h3>{t('order.sent')}</h3>
          <ul class="p-subs">
            {subs.map((e) => (
              <Submission key={e.id} e={e} menu={menu} t={t} />
            ))}
          </ul>
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
            <small>{[l.options.map((o) => nameIn(lang, o)).join(' · '), l.note ?? '', l.course > 1 ? t('item.courseN', { n: l.course }) : ''].filter(Boolean).join(' · ')}</small>
          </div>
          <span class="p-line__status">{t(`line.status.${l.status}` as PosKey)}</span>
          {l.status === 'held' && (
            <button type="button" class="btn btn--small" data-void={l.id} onClick={() => setVoiding(l.id)}>
              {t('line.void')}
            </button>
          )}
        </div>
      ))}
      {voiding && (
        <form
          class="p-void"
          onSubmit={(e) => {
            e.preventDefault();
            void app.voidLine(voiding, reason);
            setVoiding(null);
            setReason('');
          }}
        >
          <input data-void-reason placeholder={t('line.voidReason')} value={reason} onInput={(e) => setReason(e.currentTarget.value)} required />
          <button type="submit" class="btn" disabled={!reason.trim()}>
            {t('line.void')}
          </button>
          <button type="button" class="btn" onClick={() => setVoiding(null)}>
            {t('cancel')}
          </button>
        </form>
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
      <button type="button" class="btn btn--big" data-to-bill disabled={!order} onClick={() => app.go('bill')}>
        {t('order.bill')} ›
      </button>
    </div>
  );
}

function Submission({ e, menu, t }: { e: PosSubmission; menu: Menu; t: T }) {
  const view = submissionView(e);
  const a = e.meta.action;
  const what =
    a.kind === 'open'
      ? t('sub.open', { n: a.guests })
      : a.kind === 'lines'
        ? t('sub.lines', { n: a.lines.reduce((n, l) => n + l.qty, 0) })
        : a.kind === 'payment'
          ? t('sub.payment', { amount: formatMoney(a.amountMinor, menu.currency) })
          : a.kind === 'void'
            ? t('sub.void')
            : t('sub.fire', { n: a.course });
  return (
    <li class={`p-sub p-sub--${view}`} data-submission={a.kind} data-state={view}>
      <span>{what}</span>
      <span class="p-sub__state">{view === 'rejected' ? t('sub.rejected', { message: e.error?.message ?? '' }) : t(`sub.${view}`)}</span>
    </li>
  );
}

function ItemSheet({ app, menu, item, t, lang, onClose }: { app: PosApp; menu: Menu; item: MenuItem; t: T; lang: Lang; onClose: () => void }) {
  const [options, setOptions] = useState<string[]>(defaultOptions(menu, item));
  const [qty, setQty] = useState(1);
  const [note, setNote] = useState('');
  const [course, setCourse] = useState(1);
  const [hold, setHold] = useState(false);
  const problems = optionProblems(menu, item, options);
  const add = () => {
    if (problems.length > 0) return;
    const line: PosCartLine = { id: newId(), itemId: item.id, qty, optionIds: options, note, course, hold };
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
        {groupsOf(menu, item).map((g) => {
          const chosen = g.options.filter((o) => options.includes(o.id)).length;
          const full = g.maxChoices > 1 && chosen >= g.maxChoices;
          const missing = problems.some((p) => p.group.id === g.id);
          return (
            <fieldset key={g.id} class={`p-group${missing ? ' is-missing' : ''}`} data-group={g.id}>
              <legend>
                {nameIn(lang, g)} <small>{g.minChoices > 0 ? t('item.required') : t('item.optional', { n: g.maxChoices })}</small>
              </legend>
              {g.options.map((o) => {
                const on = options.includes(o.id);
                return (
                  <button type="button" key={o.id} class={`p-chip${on ? ' is-on' : ''}`} data-option={o.id} aria-pressed={on} disabled={!on && full} onClick={() => setOptions(toggleOption(menu, item, options, o.id))}>
                    {nameIn(lang, o)}
                    {o.priceDeltaMinor !== 0 && ` ${o.priceDeltaMinor > 0 ? '+' : ''}${formatMoney(o.priceDeltaMinor, menu.currency)}`}
                  </button>
                );
              })}
            </fieldset>
          );
        })}
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

// ---- bill ----

function BillScreen({ app, menu, t, lang }: { app: PosApp; menu: Menu; t: T; lang: Lang }) {
  const s = useStore(app.state);
  const order = s.order;
  if (!order) return <main class="p-gate">{t('bill.loading')}</main>;
  const table = s.floor?.tables.find((x) => x.id === s.tableId);
  const pending = s.submissions.filter((x) => x.meta.orderId === order.id && x.meta.action.kind === 'payment');
  return (
    <main class="p-bill">
      <section class="p-bill__order">
        <h2>{t('bill.title', { table: table?.name ?? '' })}</h2>
        {order.lines
          .filter((l) => l.status !== 'voided')
          .map((l) => (
            <div key={l.id} class="p-line" data-bill-line={l.itemId}>
              <div class="p-line__main">
                <strong>
                  {nameIn(lang, l)} × {l.qty}
                </strong>
                <small>{l.options.map((o) => nameIn(lang, o)).join(' · ')}</small>
              </div>
              <span>{formatMoney(l.lineTotalMinor, menu.currency)}</span>
            </div>
          ))}
        <dl class="p-totals">
          <dt>{t('bill.subtotal')}</dt>
          <dd>{formatMoney(order.subtotalMinor, menu.currency)}</dd>
          {order.discountMinor > 0 && (
            <>
              <dt>{t('bill.discount')}</dt>
              <dd>−{formatMoney(order.discountMinor, menu.currency)}</dd>
            </>
          )}
          <dt>{t('bill.total')}</dt>
          <dd data-total={order.totalMinor}>{formatMoney(order.totalMinor, menu.currency)}</dd>
          <dt>{t('bill.paid')}</dt>
          <dd data-paid={order.paidMinor}>{formatMoney(order.paidMinor, menu.currency)}</dd>
          <dt class="p-totals__due">{t('bill.due')}</dt>
          <dd class="p-totals__due" data-due={order.dueMinor}>
            {formatMoney(order.dueMinor, menu.currency)}
          </dd>
        </dl>
        {order.payments.length > 0 && (
          <>
            <h3>{t('bill.payments')}</h3>
            <ul class="p-subs">
              {order.payments.map((p) => (
                <li key={p.id} class="p-sub" data-payment={p.tender}>
                  <span>
                    {p.tender === 'cash' ? t('bill.cash') : p.tender === 'card' ? t('bill.card') : p.tender} {formatMoney(p.amountMinor, menu.currency)}
                    {p.reference ? ` · ${p.reference}` : ''}
                  </span>
                  {p.changeMinor > 0 && (
                    <span data-change-given={p.changeMinor}>
                      {t('bill.changeGiven')} {formatMoney(p.changeMinor, menu.currency)}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
        {pending.some((x) => x.state !== 'confirmed') && (
          <ul class="p-subs">
            {pending
              .filter((x) => x.state !== 'confirmed')
              .map((e) => (
                <Submission key={e.id} e={e} menu={menu} t={t} />
              ))}
          </ul>
        )}
      </section>
      <section class="p-bill__pay">
        {order.status === 'closed' ? (
          <div class="p-closed" data-closed>
            <p>✓ {t('bill.closed')}</p>
            <button type="button" class="btn btn--primary btn--big" data-done onClick={() => app.goFloor()}>
              {t('bill.done')}
            </button>
          </div>
        ) : (
          <PayForm app={app} order={order} menu={menu} t={t} key={`${order.id}:${order.dueMinor}`} />
        )}
        <button type="button" class="btn" data-back-order onClick={() => app.go('order')}>
          {t('bill.back')}
        </button>
      </section>
    </main>
  );
}

function PayForm({ app, order, menu, t }: { app: PosApp; order: Order; menu: Menu; t: T }) {
  const [tender, setTender] = useState<'cash' | 'card'>('cash');
  const [amount, setAmount] = useState((order.dueMinor / 100).toFixed(2));
  const [tendered, setTendered] = useState('');
  const [reference, setReference] = useState('');
  const amountMinor = parseMoney(amount);
  const tenderedMinor = parseMoney(tendered);
  const change = amountMinor !== null && tenderedMinor !== null ? changeDue(amountMinor, tenderedMinor) : null;
  const ok = amountMinor !== null && amountMinor > 0 && amountMinor <= order.dueMinor && (tender === 'card' || (change !== null && change >= 0));
  return (
    <form
      class="p-pay"
      onSubmit={(e) => {
        e.preventDefault();
        if (!ok || amountMinor === null) return;
        void app.pay({ tender, amountMinor, ...(tender === 'cash' && tenderedMinor !== null ? { tenderedMinor } : {}), ...(tender === 'card' ? { reference } : {}) });
      }}
    >
      <div class="p-tenders">
        {(['cash', 'card'] as const).map((x) => (
          <button type="button" key={x} class={`p-chip${x === tender ? ' is-on' : ''}`} data-tender={x} aria-pressed={x === tender} onClick={() => setTender(x)}>
            {x === 'cash' ? t('bill.cash') : t('bill.card')}
          </button>
        ))}
      </div>
      <label class="field">
        <span>{t('bill.amount')}</span>
        <input data-amount inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </label>
      {tender === 'cash' ? (
        <>
          <label class="field">
            <span>{t('bill.tendered')}</span>
            <input data-tendered inputMode="decimal" value={tendered} onInput={(e) => setTendered(e.currentTarget.value)} />
          </label>
          <div class="p-quick">
            {cashSuggestions(amountMinor ?? 0).map((v) => (
              <button type="button" key={v} class="p-chip" data-quick={v} onClick={() => setTendered((v / 100).toFixed(2))}>
                {formatMoney(v, menu.currency)}
              </button>
            ))}
          </div>
          {change !== null && (
            <p class={`p-change${change < 0 ? ' is-short' : ''}`} data-change={change}>
              {change >= 0 ? t('bill.change', { amount: formatMoney(change, menu.currency) }) : t('bill.short', { amount: formatMoney(-change, menu.currency) })}
            </p>
          )}
        </>
      ) : (
        <label class="field">
          <span>{t('bill.reference')}</span>
          <input data-reference value={reference} maxLength={80} onInput={(e) => setReference(e.currentTarget.value)} />
        </label>
      )}
      <button type="submit" class="btn btn--primary btn--big" data-pay disabled={!ok}>
        {t('bill.pay')}
      </button>
    </form>
  );
}
