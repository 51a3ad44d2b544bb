import { useState } from 'preact/hooks';
import type { Menu, Order } from '../../hub/protocol/index.ts';
import { formatClock, formatMoney } from '../shared/format.ts';
import { nameIn, type Lang } from '../shared/i18n.ts';
import { useStore } from '../shared/store.ts';
import type { PosT } from './messages.ts';
import { isOpenOrder, type PaySplit, type PosApp } from './pos-app.ts';
import { billStatusKey } from './bills.tsx';
import { cashSuggestions, changeDue, evenSplitProgress, lineBalances, linesAmount, moneyText, nextShare, parseMoney, paymentProblem, seatLineIds, seatsOf } from './pos-logic.ts';
import { RefundSheet, tenderName } from './refund.tsx';
import { Submission } from './submission.tsx';

type Mode = 'whole' | 'items' | 'seats' | 'even';
const WAYS = [2, 3, 4, 5, 6];

/**
 * The hub's bill, and how this payment splits it: the whole due amount (or part of it: a split tender),
 * some dishes (by item, or all of one seat's), or the next of N even shares. The tablet computes the amount
 * with the hub's own rules and the hub refuses a payment whose amount does not match its split.
 */
export function BillScreen({ app, menu, t, lang }: { app: PosApp; menu: Menu; t: PosT; lang: Lang }) {
  const s = useStore(app.state);
  // payments and refunds queued here, in queue order
  const money = s.submissions.filter((x) => x.meta.orderId === s.orderId && (x.meta.action.kind === 'payment' || x.meta.action.kind === 'refund'));
  const payments = money.filter((x) => x.meta.action.kind === 'payment');
  // a ways chip tapped starts a new split: the shares paid before it no longer count
  const [splitFrom, setSplitFrom] = useState<string | null>(null);
  const [refunding, setRefunding] = useState<string | null>(null);
  const from = splitFrom === null ? 0 : money.findIndex((x) => x.id === splitFrom) + 1;
  // payments given money back, here or on another device: a share refunded ends the split
  const refundedPayments = new Set([...(s.order?.refunds ?? []).map((r) => r.paymentId), ...money.flatMap((x) => (x.meta.action.kind === 'refund' && x.state !== 'rejected' ? [x.meta.action.paymentId] : []))]);
  // the split going on, from the payments stored here: leaving the bill screen and coming back keeps it
  const progress = evenSplitProgress(
    money
      .slice(from)
      .filter((x) => x.state !== 'rejected')
      .map((x) => {
        const a = x.meta.action;
        if (a.kind === 'refund') return { refund: true as const };
        const refunded = refundedPayments.has((x.body as { id?: string }).id ?? '');
        return a.kind === 'payment' && a.split && 'ways' in a.split ? { ways: a.split.ways, refunded } : {};
      }),
  );
  const [mode, setMode] = useState<Mode>(progress ? 'even' : 'whole');
  const [picked, setPicked] = useState<string[]>([]);
  const [waysChosen, setWays] = useState(2);
  const ways = progress?.ways ?? waysChosen;
  const sharesTaken = progress?.taken ?? 0;
  const order = s.order;
  if (!order) return <main class="p-gate">{t('bill.loading')}</main>;
  const readOnly = !isOpenOrder(order);
  const table = s.floor?.tables.find((x) => x.id === s.tableId);
  const unsettled = payments.filter((x) => x.state !== 'confirmed' && x.state !== 'rejected');
  // payments, voids and refunds still on their way count already (once: one the hub's bill shows is not
  // counted again), the dishes they pay as paid, those they void as gone, those they refund as open again:
  // the next share is of what will be left
  const { dueMinor: due, balances } = app.billAfterQueued() ?? { dueMinor: order.dueMinor, balances: lineBalances(order) };
  const refundedOf = (paymentId: string) => (order.refunds ?? []).filter((r) => r.paymentId === paymentId).reduce((sum, r) => sum + r.amountMinor, 0);
  const refundedMinor = (order.refunds ?? []).reduce((sum, r) => sum + r.amountMinor, 0);
  const refundingPayment = order.payments.find((p) => p.id === refunding);
  const live = order.lines.filter((l) => l.status !== 'voided');
  const open = picked.filter((id) => (balances.get(id)?.openMinor ?? 0) > 0);
  const waysLeft = Math.max(1, ways - sharesTaken);
  const plan: { amountMinor: number; split?: PaySplit } | null =
    mode === 'whole'
      ? null
      : mode === 'even'
        ? { amountMinor: nextShare(due, waysLeft), split: { ways: waysLeft } }
        : open.length > 0
          ? { amountMinor: linesAmount(order, open, due, balances), split: { lineIds: open } }
          : { amountMinor: 0 };
  const choose = (m: Mode) => {
    setMode(m);
    setPicked([]);
  };
  const toggle = (id: string) => setPicked(picked.includes(id) ? picked.filter((x) => x !== id) : [...picked, id]);
  return (
    <main class="p-bill">
      <section class="p-bill__order">
        <h2>{t('bill.title', { table: order.tableId ? (table?.name ?? '') : t(`bills.channel.${order.channel}`) })}</h2>
        {live.map((l) => {
          const b = balances.get(l.id);
          const paid = b !== undefined && b.openMinor === 0;
          const on = picked.includes(l.id);
          // a dish whose void is on its way has no balance: not offered (the hub would find no live line)
          const pickable = mode === 'items' && b !== undefined && !paid;
          return (
            <div
              key={l.id}
              class={`p-line${on ? ' is-on' : ''}${paid ? ' is-paid' : ''}${pickable ? ' is-pickable' : ''}`}
              data-bill-line={l.itemId}
              data-line-open={b?.openMinor ?? 0}
              onClick={() => pickable && toggle(l.id)}
            >
              <div class="p-line__main">
                <strong>
                  {nameIn(lang, l)} × {l.qty}
                </strong>
                <small>{[l.options.map((o) => nameIn(lang, o)).join(' · '), l.seat ? t('line.seat', { n: l.seat }) : ''].filter(Boolean).join(' · ')}</small>
              </div>
              <span>
                {formatMoney(l.lineTotalMinor, menu.currency)}
                {b && b.paidMinor > 0 && <small class="p-line__open">{paid ? t('split.paid') : t('split.open', { amount: formatMoney(b.openMinor, menu.currency) })}</small>}
              </span>
            </div>
          );
        })}
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
          {refundedMinor > 0 && (
            <>
              <dt>{t('bill.refunded')}</dt>
              <dd data-refunded-total={refundedMinor}>−{formatMoney(refundedMinor, menu.currency)}</dd>
            </>
          )}
          <dt>{t('bill.paid')}</dt>
          <dd data-paid={order.paidMinor}>{formatMoney(order.paidMinor, menu.currency)}</dd>
          {/* a done bill owes nothing: after a refund its due is what was given back, and "Due" would send the
              cashier after money the store returned on purpose */}
          {!readOnly && (
            <>
              <dt class="p-totals__due">{t('bill.due')}</dt>
              <dd class="p-totals__due" data-due={order.dueMinor}>
                {formatMoney(order.dueMinor, menu.currency)}
              </dd>
            </>
          )}
        </dl>
        {order.payments.length > 0 && (
          <>
            <h3>{t('bill.payments')}</h3>
            <ul class="p-subs">
              {order.payments.map((p) => {
                const refunded = refundedOf(p.id);
                // what is left to give back, counting refunds on their way from this tablet
                const left = app.refundLeft(p.id)?.leftMinor ?? 0;
                return (
                  <li key={p.id} class="p-sub" data-payment={p.tender} data-payment-id={p.id} data-refunded={refunded}>
                    <span>
                      {tenderName(p.tender, t)} {formatMoney(p.amountMinor, menu.currency)}
                      {p.reference ? ` · ${p.reference}` : ''}
                      {refunded > 0 && <small class="p-line__open">{t('bill.refundedOf', { amount: formatMoney(refunded, menu.currency) })}</small>}
                    </span>
                    {p.changeMinor > 0 && (
                      <span data-change-given={p.changeMinor}>
                        {t('bill.changeGiven')} {formatMoney(p.changeMinor, menu.currency)}
                      </span>
                    )}
                    {left > 0 && (
                      <button type="button" class="btn btn--small" data-refund={p.id} onClick={() => setRefunding(p.id)}>
                        {t('bill.refund')}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          </>
        )}
        {s.submissions.some((x) => x.meta.orderId === order.id && x.state !== 'confirmed' && ['payment', 'refund', 'receipt'].includes(x.meta.action.kind)) && (
          <ul class="p-subs">
            {s.submissions
              .filter((x) => x.meta.orderId === order.id && x.state !== 'confirmed' && ['payment', 'refund', 'receipt'].includes(x.meta.action.kind))
              .map((e) => (
                <Submission key={e.id} e={e} menu={menu} floor={s.floor} t={t} />
              ))}
          </ul>
        )}
      </section>
      <section class="p-bill__pay">
        {readOnly ? (
          // closed (voided, merged): nothing is paid or changed any more; refunds (on the payments) and the
          // receipt stay. Opened again from today's bills, it goes back there
          <div class="p-closed" data-closed data-read-only={order.status}>
            <p>
              {order.status === 'closed' ? '✓ ' : ''}
              {order.status !== 'closed' ? t(billStatusKey(order)) : s.fromBills ? t('bills.closedAt', { time: formatClock(order.closedAt ?? order.updatedAt) }) : t('bill.closed')}
            </p>
            {s.fromBills && <p class="p-muted">{t('bills.readOnly')}</p>}
            <button type="button" class="btn btn--primary btn--big" data-done onClick={() => void app.backFromBill()}>
              {s.fromBills ? t('bills.back') : t('bill.done')}
            </button>
          </div>
        ) : order.dueMinor === 0 && due === 0 && order.lines.some((l) => l.status !== 'voided') ? (
          // comped, free dishes only, or paid in full and reopened: nothing to pay, but the bill is still closed
          // by someone. While its payment of 0 is on its way the button is gone (a second would be refused); a
          // refund on its way makes something due again (a payment of 0 would be refused after it)
          <div class="p-closed" data-nothing-due>
            {order.lines.some((l) => l.status === 'held') ? (
              <p>{t('bill.nothingDueHeld')}</p>
            ) : (
              <>
                <p>{t('bill.nothingDue')}</p>
                {/* no dish left once the voids on their way are stored: the hub settles no order without food */}
                {unsettled.length === 0 && balances.size > 0 && (
                  <button type="button" class="btn btn--primary btn--big" data-settle onClick={() => void app.settle()}>
                    {t('bill.settle')}
                  </button>
                )}
              </>
            )}
          </div>
        ) : (
          <>
            <div class="p-tenders" role="tablist">
              {(['whole', 'items', 'seats', 'even'] as const).map((m) => (
                <button type="button" role="tab" key={m} class={`p-chip${m === mode ? ' is-on' : ''}`} data-split-mode={m} aria-selected={m === mode} onClick={() => choose(m)}>
                  {t(`split.${m}`)}
                </button>
              ))}
            </div>
            {mode === 'items' && <p class="p-muted">{t('split.pickLines')}</p>}
            {mode === 'seats' && <SeatPicker order={order} balances={balances} picked={picked} onPick={setPicked} t={t} />}
            {mode === 'even' && (
              <div class="p-tenders">
                {WAYS.map((n) => (
                  <button
                    type="button"
                    key={n}
                    class={`p-chip${n === ways ? ' is-on' : ''}`}
                    data-split-ways={n}
                    aria-pressed={n === ways}
                    onClick={() => {
                      setWays(n);
                      setSplitFrom(money.at(-1)?.id ?? null);
                    }}
                  >
                    {t('split.ways', { n })}
                  </button>
                ))}
                <strong class="p-share" data-share={sharesTaken + 1} data-share-amount={plan?.amountMinor}>
                  {t('split.share', { k: Math.min(ways, sharesTaken + 1), n: ways })} · {formatMoney(plan?.amountMinor ?? 0, menu.currency)}
                </strong>
              </div>
            )}
            <PayForm
              app={app}
              due={due}
              plan={plan}
              menu={menu}
              t={t}
              // not the amount due: another device changing the bill must not wipe the cash being counted
              key={`${order.id}:${mode}`}
              onPaid={() => setPicked([])}
            />
          </>
        )}
        {order.status !== 'voided' && order.status !== 'merged' && (
          <button type="button" class="btn" data-receipt onClick={() => void app.printReceipt()}>
            {t('bill.receipt')}
          </button>
        )}
        {!(readOnly && s.fromBills) && (
          <button type="button" class="btn" data-back-order onClick={() => app.go('order')}>
            {t('bill.back')}
          </button>
        )}
      </section>
      {refundingPayment && <RefundSheet app={app} payment={refundingPayment} menu={menu} t={t} lang={lang} onClose={() => setRefunding(null)} />}
    </main>
  );
}

function SeatPicker({ order, balances, picked, onPick, t }: { order: Order; balances: ReturnType<typeof lineBalances>; picked: string[]; onPick: (ids: string[]) => void; t: PosT }) {
  const seats = seatsOf(order);
  if (seats.length === 0) return <p class="p-muted">{t('split.noSeats')}</p>;
  return (
    <div class="p-tenders">
      {seats.map((n) => {
        const ids = seatLineIds(order, n, balances);
        const on = ids.length > 0 && ids.every((id) => picked.includes(id)) && picked.length === ids.length;
        return (
          <button type="button" key={n} class={`p-chip${on ? ' is-on' : ''}`} data-split-seat={n} aria-pressed={on} disabled={ids.length === 0} onClick={() => onPick(ids)}>
            {t('split.seatN', { n })}
          </button>
        );
      })}
    </div>
  );
}

/**
 * One tender: cash (with change) or card; a split fixes the amount, otherwise any part of what is due.
 *
 * When the bill changes underneath (another device adds a dish or takes a payment) what the cashier typed
 * stays: the cash handed over and the card reference are about money already in hand. The amount follows
 * what is due until the cashier types one; a typed amount is kept, and said to be too much when it now is,
 * rather than changed behind their back. The form starts afresh after its own payment is stored.
 */
function PayForm({ app, due, plan, menu, t, onPaid }: { app: PosApp; due: number; plan: { amountMinor: number; split?: PaySplit } | null; menu: Menu; t: PosT; onPaid: () => void }) {
  const [tender, setTender] = useState<'cash' | 'card'>('cash');
  const cur = menu.currency;
  // null: not typed, the amount due
  const [typed, setTyped] = useState<string | null>(null);
  const [tendered, setTendered] = useState('');
  const [reference, setReference] = useState('');
  const amount = typed ?? moneyText(due, cur);
  const amountMinor = plan ? plan.amountMinor : parseMoney(amount, cur);
  const tenderedMinor = parseMoney(tendered, cur);
  const change = amountMinor !== null && tenderedMinor !== null ? changeDue(amountMinor, tenderedMinor) : null;
  // cash: the change is shown before the money goes in the drawer, so what was handed over is typed
  const problem = paymentProblem({ tender, amountMinor, tenderedMinor, reference, dueMinor: due });
  const ok = problem === null && (tender === 'card' || change !== null);
  return (
    <form
      class="p-pay"
      onSubmit={(e) => {
        e.preventDefault();
        if (!ok || amountMinor === null) return;
        const split = plan?.split;
        // a share counts as taken only once its payment is stored (a double tap stores one)
        void app
          .pay({
            tender,
            amountMinor,
            ...(tender === 'cash' && tenderedMinor !== null ? { tenderedMinor } : {}),
            ...(tender === 'card' ? { reference } : {}),
            ...(split ? { split } : {}),
          })
          .then((entry) => {
            if (!entry) return;
            setTender('cash');
            setTyped(null);
            setTendered('');
            setReference('');
            onPaid();
          });
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
        <input data-amount inputMode="decimal" readOnly={plan !== null} value={plan ? moneyText(plan.amountMinor, cur) : amount} onInput={(e) => setTyped(e.currentTarget.value)} />
        {problem === 'overDue' && (
          <small class="p-hint" data-pay-problem="overDue">
            {t('bill.overDue', { amount: formatMoney(due, cur) })}
          </small>
        )}
        {/* 0 or not an amount (letters, a third decimal): said, as an amount above the due is; with nothing
            due once this tablet's changes on their way are stored, that is what is said. A split with no dish
            or seat picked yet has its own hint (split.pickLines) */}
        {problem === 'amount' && (plan === null || due === 0) && (
          <small class="p-hint" data-pay-problem="amount">
            {due === 0 ? t('bill.nothingDueQueued') : t('bill.badAmount', { amount: formatMoney(due, cur) })}
          </small>
        )}
      </label>
      {tender === 'cash' ? (
        <>
          <label class="field">
            <span>{t('bill.tendered')}</span>
            <input data-tendered inputMode="decimal" value={tendered} onInput={(e) => setTendered(e.currentTarget.value)} />
          </label>
          <div class="p-quick">
            {cashSuggestions(amountMinor ?? 0).map((v) => (
              <button type="button" key={v} class="p-chip" data-quick={v} onClick={() => setTendered(moneyText(v, cur))}>
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
          {problem === 'reference' && <small class="p-muted">{t('bill.needReference')}</small>}
        </label>
      )}
      <button type="submit" class="btn btn--primary btn--big" data-pay disabled={!ok}>
        {t('bill.pay')}
      </button>
    </form>
  );
}
