import { useEffect, useState } from 'preact/hooks';
import type { Menu, MenuItem } from '../../hub/protocol/index.ts';
import { cartCount, cartTotal, chosenOptions, defaultOptions, isSoldOut, optionProblems, unitPrice, unknownOptions, type CartLine } from '../shared/cart.ts';
import { formatClock, formatMoney } from '../shared/format.ts';
import { nameIn, useTranslate, type Lang, type Translate } from '../shared/i18n.ts';
import { newId } from '../shared/ids.ts';
import { useStore } from '../shared/store.ts';
import { OptionGroups } from '../shared/ui/option-groups.tsx';
import { DishImage } from '../shared/ui/dish-image.tsx';
import { PublicBanners } from '../shared/ui/public-banners.tsx';
import { LanguageToggle, PairScreen } from '../shared/ui/pairing.tsx';
import type { KioskApp } from './kiosk-app.ts';
import { approvalUnstored, categoryColour, checkoutRows, orderView, recentPickups, refusalView, sheetLimit, waitingToSend, type LineProblem } from './kiosk-logic.ts';
import { kioskMessages, type KioskKey } from './messages.ts';
import { PayChoice, PaymentPanel, PendingPayments } from './payment.tsx';

type T = Translate<KioskKey>;

export function App({ app }: { app: KioskApp }) {
  const device = useStore(app.session.device);
  const s = useStore(app.state);
  const { t } = useTranslate(kioskMessages);
  useEffect(() => {
    document.documentElement.classList.toggle('k-large', s.largeText);
  }, [s.largeText]);
  useEffect(() => {
    if (device) app.start();
  }, [device]);
  if (!device) {
    return (
      <>
        <UnsentNotice waiting={waitingToSend(s)} t={t} />
        <PairScreen hub={app.client} session={app.session} kind="kiosk" defaultName="kiosk" />
      </>
    );
  }
  return <Kiosk app={app} />;
}

/**
 * On the pairing screen: what this kiosk has not sent yet. Whoever pairs it again (or would wipe or swap it)
 * must know that a charged card's payment, or an order, is still only on this kiosk.
 */
export function UnsentNotice({ waiting, t }: { waiting: { orders: number; payments: number }; t: T }) {
  if (waiting.orders === 0 && waiting.payments === 0) return null;
  return (
    <div class="k-banner k-banner--paused" role="alert" data-unsent-payments={waiting.payments} data-unsent-orders={waiting.orders}>
      <p>{t('unpaired.title')}</p>
      {waiting.payments > 0 && <p>{t('unpaired.payments', { n: waiting.payments })}</p>}
      {waiting.orders > 0 && <p>{t('unpaired.orders', { n: waiting.orders })}</p>}
      <p>{t('unpaired.help')}</p>
    </div>
  );
}

/**
 * For the staff, on the welcome screen: what this kiosk still holds for another store (it was moved), with
 * "Discard…", whose confirmation says which store, how many, and the charged cards that store must record by
 * hand. Small and two taps deep: a customer has no reason to go there. No hooks: tested without a browser.
 */
