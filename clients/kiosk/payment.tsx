/**
 * The kiosk's payment UI: the choice at checkout (card here, or at the counter) and what the confirmation
 * screen says about paying. The state lives in KioskApp; this only shows it. A simulated terminal is always
 * labelled as such on screen.
 */
import type { ComponentChildren } from 'preact';
import type { Menu } from '../../hub/protocol/index.ts';
import { formatMoney } from '../shared/format.ts';
import type { Translate } from '../shared/i18n.ts';
import { useStore } from '../shared/store.ts';
import type { KioskApp } from './kiosk-app.ts';
import { paymentView, type CardApproval } from './kiosk-logic.ts';
import type { KioskKey } from './messages.ts';
import { SimulatedTerminal } from './terminal.ts';

type T = Translate<KioskKey>;

/** Checkout: two big radio cards. Card only when this kiosk has a terminal; the counter is the default. */
export function PayChoice({ app, t }: { app: KioskApp; t: T }) {
  const choice = useStore(app.state).payChoice;
  const option = (value: 'card' | 'counter', title: string, help: string) => (
    <button type="button" role="radio" aria-checked={choice === value} class={`k-pay__opt${choice === value ? ' is-on' : ''}`} data-pay={value} onClick={() => app.choosePayment(value)}>
      <strong>{title}</strong>
      <small>{help}</small>
    </button>
  );
  return (
    <section class="k-pay" role="radiogroup" aria-label={t('pay.title')}>
      <h2>{t('pay.title')}</h2>
      {app.terminal && option('card', t('pay.card'), t('pay.cardHelp'))}
      {app.terminal?.simulated && <p class="k-sim-note" data-simulated-terminal>{t('pay.simulated')}</p>}
      {option('counter', t('pay.counter'), t('pay.counterHelp'))}
    </section>
  );
}

/** The confirmation screen's payment part, under the pickup number. */
export function PaymentPanel({ app, menu, orderId, totalMinor, t }: { app: KioskApp; menu: Menu; orderId: string | null; totalMinor: number; t: T }) {
  const s = useStore(app.state);
  const sale = s.sale?.entryId === s.current ? s.sale : null;
  const payment = orderId === null ? undefined : s.payments.findLast((p) => p.meta.orderId === orderId);
  const view = paymentView(sale, payment);
  const money = (minor: number) => formatMoney(minor, menu.currency);
  const wrap = (state: string, children: ComponentChildren) => (
    <section class={`k-paid k-paid--${state}`} data-pay-state={state} data-hub-total={totalMinor}>
      {children}
    </section>
  );
  switch (view.kind) {
    case 'counter':
      return wrap('counter', <p class="k-done__pay">{t('done.payAtCounter', { amount: money(totalMinor) })}</p>);
    case 'settled':
      return wrap('settled', <p class="k-done__pay">{t('card.settled')}</p>);
    case 'terminal':
      // what the terminal asks for: what the order owes now (the counter may have changed it since it was placed)
      return wrap('terminal', <TerminalPrompt app={app} t={t} amount={money(sale?.amountMinor ?? totalMinor)} />);
    case 'failed':
      return wrap(
        view.outcome,
        <>
          <SaleFailed outcome={view.outcome} reason={view.reason} t={t} />
          <p class="k-done__wait">{t('card.unpaid')}</p>
          <div class="k-paid__actions">
            <button type="button" class="btn btn--primary btn--big" data-card-retry onClick={() => void app.payByCard()}>
              {t('card.retry')}
            </button>
            <button type="button" class="btn btn--big" data-card-counter onClick={() => app.payAtCounter()}>
              {t('card.counter')}
            </button>
          </div>
        </>,
      );
    case 'saving':
      return wrap(
        'saving',
        <>
          <div class="k-spinner" aria-hidden="true" />
          <p class="k-done__state">{view.retrying ? t('card.savingRetry') : t('card.saving')}</p>
          <CardLine approval={view.approval} t={t} />
        </>,
      );
    case 'paid':
      return wrap(
        'paid',
        <>
          <p class="k-paid__ok">✓ {t('card.paid', { amount: money(view.approval.amountMinor) })}</p>
          <CardLine approval={view.approval} t={t} />
        </>,
      );
    case 'unrecorded':
      return wrap('unrecorded', <p class="k-done__problem" role="alert">{t('card.unrecorded', { ref: view.approval.reference })}</p>);
    case 'unsaved':
      return wrap(
        'unsaved',
        <>
          <p class="k-done__problem" role="alert">{t('card.unsaved', { ref: view.approval.reference })}</p>
          <button type="button" class="btn btn--big" onClick={() => void app.retryStoreApproval()}>
            {t('card.unsavedRetry')}
          </button>
        </>,
      );
  }
}

