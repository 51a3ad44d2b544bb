import { useEffect, useState } from 'preact/hooks';
import type { Menu, MenuItem, Order } from '../../hub/protocol/index.ts';
import { formatClock, formatDuration, formatMoney } from '../shared/format.ts';
import { nameIn, useTranslate, type Lang, type Translate } from '../shared/i18n.ts';
import { newId } from '../shared/ids.ts';
import { entryView } from '../shared/outbox.ts';
import { useStore } from '../shared/store.ts';
import { placeholderColour } from '../shared/dish-image.ts';
import { DishImage } from '../shared/ui/dish-image.tsx';
import { OptionGroups } from '../shared/ui/option-groups.tsx';
import { PublicBanners } from '../shared/ui/public-banners.tsx';
import { LanguageToggle } from '../shared/ui/pairing.tsx';
import { cartCount, cartProblems, cartTotal, chosenOptions, customerStatus, defaultOptions, isSoldOut, lineStatus, optionProblems, unitPrice, type CartLine } from '../shared/cart.ts';
import { orderMessages, refusalText, type OrderKey } from './messages.ts';
import { movedNotes, type QrApp, type Submission } from './order-app.ts';
import type { CallReason, WaiterCall } from './waiter-call.ts';

type T = Translate<OrderKey>;

export function App({ app }: { app: QrApp }) {
  const s = useStore(app.state);
  const { t } = useTranslate(orderMessages);
  if (s.phase.name === 'invalid') {
    // always both languages: a stranger's phone may be set to either
    const zh = orderMessages['zh-CN'];
    const en = orderMessages.en;
    return (
      <main class="q-gate" data-gate="invalid">
        <h1 lang="zh-CN">{zh['invalid.title']}</h1>
        <p lang="zh-CN">{zh['invalid.body']}</p>
        <h1 lang="en">{en['invalid.title']}</h1>
        <p lang="en">{en['invalid.body']}</p>
      </main>
    );
  }
  if (s.phase.name === 'unreachable') {
    return (
      <Gate title={s.phase.busy ? t('busy.title') : t('unreachable.title')} body={s.phase.busy ? t('busy.body') : t('unreachable.body')} kind={s.phase.busy ? 'busy' : 'unreachable'}>
        <button type="button" class="btn btn--primary btn--big" onClick={() => void app.loadAll()}>
          {t('retry')}
        </button>
        <Submissions app={app} subs={s.submissions} t={t} />
      </Gate>
    );
  }
  if (s.phase.name === 'loading' || !s.menu) return <Gate title={t('title')} body={t('loading')} kind="loading" />;
  return <Main app={app} menu={s.menu} />;
}

function Gate({ title, body, kind, children }: { title: string; body: string; kind: string; children?: preact.ComponentChildren }) {
  return (
    <main class="q-gate" data-gate={kind}>
      <div class="q-gate__top">
        <LanguageToggle />
      </div>
      <h1>{title}</h1>
      <p>{body}</p>
      {children}
    </main>
  );
}

/** Re-renders every second (retry countdowns). */
function useTick(ms = 1000): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setN((x) => x + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return n;
}