export function OtherStoreNotice({ app, t }: { app: KioskApp; t: T }) {
  const { otherStores, discarding, menu } = app.state.get();
  if (otherStores.length === 0) return null;
  const stop = (e: Event) => e.stopPropagation(); // a tap here is not "start ordering"
  return (
    <div class="k-other-store" data-other-store onClick={stop}>
      {otherStores.map((w) => {
        const params = { store: w.storeName ?? w.storeId, orders: w.orders, payments: w.payments.length };
        if (discarding !== w.storeId) {
          return (
            <p key={w.storeId} data-waiting-for={w.storeId}>
              {t('otherStore.notice', params)}{' '}
              <button type="button" class="btn btn--ghost" data-discard-ask onClick={() => app.askDiscard(w.storeId)}>
                {t('otherStore.discard')}
              </button>
            </p>
          );
        }
        return (
          <div key={w.storeId} role="alertdialog" data-discard-confirm={w.storeId}>
            <p>{t('otherStore.confirm', params)}</p>
            {w.payments.length > 0 && (
              <>
                <p>{t('otherStore.payments', params)}</p>
                <ul>
                  {w.payments.map((p, i) => (
                    <li key={i}>
                      {formatMoney(p.amountMinor, menu?.currency ?? 'CNY')}
                      {p.reference ? ` · ${p.reference}` : ''}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <button type="button" class="btn" data-discard-keep onClick={() => app.cancelDiscard()}>
              {t('otherStore.keep')}
            </button>{' '}
            <button type="button" class="btn btn--primary" data-discard-yes onClick={() => void app.confirmDiscard()}>
              {t('otherStore.yes')}
            </button>
          </div>
        );
      })}
    </div>
  );
}

/** Re-renders every second (retry countdowns, recent numbers). */
function useTick(ms = 1000): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setN((x) => x + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return n;
}

function Kiosk({ app }: { app: KioskApp }) {
  const s = useStore(app.state);
  const { t, lang } = useTranslate(kioskMessages);
  if (s.phase === 'loading' || (s.phase === 'ready' && !s.menu)) {
    return (
      <main class="k-gate" data-gate="loading">
        <h1>{t('title')}</h1>
        <p>{t('loading')}</p>
      </main>
    );
  }
  if (s.phase === 'unreachable' || !s.menu) {
    return (
      <main class="k-gate" data-gate="unreachable">
        <h1>{t('unreachable.title')}</h1>
        <p>{t('unreachable.body')}</p>
        <button type="button" class="btn btn--primary btn--big k-gate__btn" onClick={() => void app.loadAll()}>
          {t('retry')}
        </button>
      </main>
    );
  }
  const menu = s.menu;
  return (
    <div class={`k k--${s.screen}`} data-screen={s.screen}>
      {s.screen === 'welcome' ? (
        <Welcome app={app} t={t} lang={lang} />
      ) : (
        <>
          <Header app={app} t={t} />
          <Banners app={app} t={t} lang={lang} />
          {s.screen === 'menu' && <MenuScreen app={app} menu={menu} t={t} lang={lang} />}
          {s.screen === 'checkout' && <Checkout app={app} menu={menu} t={t} lang={lang} />}
          {s.screen === 'done' && <Done app={app} menu={menu} t={t} lang={lang} />}
        </>
      )}
    </div>
  );
}

function LargeTextToggle({ app, t }: { app: KioskApp; t: T }) {
  const on = useStore(app.state).largeText;
  return (
    <button
      type="button"
      class={`btn btn--ghost k-large-toggle${on ? ' is-on' : ''}`}
      data-large-text={on}
      aria-pressed={on}
      onClick={(e) => {
        e.stopPropagation();
        app.toggleLargeText();
      }}
    >
      <span aria-hidden="true">A</span>
      <span aria-hidden="true" class="k-large-toggle__big">A</span> {on ? t('largeText.on') : t('largeText.off')}
    </button>
  );
}

function Header({ app, t }: { app: KioskApp; t: T }) {
  return (
    <header class="k-head">
      <strong class="k-head__title">{t('title')}</strong>
      <LargeTextToggle app={app} t={t} />
      <LanguageToggle />
      <button type="button" class="btn btn--ghost" data-start-over onClick={() => app.reset()}>
        {t('menu.startOver')}
      </button>
    </header>
  );
}

function Banners({ app, t, lang }: { app: KioskApp; t: T; lang: Lang }) {
  const s = useStore(app.state);
  const offline = !s.reachable || (typeof navigator !== 'undefined' && navigator.onLine === false);
  return <PublicBanners prefix="k" pacing={s.pacing} offline={offline ? t('offline') : null} durable={s.durable} lang={lang} t={t} />;
}

function Welcome({ app, t, lang }: { app: KioskApp; t: T; lang: Lang }) {
  useTick(5000);
  const s = useStore(app.state);
  const recent = recentPickups(s.submissions, Date.now());
  return (
    <main class="k-welcome" data-welcome onClick={() => app.go('menu')}>
      <div class="k-welcome__top" onClick={(e) => e.stopPropagation()}>
        <LargeTextToggle app={app} t={t} />
        <LanguageToggle />
      </div>
      <div class="k-welcome__hero">
        <div class="k-welcome__mark" aria-hidden="true">
          点
        </div>
        <h1>{t('welcome.title')}</h1>
        <button type="button" class="k-welcome__start" data-start>
          {t('welcome.tap')}
        </button>
        <p class="k-welcome__sub" lang={lang === 'en' ? 'zh-CN' : 'en'}>
          {t('welcome.sub')}
        </p>
      </div>
      {s.pacing?.publicOrderingPaused && (
        <div class="k-banner k-banner--paused" data-pacing="paused" role="alert">
          {t('pacing.paused', { reason: s.pacing.pausedReason ? (lang === 'en' ? `: ${s.pacing.pausedReason}` : `：${s.pacing.pausedReason}`) : '' })}
        </div>
      )}
      <footer class="k-welcome__foot">
        {recent.pending > 0 && (
          <p data-pending={recent.pending}>{t('welcome.pending', { n: recent.pending })}</p>
        )}
        <PendingPayments app={app} t={t} />
        <OtherStoreNotice app={app} t={t} />
        {recent.numbers.length > 0 && (
          <p data-recent>
            {t('welcome.recent')}:{' '}
            {recent.numbers.map((n) => (
              <b key={n} class="k-chip">
                {n}
              </b>
            ))}
          </p>
        )}
      </footer>
    </main>
  );
}

function MenuScreen({ app, menu, t, lang }: { app: KioskApp; menu: Menu; t: T; lang: Lang }) {
  const s = useStore(app.state);
  const cats = [...menu.categories].sort((a, b) => a.sort - b.sort).filter((c) => menu.items.some((i) => i.categoryId === c.id));
  const [catId, setCatId] = useState(cats[0]?.id ?? '');
  const [sheet, setSheet] = useState<{ item: MenuItem; line: CartLine | null } | null>(null);
  const colourOf = (id: string) => categoryColour(Math.max(0, cats.findIndex((c) => c.id === id)));
  const cat = cats.find((c) => c.id === catId) ?? cats[0];
  const items = menu.items.filter((i) => i.categoryId === cat?.id).sort((a, b) => a.sort - b.sort);
  return (
    <>
      <nav class="k-cats" role="tablist">
        {cats.map((c) => (
          <button
            type="button"
            role="tab"
            key={c.id}
            aria-selected={c.id === cat?.id}
            class={`k-cat${c.id === cat?.id ? ' is-on' : ''}`}
            style={{ '--cat': colourOf(c.id) }}
            data-cat={c.id}
            onClick={() => setCatId(c.id)}
          >
            {nameIn(lang, c)}
          </button>
        ))}
      </nav>
      <main class="k-grid">
        {items.map((item) => {
          const out = isSoldOut(item);
          const desc = lang === 'en' ? item.descriptionEn : item.descriptionZh;
          const inCart = s.cart.filter((l) => l.itemId === item.id).reduce((n, l) => n + l.qty, 0);
          return (
            <button
              type="button"
              key={item.id}
              class={`k-card${out ? ' is-out' : ''}`}
              style={{ '--cat': colourOf(item.categoryId) }}
              data-item={item.id}
              data-sold-out={out}
              disabled={out}
              onClick={() => setSheet({ item, line: null })}
            >
              {/* cards are about a third of a portrait screen, a quarter of a landscape one (kiosk.css) */}
              <DishImage item={item} colour={colourOf(item.categoryId)} sizes={s.largeText ? '(orientation: portrait) 48vw, 33vw' : '(orientation: portrait) 32vw, 25vw'} class="k-card__img" />
              <span class="k-card__badge">{cat ? nameIn(lang, cat) : ''}</span>
              {inCart > 0 && <span class="k-card__count">{inCart}</span>}
              <span class="k-card__zh" lang="zh-CN">
                {item.nameZh}
              </span>
              <span class="k-card__en" lang="en">
                {item.nameEn}
              </span>
              {desc && <span class="k-card__desc">{desc}</span>}
              <span class="k-card__foot">
                <span class="k-card__price">{formatMoney(item.priceMinor, menu.currency)}</span>
                {out ? (
                  <span class="k-tag k-tag--out">{t('item.soldOut')}</span>
                ) : item.remaining !== null && item.remaining <= 10 ? (
                  <span class="k-tag">{t('item.left', { n: item.remaining })}</span>
                ) : (
                  <span class="k-card__plus">+</span>
                )}
              </span>
            </button>
          );
        })}
      </main>
      <div class="k-cartbar">
        <span class="k-cartbar__count" data-cart-count={cartCount(s.cart)}>
          {s.cart.length === 0 ? t('cart.empty') : t('cart.count', { n: cartCount(s.cart) })}
        </span>
        <strong class="k-cartbar__total" data-cart-total>
          {formatMoney(cartTotal(menu, s.cart), menu.currency)}
        </strong>
        <button type="button" class="btn btn--primary k-cartbar__go" data-checkout disabled={s.cart.length === 0} onClick={() => app.go('checkout')}>
          {t('cart.checkout')} ›
        </button>
      </div>
      {sheet && <ItemSheet app={app} menu={menu} item={sheet.item} line={sheet.line} lang={lang} t={t} onClose={() => setSheet(null)} />}
    </>
  );
}

function ItemSheet({ app, menu, item: opened, line, lang, t, onClose }: { app: KioskApp; menu: Menu; item: MenuItem; line: CartLine | null; lang: Lang; t: T; onClose: () => void }) {
  // the menu as polled now, not as it was when the sheet opened: the dish, its options and what is left
  // change meanwhile (the dish as opened only while it is off the menu, to show what it was)
  const item = menu.items.find((i) => i.id === opened.id) ?? opened;
  const [picked, setOptions] = useState<string[]>(line?.optionIds ?? defaultOptions(menu, item));
  // an option taken off the dish is dropped (it cannot be shown, so it could not be untapped either)
  const gone = unknownOptions(menu, item, picked);
  const options = gone.length > 0 ? picked.filter((id) => !gone.includes(id)) : picked;
  const [qty, setQty] = useState(line?.qty ?? 1);
  const problems = optionProblems(menu, item, options);
  const cart = useStore(app.state).cart;
  const { most, blocked } = sheetLimit(menu, item.id, cart, line?.id ?? null);
  const tooMany = qty > most;
  const save = () => {
    if (problems.length > 0 || tooMany || blocked) return;
    const cart = app.state.get().cart;
    const next: CartLine = { id: line?.id ?? newId(), itemId: item.id, qty, optionIds: options, note: line?.note ?? '' };
    app.setCart(line ? cart.map((l) => (l.id === line.id ? next : l)) : [...cart, next]);
    onClose();
  };
  return (
    <div class="k-sheet" role="dialog" onClick={onClose}>
      <div class="k-sheet__card" data-item-sheet={item.id} onClick={(e) => e.stopPropagation()}>
        <div class="k-sheet__head">
          <div>
            <h2 lang="zh-CN">{item.nameZh}</h2>
            <p lang="en">{item.nameEn}</p>
          </div>
          <button type="button" class="k-x" aria-label={t('item.close')} onClick={onClose}>
            ×
          </button>
        </div>
        <OptionGroups prefix="k" menu={menu} item={item} chosen={options} problems={problems} onChange={setOptions} lang={lang} t={t} />
        <div class="k-qty">
          <button type="button" data-qty="-" disabled={qty <= 1} onClick={() => setQty(qty - 1)}>
            −
          </button>
          <span data-qty-value>{qty}</span>
          <button type="button" data-qty="+" disabled={qty >= most} onClick={() => setQty(qty + 1)}>
            +
          </button>
        </div>
        {problems.length > 0 && <p class="k-hint">{t('item.choose', { groups: problems.map((p) => nameIn(lang, p.group)).join(lang === 'en' ? ', ' : '、') })}</p>}
        {blocked ? (
          <p class="k-hint" role="alert" data-qty-limit={0} data-blocked={blocked}>
            {blocked === 'gone' ? t('problem.gone') : t('item.soldOut')}
          </p>
        ) : (
          tooMany &&
          item.remaining !== null && (
            <p class="k-hint" data-qty-limit={most}>
              {most > 0 ? t('problem.short', { n: item.remaining }) : t('item.allInCart', { n: item.remaining })}
            </p>
          )
        )}
        <button type="button" class="btn btn--primary btn--big" data-add disabled={problems.length > 0 || tooMany || blocked !== null} onClick={save}>
          {line ? t('item.update') : t('item.add')} · {formatMoney(unitPrice(menu, item, options) * qty, menu.currency)}
        </button>
      </div>
    </div>
  );
}

function Checkout({ app, menu, t, lang }: { app: KioskApp; menu: Menu; t: T; lang: Lang }) {
  const s = useStore(app.state);
  const [sheet, setSheet] = useState<{ item: MenuItem; line: CartLine } | null>(null);
  const rows = checkoutRows(menu, s.cart);
  const bad = rows.filter((r) => r.problem !== null);
  const paused = s.pacing?.publicOrderingPaused ?? false;
  return (
    <main class="k-checkout" data-checkout-screen>
      <h1>{t('cart.title')}</h1>
      {s.cart.length === 0 && <p class="k-empty">{t('cart.empty')}</p>}
      <div class="k-lines">
        {rows.map(({ line: l, item, problem }) => {
          const opts = item ? chosenOptions(menu, item, l.optionIds).map((o) => nameIn(lang, o)) : [];
          return (
            <div key={l.id} class={`k-line${problem ? ' is-bad' : ''}`} data-cart-line={l.itemId} data-problem={problem?.kind}>
              <div class="k-line__main">
                <strong>
                  {item ? nameIn(lang, item) : t('cart.goneDish')} × {l.qty}
                </strong>
                {opts.length > 0 && <small>{opts.join(' · ')}</small>}
                {problem && <small class="k-line__why">{problemText(t, problem)}</small>}
              </div>
              {/* a dish gone from the menu has no price here (the hub would refuse it): remove is all it offers */}
              <span class="k-line__price">{item ? formatMoney(unitPrice(menu, item, l.optionIds) * l.qty, menu.currency) : ''}</span>
              {item ? (
                <button type="button" class="btn" data-edit onClick={() => setSheet({ item, line: l })}>
                  {t('cart.edit')}
                </button>
              ) : (
                <span />
              )}
              <button type="button" class="btn" data-remove onClick={() => app.setCart(s.cart.filter((x) => x.id !== l.id))}>
                {t('cart.remove')}
              </button>
            </div>
          );
        })}
      </div>
      <div class="k-total">
        <span>{t('cart.total')}</span>
        <strong data-checkout-total>{formatMoney(cartTotal(menu, s.cart), menu.currency)}</strong>
      </div>
      <p class="k-note">{t('cart.estimate')}</p>
      {bad.length > 0 && <p class="k-hint">{t('cart.problem')}</p>}
      {s.storageError && <p class="k-hint">{t('cart.storageFailed')}</p>}
      <PayChoice app={app} t={t} />
      <div class="k-checkout__actions">
        <button type="button" class="btn btn--big" data-back onClick={() => app.go('menu')}>
          ‹ {t('cart.back')}
        </button>
        <button
          type="button"
          class="btn btn--primary btn--big"
          data-place
          disabled={s.submitting || s.cart.length === 0 || bad.length > 0 || paused}
          onClick={() => void app.submit()}
        >
          {t('pay.place')} · {formatMoney(cartTotal(menu, s.cart), menu.currency)}
        </button>
      </div>
      {sheet && <ItemSheet app={app} menu={menu} item={sheet.item} line={sheet.line} lang={lang} t={t} onClose={() => setSheet(null)} />}
    </main>
  );
}

/** Why a cart row cannot go, in the customer's language. */
function problemText(t: T, p: LineProblem): string {
  switch (p.kind) {
    case 'gone':
      return t('problem.gone');
    case 'soldOut':
      return t('problem.soldOut');
    case 'optionGone':
      return t('problem.optionGone');
    case 'options':
      return t('problem.options');
    case 'short':
      return t('problem.short', { n: p.left });
  }
}

/**
 * A refused order in the customer's words, from the error code and the lines as sent, checked against the
 * menu the kiosk re-read on the refusal. The hub's own message (English, for staff) stays as a small detail.
 */
function Refusal({ code, message, lines, menu, t, lang }: { code: string; message: string; lines: readonly CartLine[]; menu: Menu; t: T; lang: Lang }) {
  const view = refusalView(code, lines, menu);
  const said =
    view.kind === 'paused'
      ? t('done.paused')
      : view.kind === 'dishes'
        ? t('done.refusedDishes', {
            dishes: view.dishes
              .map((d) => t('done.refusedDish', { name: d.nameZh !== null && d.nameEn !== null ? nameIn(lang, { nameZh: d.nameZh, nameEn: d.nameEn }) : t('cart.goneDish'), problem: problemText(t, d.problem) }))
              .join(lang === 'en' ? '; ' : '；'),
          })
        : view.kind === 'changed'
          ? t('done.refusedChanged')
          : t('done.refusedOther');
  return (
    <>
      <p class="k-done__problem" role="alert" data-refusal={view.kind}>
        {said}
      </p>
      {view.kind !== 'paused' && message && (
        <p class="k-done__detail" data-hub-message>
          {t('done.refusedDetail', { message })}
        </p>
      )}
    </>
  );
}

function Done({ app, menu, t, lang }: { app: KioskApp; menu: Menu; t: T; lang: Lang }) {
  useTick();
  const s = useStore(app.state);
  const entry = s.submissions.find((x) => x.id === s.current);
  const view = entry ? orderView(entry) : { kind: 'saving' as const };
  return (
    <main class={`k-done k-done--${view.kind}`} data-done={view.kind}>
      {view.kind === 'confirmed' ? (
        <>
          <p class="k-done__label">{t('done.number')}</p>
          <div class="k-done__number" data-pickup={view.number}>
            {view.number}
          </div>
          {view.quotedReadyAt !== null && (
            <p class="k-done__quoted" data-quoted>
              {t('done.quoted', { time: formatClock(view.quotedReadyAt) })}
            </p>
          )}
          <PaymentPanel app={app} menu={menu} orderId={entry?.meta.orderId ?? null} totalMinor={view.totalMinor} t={t} />
          <button type="button" class="btn btn--primary btn--big k-done__btn" data-new disabled={approvalUnstored(s.sale)} onClick={() => app.reset()}>
            {t('done.new')}
          </button>
        </>
      ) : view.kind === 'rejected' ? (
        <>
          <Refusal code={view.code} message={view.message} lines={entry?.meta.lines ?? []} menu={menu} t={t} lang={lang} />
          <button type="button" class="btn btn--primary btn--big k-done__btn" data-edit-refused onClick={() => entry && void app.editRefused(entry.id)}>
            {t('done.edit')}
          </button>
          <button type="button" class="btn btn--big k-done__btn" onClick={() => app.reset()}>
            {t('done.new')}
          </button>
        </>
      ) : (
        <>
          <div class="k-spinner" aria-hidden="true" />
          <p class="k-done__state">{view.kind === 'saving' ? t('done.saving') : view.kind === 'sending' ? t('done.sending') : view.busy ? t('done.busy') : t('done.retrying')}</p>
          <p class="k-done__wait">{t('done.wait')}</p>
        </>
      )}
    </main>
  );
}