/**
 * Why the card sale did not go through, wholly in the customer's language. The terminal's own words are its
 * SDK's (English, codes): a decline's reason stays as a small detail the counter can read; an error's text is
 * a raw exception, for the log (payByCard), not for a customer.
 */
export function SaleFailed({ outcome, reason, t }: { outcome: 'declined' | 'cancelled' | 'error'; reason: string | null; t: T }) {
  const said = reason?.trim();
  return (
    <>
      <p class="k-done__problem" role="alert">
        {t(outcome === 'cancelled' ? 'card.cancelled' : outcome === 'declined' ? 'card.declined' : 'card.error')}
      </p>
      {outcome === 'declined' && said && (
        <p class="k-done__detail" data-terminal-reason>
          {t('card.terminalSaid', { reason: said })}
        </p>
      )}
    </>
  );
}

function CardLine({ approval, t }: { approval: CardApproval; t: T }) {
  return (
    <p class="k-paid__ref" data-card-reference={approval.reference}>
      {approval.cardLast4 && `${t('card.last4', { last4: approval.cardLast4 })} · `}
      {t('card.ref', { ref: approval.reference })}
    </p>
  );
}

/** "Tap or insert your card", with the simulator's stand-in buttons when the terminal is the simulator. */
function TerminalPrompt({ app, t, amount }: { app: KioskApp; t: T; amount: string }) {
  const sim = app.terminal instanceof SimulatedTerminal ? app.terminal : null;
  return (
    <>
      {/* drawn, not an emoji: kiosk browsers often lack an emoji font, and the kiosk loads nothing external */}
      <div class="k-tap" aria-hidden="true">
        <span class="k-tap__card" />
      </div>
      <p class="k-done__state">{t('card.tap')}</p>
      <p class="k-done__pay">{t('card.amount', { amount })}</p>
      {sim && <SimulatorControls sim={sim} t={t} />}
      <button type="button" class="btn btn--big k-done__btn" data-card-cancel onClick={() => app.cancelCardSale()}>
        {t('card.cancel')}
      </button>
    </>
  );
}

function SimulatorControls({ sim, t }: { sim: SimulatedTerminal; t: T }) {
  const prompt = useStore(sim.prompt);
  return (
    <div class="k-sim" data-simulated-terminal>
      <p class="k-sim-note">{t('pay.simulated')}</p>
      {prompt?.auto ? (
        <p>{t('card.simAuto')}</p>
      ) : (
        <div class="k-paid__actions">
          <button type="button" class="btn btn--primary" data-sim-approve disabled={!prompt} onClick={() => sim.approve()}>
            {t('card.simApprove')}
          </button>
          <button type="button" class="btn" data-sim-decline disabled={!prompt} onClick={() => sim.decline()}>
            {t('card.simDecline')}
          </button>
        </div>
      )}
    </div>
  );
}

/** Welcome footer: approved card payments the hub has not confirmed yet (the outbox is still sending). */
export function PendingPayments({ app, t }: { app: KioskApp; t: T }) {
  const n = useStore(app.state).payments.filter((p) => p.state === 'saved' || p.state === 'sending' || p.state === 'unknown').length;
  return n > 0 ? <p data-pending-payments={n}>{t('welcome.pendingPay', { n })}</p> : null;
}