function Main({ app, menu }: { app: QrApp; menu: Menu }) {
  const s = useStore(app.state);
  const { t, lang } = useTranslate(orderMessages);
  // back on the page with something still unsettled: show where it stands first
  const [tab, setTab] = useState<'menu' | 'orders'>(() => (s.submissions.some((x) => x.state !== 'confirmed') ? 'orders' : 'menu'));
  const [sheet, setSheet] = useState<{ item: MenuItem; line: CartLine | null } | null>(null);
  const [cartOpen, setCartOpen] = useState(false);
  const open = s.submissions.filter((x) => x.state !== 'confirmed').length;
  const offline = s.conn.status === 'offline' || (typeof navigator !== 'undefined' && navigator.onLine === false);

  const submit = async () => {
    if (await app.submit()) {
      setCartOpen(false);
      setTab('orders');
    }
  };

  return (
    <div class="q">
      <header class="q-head">
        <div class="q-head__table" data-table={s.table?.id}>
          {s.table ? t('table', { name: s.table.name }) : t('title')}
        </div>
        <CallButton app={app} call={s.waiterCall} reason={null} t={t} />
        {s.orders.some((o) => o.status !== 'closed' && o.status !== 'voided' && o.status !== 'merged') && (
          <CallButton app={app} call={s.waiterCall} reason="bill" t={t} />
        )}
        <LanguageToggle />
      </header>

      <PublicBanners prefix="q" pacing={s.pacing} offline={offline ? t('conn.offline') : null} durable={s.durable} lang={lang} t={t} />
      {movedNotes(s.moved).map((n) => (
        <div key={n.tableName} class="q-banner q-banner--busy" data-moved={n.orderIds.join(' ')} role="status">
          {t('moved.note', { table: n.tableName })}
        </div>
      ))}

      <nav class="q-tabs">
        <button type="button" class={tab === 'menu' ? 'is-on' : ''} data-tab="menu" onClick={() => setTab('menu')}>
          {t('tab.menu')}
        </button>
        <button type="button" class={tab === 'orders' ? 'is-on' : ''} data-tab="orders" onClick={() => setTab('orders')}>
          {t('tab.orders')}
          {open > 0 && <span class="q-badge">{open}</span>}
        </button>
      </nav>

      {tab === 'menu' ? (
        <MenuList menu={menu} lang={lang} t={t} onPick={(item) => setSheet({ item, line: null })} />
      ) : (
        <section class="q-orders">
          <Submissions app={app} subs={s.submissions} t={t} />
          <Orders orders={s.orders} lang={lang} t={t} currency={menu.currency} />
        </section>
      )}

      {s.cart.length > 0 && !cartOpen && (
        <button type="button" class="q-cartbar" data-cart-open onClick={() => setCartOpen(true)}>
          <span>{t('cart.count', { n: cartCount(s.cart) })}</span>
          <strong>{formatMoney(cartTotal(menu, s.cart), menu.currency)}</strong>
          <span class="q-cartbar__go">{t('cart.view')} ›</span>
        </button>
      )}

      {cartOpen && (
        <CartSheet
          app={app}
          menu={menu}
          lang={lang}
          t={t}
          onClose={() => setCartOpen(false)}
          onEdit={(line) => {
            const item = menu.items.find((i) => i.id === line.itemId);
            if (item) setSheet({ item, line });
          }}
          onSubmit={() => void submit()}
        />
      )}

      {sheet && <ItemSheet app={app} menu={menu} item={sheet.item} line={sheet.line} lang={lang} t={t} onClose={() => setSheet(null)} />}

      {s.waiterCall?.phase === 'failed' && (
        <div class="q-sheet" role="dialog" onClick={() => app.dismissWaiterCall()}>
          <div class="q-sheet__card" data-waiter-sheet onClick={(e) => e.stopPropagation()}>
            <p data-waiter-state="failed">{t('waiter.failed')}</p>
            <button type="button" class="btn btn--primary btn--big" onClick={() => app.dismissWaiterCall()}>
              {t('waiter.ok')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * "Call a waiter" or "Ask for the bill", or where that call stands: sent, waiting for a waiter (tapping again
 * within 30 s is the same call; after that it rings again), then for a while after a waiter's tablet
 * acknowledged it, "on the way".
 */
function CallButton({ app, call, reason, t }: { app: QrApp; call: WaiterCall | null; reason: CallReason; t: T }) {
  const mine = call && call.reason === reason && call.phase !== 'failed' ? call : null;
  const label = !mine
    ? t(reason === 'bill' ? 'waiter.bill' : 'waiter.call')
    : mine.phase === 'calling'
      ? t('waiter.calling')
      : mine.phase === 'coming'
        ? t('waiter.coming')
        : t(reason === 'bill' ? 'waiter.billWaiting' : 'waiter.waiting');
  return (
    <button
      type="button"
      class={`q-head__waiter${mine ? ` q-head__waiter--${mine.phase}` : ''}`}
      {...(reason === 'bill' ? { 'data-ask-bill': true } : { 'data-call-waiter': true })}
      data-waiter-state={mine?.phase ?? 'idle'}
      disabled={call?.phase === 'calling'}
      aria-live="polite"
      onClick={() => void app.callWaiter(reason ?? undefined)}
    >
      {label}
    </button>
  );
}

function MenuList({ menu, lang, t, onPick }: { menu: Menu; lang: Lang; t: T; onPick: (item: MenuItem) => void }) {
  const cats = [...menu.categories].sort((a, b) => a.sort - b.sort).filter((c) => menu.items.some((i) => i.categoryId === c.id));
  return (
    <>
      <nav class="q-cats">
        {cats.map((c) => (
          <a key={c.id} href={`#cat-${c.id}`} onClick={(e) => (e.preventDefault(), document.getElementById(`cat-${c.id}`)?.scrollIntoView({ behavior: 'smooth' }))}>
            {nameIn(lang, c)}
          </a>
        ))}
      </nav>
      <main class="q-menu">
        {cats.map((c) => (
          <section key={c.id} id={`cat-${c.id}`} class="q-cat">
            <h2>{nameIn(lang, c)}</h2>
            {menu.items
              .filter((i) => i.categoryId === c.id)
              .sort((a, b) => a.sort - b.sort)
              .map((item) => {
                const out = isSoldOut(item);
                return (
                  <button type="button" key={item.id} class={`q-item q-item--pic${out ? ' is-out' : ''}`} data-item={item.id} data-sold-out={out} disabled={out} onClick={() => onPick(item)}>
                    <DishImage item={item} colour={placeholderColour(cats.indexOf(c))} aspect={1} sizes="4.5rem" class="q-item__img" />
                    <span class="q-item__name">{nameIn(lang, item)}</span>
                    {(lang === 'en' ? item.descriptionEn : item.descriptionZh) && <span class="q-item__desc">{lang === 'en' ? item.descriptionEn : item.descriptionZh}</span>}
                    <span class="q-item__foot">
                      <span class="q-item__price">{formatMoney(item.priceMinor, menu.currency)}</span>
                      {out ? (
                        <span class="q-tag q-tag--out">{t('item.soldOut')}</span>
                      ) : item.remaining !== null && item.remaining <= 10 ? (
                        <span class="q-tag">{t('item.left', { n: item.remaining })}</span>
                      ) : null}
                      {!out && <span class="q-item__plus">+</span>}
                    </span>
                  </button>
                );
              })}
          </section>
        ))}
      </main>
    </>
  );
}

function ItemSheet({ app, menu, item, line, lang, t, onClose }: { app: QrApp; menu: Menu; item: MenuItem; line: CartLine | null; lang: Lang; t: T; onClose: () => void }) {
  const [options, setOptions] = useState<string[]>(line?.optionIds ?? defaultOptions(menu, item));
  const [qty, setQty] = useState(line?.qty ?? 1);
  const [note, setNote] = useState(line?.note ?? '');
  const problems = optionProblems(menu, item, options);
  const save = () => {
    if (problems.length > 0) return;
    const cart = app.state.get().cart;
    const next: CartLine = { id: line?.id ?? newId(), itemId: item.id, qty, optionIds: options, note };
    app.setCart(line ? cart.map((l) => (l.id === line.id ? next : l)) : [...cart, next]);
    onClose();
  };
  return (
    <div class="q-sheet" role="dialog" onClick={onClose}>
      <div class="q-sheet__card" data-item-sheet={item.id} onClick={(e) => e.stopPropagation()}>
        <div class="q-sheet__head">
          <h2>{nameIn(lang, item)}</h2>
          <button type="button" class="q-x" aria-label={t('item.close')} onClick={onClose}>
            ×
          </button>
        </div>
        <OptionGroups prefix="q" menu={menu} item={item} chosen={options} problems={problems} onChange={setOptions} lang={lang} t={t} />
        <input class="q-note" maxLength={140} placeholder={t('item.note')} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
        <div class="q-qty">
          <button type="button" data-qty="-" disabled={qty <= 1} onClick={() => setQty(qty - 1)}>
            −
          </button>
          <span data-qty-value>{qty}</span>
          <button type="button" data-qty="+" disabled={qty >= 99} onClick={() => setQty(qty + 1)}>
            +
          </button>
        </div>
        {problems.length > 0 && <p class="q-hint">{t('item.choose', { groups: problems.map((p) => nameIn(lang, p.group)).join('、') })}</p>}
        <button type="button" class="btn btn--primary btn--big" data-add disabled={problems.length > 0} onClick={save}>
          {line ? t('item.update') : t('item.add')} · {formatMoney(unitPrice(menu, item, options) * qty, menu.currency)}
        </button>
      </div>
    </div>
  );
}

function CartSheet({ app, menu, lang, t, onClose, onEdit, onSubmit }: { app: QrApp; menu: Menu; lang: Lang; t: T; onClose: () => void; onEdit: (l: CartLine) => void; onSubmit: () => void }) {
  const s = useStore(app.state);
  const bad = cartProblems(menu, s.cart);
  const paused = s.pacing?.publicOrderingPaused ?? false;
  return (
    <div class="q-sheet" role="dialog" onClick={onClose}>
      <div class="q-sheet__card" data-cart onClick={(e) => e.stopPropagation()}>
        <div class="q-sheet__head">
          <h2>{t('cart.title')}</h2>
          <button type="button" class="q-x" aria-label={t('item.close')} onClick={onClose}>
            ×
          </button>
        </div>
        {s.cart.length === 0 && <p>{t('cart.empty')}</p>}
        {s.cart.map((l) => {
          const item = menu.items.find((i) => i.id === l.itemId);
          if (!item) return null;
          const opts = chosenOptions(menu, item, l.optionIds).map((o) => nameIn(lang, o));
          return (
            <div key={l.id} class={`q-line${bad.includes(l.id) ? ' is-bad' : ''}`} data-cart-line={l.itemId}>
              <div class="q-line__main">
                <strong>
                  {nameIn(lang, item)} × {l.qty}
                </strong>
                {opts.length > 0 && <small>{opts.join(' · ')}</small>}
                {l.note && <small>“{l.note}”</small>}
              </div>
              <span>{formatMoney(unitPrice(menu, item, l.optionIds) * l.qty, menu.currency)}</span>
              <button type="button" class="q-link" data-edit onClick={() => onEdit(l)}>
                {t('cart.edit')}
              </button>
              <button type="button" class="q-link" data-remove onClick={() => app.setCart(s.cart.filter((x) => x.id !== l.id))}>
                {t('cart.remove')}
              </button>
            </div>
          );
        })}
        {bad.length > 0 && <p class="q-hint">{t('cart.problem')}</p>}
        {s.storageError && <p class="q-hint">{t('cart.storageFailed')}</p>}
        <button type="button" class="btn btn--primary btn--big" data-submit disabled={s.cart.length === 0 || bad.length > 0 || paused || s.submitting} onClick={onSubmit}>
          {app.appending() ? t('cart.append') : t('cart.submit')} · {formatMoney(cartTotal(menu, s.cart), menu.currency)}
        </button>
      </div>
    </div>
  );
}

function Submissions({ app, subs, t }: { app: QrApp; subs: Submission[]; t: T }) {
  useTick();
  const { lang } = useTranslate(orderMessages);
  const menu = app.state.get().menu;
  const list = [...subs].reverse();
  if (list.length === 0) return null;
  const now = Date.now();
  return (
    <div class="q-subs">
      {list.some((s) => s.state !== 'confirmed' && s.state !== 'rejected') && <p class="q-subs__note">{t('sub.keepOpen')}</p>}
      {list.map((s) => {
        const view = entryView(s);
        const text = view === 'rejected' ? refusalText(s.error, s.meta.lines, menu, lang, t) : t(`sub.${view}`);
        const names = s.meta.lines.map((l) => {
          const item = menu?.items.find((i) => i.id === l.itemId);
          return `${item ? nameIn(lang, item) : l.itemId} × ${l.qty}`;
        });
        return (
          <div key={s.id} class={`q-sub q-sub--${s.state}`} data-sub={s.id} data-sub-state={s.state} data-order-id={s.meta.orderId}>
            <div class="q-sub__state">
              <span class="q-sub__dot" />
              {text}
              {s.state === 'unknown' && s.nextAttemptAt !== null && s.nextAttemptAt > now && (
                <small> · {t('sub.retryAt', { n: formatDuration(s.nextAttemptAt - now, lang) })}</small>
              )}
            </div>
            <div class="q-sub__lines">
              {formatClock(s.createdAt)} · {names.join(lang === 'en' ? ', ' : '、')}
            </div>
            {s.state === 'unknown' && (
              <button type="button" class="q-link" onClick={() => app.outbox.retryNow()}>
                {t('sub.retryNow')}
              </button>
            )}
            {s.state === 'rejected' && (
              <div class="q-sub__actions">
                <button type="button" class="btn btn--primary" data-send-again disabled={app.state.get().submitting} onClick={() => void app.sendAgain(s.id)}>
                  {t('sub.again')}
                </button>
                <button type="button" class="btn" data-dismiss onClick={() => void app.dismiss(s.id)}>
                  {t('sub.dismiss')}
                </button>
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

function Orders({ orders, lang, t, currency }: { orders: Order[]; lang: Lang; t: T; currency: string }) {
  if (orders.length === 0) return <p class="q-empty">{t('orders.empty')}</p>;
  return (
    <>
      {orders.map((o) => {
        const st = customerStatus(o);
        return (
          <article key={o.id} class={`q-order q-order--${st}`} data-order={o.id} data-status={st}>
            <header>
              <strong>{t('orders.number', { n: o.number })}</strong>
              <span class={`q-pill q-pill--${st}`}>{t(`status.${st}`)}</span>
            </header>
            {o.quotedReadyAt !== null && st !== 'ready' && st !== 'served' && st !== 'paid' && (
              <p class="q-quoted" data-quoted>
                {t('orders.quoted', { time: formatClock(o.quotedReadyAt) })}
              </p>
            )}
            <ul>
              {o.lines.map((l) => {
                const ls = lineStatus(l.status);
                return (
                  <li key={l.id} data-line={l.id} data-line-status={ls} class={ls === 'cancelled' ? 'is-void' : ''}>
                    <span>
                      {nameIn(lang, l)} × {l.qty}
                      {l.options.length > 0 && <small> {l.options.map((x) => nameIn(lang, x)).join(' · ')}</small>}
                    </span>
                    <span class={`q-pill q-pill--${ls}`}>{t(`status.${ls}`)}</span>
                  </li>
                );
              })}
            </ul>
            <footer>{t('orders.total', { amount: formatMoney(o.totalMinor, currency) })}</footer>
          </article>
        );
      })}
    </>
  );
}
