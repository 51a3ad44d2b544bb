import { useEffect, useState } from 'preact/hooks';
import type { Menu, Order } from '../../hub/protocol/index.ts';
import { formatClock, formatMoney } from '../shared/format.ts';
import { useStore } from '../shared/store.ts';
import type { DayCardCharge, DayReport } from '../../hub/protocol/reports.ts';
import { dayHasEnded, earlierChargeDay, FLOAT_MAX_MINOR, floatInTheWay, floatProblem, hasMoneyDue, isEarlierDay, isSuperseded, queuedFloat, readsTakings, type DayPrintState, type DayReportState, type QueuedFloat } from './day-report.ts';
import type { PosKey, PosT } from './messages.ts';
import { isOpenOrder, type PosApp } from './pos-app.ts';
import { moneyText, parseMoney, rejectionKey, searchBills, searchedNumber, tableNamed } from './pos-logic.ts';

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
  const staff = useStore(app.session.staff);
  const takings = useStore(app.dayReport.state);
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
      {readsTakings(staff?.staff.role) && (
        <DaySummary
          state={takings}
          currency={menu.currency}
          t={t}
          online={s.conn.status === 'live'}
          hubNow={() => Date.now() + app.client.serverOffsetMs}
          onPrint={(date) => void app.dayReport.print(date)}
          queued={takings.report ? queuedFloat(s.submissions, takings.report.businessDate) : null}
          onEditFloat={(date, text) => app.dayReport.editFloat(date, text)}
          onSaveFloat={(date, amountMinor) => void app.setFloat(date, amountMinor)}
          onSettleFloat={(date, replaceWith) => void app.settleFloat(date, replaceWith)}
        />
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

/**
 * 营业日结 Day summary, above today's bills for a cashier or a manager: the day's orders and sales, the money
 * taken and refunded by tender, the cash the drawer should hold, the opening float (entered here) and the
 * drawer's total, the kiosks' card charges the hub did not record (the card terminal has them), and the
 * orders still open with what is due on them (a till should not close with money due). Hook-free: the
 * figures are the hub's (`DayReport`), what is typed is the feed's (`DayReportState.floatDraft`).
 */
export function DaySummary({
  state,
  currency,
  t,
  online = false,
  hubNow,
  onPrint,
  queued = null,
  onEditFloat,
  onSaveFloat,
  onSettleFloat,
}: {
  state: DayReportState;
  currency: string;
  t: PosT;
  /** The hub answers now (the stream is live): printing needs it, the figures on paper are the hub's of the moment. */
  online?: boolean;
  /** The hub's clock now (this device's, shifted by the hub's offset); absent: the day shown is taken as not over. */
  hubNow?: () => number;
  /** Print the day's takings on the receipt printer (a Z report for closing the till). */
  onPrint?: (businessDate: string) => void;
  /** The float this tablet queued for the day shown and the hub has not confirmed. */
  queued?: QueuedFloat | null;
  /** Opens the float form with `text`, follows what is typed, or (null) closes it. */
  onEditFloat?: (businessDate: string, text: string | null) => void;
  /** Queues the float typed (checked: `floatProblem`). */
  onSaveFloat?: (businessDate: string, amountMinor: number) => void;
  /** A float refused for another recorded meanwhile: keep that one (null), or replace it with this amount. */
  onSettleFloat?: (businessDate: string, replaceWith: number | null) => void;
}) {
  const r = state.report;
  const money = (minor: number) => formatMoney(minor, currency);
  if (!r) {
    return (
      <section class="p-takings" data-takings="">
        <p class={state.failed ? 'p-hint' : 'p-muted'}>{state.failed ? t('takings.failed') : t('takings.loading')}</p>
      </section>
    );
  }
  const tenders = (['cash', 'card', 'other'] as const).filter((k) => r.payments.byTender[k].count > 0 || r.refunds.byTender[k].count > 0);
  const due = hasMoneyDue(r);
  return (
    <section
      class={`p-takings${due ? ' has-due' : ''}`}
      data-takings={r.businessDate}
      data-takings-cash={r.cashExpectedMinor}
      data-takings-float={r.floatMinor ?? ''}
      data-takings-drawer={r.drawerExpectedMinor ?? ''}
      data-takings-due={r.openOrders.dueMinor}
    >
      <header class="p-takings__head">
        <strong>{t('takings.title', { date: r.businessDate })}</strong>
        <small class="p-muted">{t('takings.asOf', { time: formatClock(r.asOf) })}</small>
        {onPrint && <PrintDay date={r.businessDate} print={state.print} online={online} onPrint={onPrint} t={t} />}
      </header>
      {onPrint && <PrintDayNote date={r.businessDate} print={state.print} online={online} t={t} />}
      {state.failed && <p class="p-hint" data-takings-failed>{t('takings.failedKept', { time: formatClock(r.asOf) })}</p>}
      <div class="p-takings__grid">
        <dl class="p-takings__box">
          <dt>{t('takings.orders', { n: r.orders.count })}</dt>
          <dd class="p-muted">{t('takings.byChannel', r.orders.byChannel)}</dd>
          {r.orders.voided > 0 && <dd class="p-muted">{t('takings.voidedOrders', { n: r.orders.voided })}</dd>}
          {r.orders.firstAt !== null && r.orders.lastAt !== null && (
            <dd class="p-muted">{t('takings.hours', { first: formatClock(r.orders.firstAt), last: formatClock(r.orders.lastAt) })}</dd>
          )}
        </dl>
        <dl class="p-takings__box">
          <div class="p-takings__row"><dt>{t('takings.gross')}</dt><dd>{money(r.grossMinor)}</dd></div>
          <div class="p-takings__row"><dt>{t('takings.discounts')}</dt><dd>{money(-r.discountsMinor)}</dd></div>
          <div class="p-takings__row p-takings__total" data-takings-net={r.netSalesMinor}><dt>{t('takings.net')}</dt><dd>{money(r.netSalesMinor)}</dd></div>
          <div class="p-takings__row p-muted"><dt>{t('takings.voidedLines', { n: r.voidedLines.count })}</dt><dd>{money(r.voidedLines.amountMinor)}</dd></div>
        </dl>
        <dl class="p-takings__box">
          <div class="p-takings__row"><dt>{t('takings.payments', { n: r.payments.count })}</dt><dd>{money(r.payments.amountMinor)}</dd></div>
          {tenders.map((k) => (
            <div class="p-takings__row p-muted" key={k} data-takings-tender={k}>
              <dt>{t(`takings.tender.${k}`)} {t('takings.tenderCount', { n: r.payments.byTender[k].count })}</dt>
              <dd>
                {money(r.payments.byTender[k].amountMinor)}
                {r.refunds.byTender[k].count > 0 && <small> {money(-r.refunds.byTender[k].amountMinor)}</small>}
              </dd>
            </div>
          ))}
          {r.refunds.count > 0 && <div class="p-takings__row"><dt>{t('takings.refunds', { n: r.refunds.count })}</dt><dd>{money(-r.refunds.amountMinor)}</dd></div>}
          {r.payments.forOtherDaysMinor !== 0 && <dd class="p-muted">{t('takings.otherDays', { amount: money(r.payments.forOtherDaysMinor) })}</dd>}
          {(r.cardTerminalExpectedMinor !== 0 || tenders.includes('card') || r.unrecordedCardCharges.count > 0) && (
            <div class="p-takings__row p-takings__total" data-takings-terminal={r.cardTerminalExpectedMinor}>
              <dt>{t('takings.cardTerminal')}</dt>
              <dd>{money(r.cardTerminalExpectedMinor)}</dd>
            </div>
          )}
          {(r.cardTerminalExpectedMinor !== 0 || tenders.includes('card') || r.unrecordedCardCharges.count > 0) && <dd class="p-muted">{t('takings.cardTerminalNote')}</dd>}
        </dl>
        <div class="p-takings__box p-takings__cash" data-takings-cash-box>
          <span>{t('takings.cashExpected')}</span>
          <strong>{money(r.cashExpectedMinor)}</strong>
          <small class="p-muted">{t('takings.cashNote')}</small>
          <DrawerFloat
            r={r}
            currency={currency}
            t={t}
            draft={state.floatDraft?.date === r.businessDate ? state.floatDraft.text : null}
            queued={queued}
            hubNow={hubNow}
            onEdit={onEditFloat}
            onSave={onSaveFloat}
            onSettle={onSettleFloat}
          />
        </div>
      </div>
      <CardChargesOfDay r={r} currency={currency} t={t} />
      {r.openOrders.count === 0 ? (
        <p class="p-muted" data-takings-open="0">{t('takings.allClosed')}</p>
      ) : (
        <div class="p-takings__open" data-takings-open={r.openOrders.count}>
          <p class={due ? 'p-hint' : 'p-muted'}>
            {due ? t('takings.openDue', { n: r.openOrders.count, amount: money(r.openOrders.dueMinor) }) : t('takings.openNoDue', { n: r.openOrders.count })}
          </p>
          <ul class="p-takings__list">
            {r.openOrders.orders.map((o) => (
              <li key={o.id} data-takings-open-order={o.id} data-takings-open-day={o.businessDate}>
                {/* numbers restart every business day: an earlier day's "12" is told apart by its day */}
                <strong>{isEarlierDay(o, r) ? t('takings.openOfDay', { n: o.number, date: o.businessDate }) : t('order.number', { n: o.number })}</strong>{' '}
                {o.tableName ? t('order.table', { table: o.tableName }) : t(`bills.channel.${o.channel}`)}{' '}
                <span class={o.dueMinor > 0 ? 'p-tag' : 'p-muted'}>{t('takings.due', { amount: money(o.dueMinor) })}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/**
 * 备用金 The opening float under the cash expected: as the hub has it, the drawer's total with it (what the
 * cashier counts against), and a form to enter or change it, checked as it is typed (as the payment form
 * checks its amount); what this tablet queued and the hub has not confirmed is said under it.
 */
function DrawerFloat({
  r,
  currency,
  t,
  draft,
  queued,
  hubNow,
  onEdit,
  onSave,
  onSettle,
}: {
  r: DayReport;
  currency: string;
  t: PosT;
  draft: string | null;
  queued: QueuedFloat | null;
  hubNow: (() => number) | undefined;
  onEdit: ((businessDate: string, text: string | null) => void) | undefined;
  onSave: ((businessDate: string, amountMinor: number) => void) | undefined;
  onSettle: ((businessDate: string, replaceWith: number | null) => void) | undefined;
}) {
  const money = (minor: number) => formatMoney(minor, currency);
  const date = r.businessDate;
  const problem = draft === null ? null : floatProblem(draft, currency);
  const amountMinor = draft === null ? null : parseMoney(draft, currency);
  // past the day's 04:00 the summary is last night's (the list not loaded since): the float typed is today's,
  // and saved under this day it would replace the float yesterday's till was counted against
  const ended = () => hubNow !== undefined && dayHasEnded(r, hubNow());
  const isEnded = ended();
  return (
    <div class="p-takings__float" data-takings-float-box>
      <div class="p-takings__row" data-float-shown={r.floatMinor ?? ''}>
        <span>{r.floatMinor === null ? t('takings.floatNone') : t('takings.float')}</span>
        <span>
          {r.floatMinor !== null && money(r.floatMinor)}{' '}
          {draft === null && onEdit && !isEnded && (
            <button type="button" class="btn btn--small" data-float-edit onClick={() => onEdit(date, r.floatMinor === null ? '' : moneyText(r.floatMinor, currency))}>
              {r.floatMinor === null ? t('takings.floatEnter') : t('takings.floatChange')}
            </button>
          )}
        </span>
      </div>
      {r.floatSetAt !== null && <small class="p-muted">{t('takings.floatSetAt', { time: formatClock(r.floatSetAt) })}</small>}
      {isEnded && onEdit && (
        <small class="p-hint" data-float-day-ended>
          {t('takings.floatDayEnded', { date })}
        </small>
      )}
      {draft !== null && onEdit && onSave && !isEnded && (
        <form
          class="p-takings__float-form"
          data-float-form
          onSubmit={(e) => {
            e.preventDefault();
            // the form may have been on screen since before the day's end: drawn again, it says so instead
            if (ended()) onEdit(date, draft);
            else if (problem === null && amountMinor !== null) onSave(date, amountMinor);
          }}
        >
          <label class="field">
            <span>{t('takings.floatAmount')}</span>
            <input data-float-amount inputMode="decimal" value={draft} onInput={(e) => onEdit(date, e.currentTarget.value)} />
            {/* empty says nothing yet: the button is off until there is an amount */}
            {problem === 'amount' && draft.trim() !== '' && (
              <small class="p-hint" data-float-problem="amount">
                {t('takings.floatBad')}
              </small>
            )}
            {problem === 'tooMuch' && (
              <small class="p-hint" data-float-problem="tooMuch">
                {t('takings.floatTooMuch', { amount: money(FLOAT_MAX_MINOR) })}
              </small>
            )}
          </label>
          <button type="submit" class="btn btn--primary" data-float-save disabled={problem !== null}>
            {t('takings.floatSave')}
          </button>{' '}
          <button type="button" class="btn" data-float-cancel onClick={() => onEdit(date, null)}>
            {t('takings.floatCancel')}
          </button>
        </form>
      )}
      {queued && (isSuperseded(queued) ? <SupersededFloat r={r} queued={queued} currency={currency} t={t} onSettle={onSettle} /> : <QueuedFloatNote queued={queued} currency={currency} t={t} />)}
      {r.drawerExpectedMinor !== null ? (
        <div class="p-takings__row p-takings__total" data-takings-drawer-total={r.drawerExpectedMinor}>
          <span>{t('takings.drawer')}</span>
          <span>{money(r.drawerExpectedMinor)}</span>
        </div>
      ) : (
        <small class="p-muted">{t('takings.drawerNeedsFloat')}</small>
      )}
      {r.drawerExpectedMinor !== null && <small class="p-muted">{t('takings.drawerNote')}</small>}
    </div>
  );
}

/**
 * This tablet's float, refused: another was recorded for the day meanwhile (on another tablet, or while this
 * one was offline), and the till is counted against that one now. Said with whose it is and when, once the
 * summary has read it; the cashier keeps it, or replaces it with this tablet's amount (a new change naming it).
 */
function SupersededFloat({ r, queued, currency, t, onSettle }: { r: DayReport; queued: QueuedFloat; currency: string; t: PosT; onSettle: ((businessDate: string, replaceWith: number | null) => void) | undefined }) {
  const money = (minor: number) => formatMoney(minor, currency);
  const amount = money(queued.amountMinor);
  const other = floatInTheWay(r, queued);
  if (!other) {
    return (
      <p class="p-hint" data-float-queued="superseded" data-float-in-the-way="">
        {t('takings.floatSupersededReading', { amount })}
      </p>
    );
  }
  const current = money(other.amountMinor);
  return (
    <div class="p-hint" data-float-queued="superseded" data-float-in-the-way={other.amountMinor}>
      <p>{t('takings.floatSuperseded', { amount, current, by: other.by ?? t('takings.floatSomeone'), time: formatClock(other.setAt) })}</p>
      {onSettle && (
        <p>
          <button type="button" class="btn btn--small" data-float-keep onClick={() => onSettle(r.businessDate, null)}>
            {t('takings.floatKeep', { amount: current })}
          </button>{' '}
          <button type="button" class="btn btn--small" data-float-replace onClick={() => onSettle(r.businessDate, queued.amountMinor)}>
            {t('takings.floatReplace', { amount })}
          </button>
        </p>
      )}
    </div>
  );
}

/** A float on its way to the hub (saved here, sending) or refused by it, in words: never the hub's code. */
function QueuedFloatNote({ queued, currency, t }: { queued: QueuedFloat; currency: string; t: PosT }) {
  const amount = formatMoney(queued.amountMinor, currency);
  if (queued.state === 'rejected') {
    return (
      <p class="p-hint" data-float-queued="rejected">
        {t('takings.floatRefused', { amount, message: t(rejectionKey('float', queued.error?.code)) })}
      </p>
    );
  }
  return (
    <p class="p-muted" data-float-queued={queued.state}>
      {queued.diskFull ? t('takings.floatDiskFull', { amount }) : queued.state === 'sending' ? t('takings.floatSending', { amount }) : t('takings.floatQueued', { amount })}
    </p>
  );
}

/**
 * The kiosks' card charges of the day the hub did not record: the card terminal's total has them and the
 * payments do not, so the cashier reconciles the terminal with them. Each with its order, time and terminal
 * reference, and what a manager said became of it; amber while one is unresolved. Those refunded on the
 * terminal or recorded as a payment during the day are no longer extra on the terminal (said with how much
 * still is), and earlier days' charges settled so today are listed after, each with its day. Nothing when
 * there are none.
 */
function CardChargesOfDay({ r, currency, t }: { r: DayReport; currency: string; t: PosT }) {
  const c = r.unrecordedCardCharges;
  const earlier = c.settledOfEarlierDays;
  if (c.count === 0 && earlier.count === 0) return null;
  const money = (minor: number) => formatMoney(minor, currency);
  const open = c.unresolved.count > 0;
  const item = (x: DayCardCharge, sign: 1 | -1, data: Record<string, string>) => (
    <li key={x.id} {...data}>
      <strong>{chargeOrderText(x, earlierChargeDay(x, r), t)}</strong> {formatClock(x.createdAt)}
      {x.reference ? ` ${x.reference}` : ''} {money(sign * x.amountMinor)}{' '}
      <span class={x.resolvedAt === null ? 'p-tag' : 'p-muted'} data-takings-card-kind={x.resolutionKind ?? ''}>
        {resolutionText(x, t)}
      </span>
    </li>
  );
  return (
    <div class="p-takings__open" data-takings-unrecorded={c.count} data-takings-unresolved={c.unresolved.count} data-takings-on-terminal={c.onTerminalMinor}>
      {c.count > 0 && (
        <p class={open ? 'p-hint' : 'p-muted'}>
          {t('takings.cards', { n: c.count, amount: money(c.amountMinor) })}{' '}
          {open ? t('takings.cardsUnresolved', { n: c.unresolved.count, amount: money(c.unresolved.amountMinor) }) : t('takings.cardsResolved')}
        </p>
      )}
      <ul class="p-takings__list">{c.charges.map((x) => item(x, 1, { 'data-takings-card-charge': x.id }))}</ul>
      {earlier.count > 0 && (
        <>
          <p class="p-muted" data-takings-cards-earlier={earlier.count}>
            {t('takings.cardsEarlier', { n: earlier.count, amount: money(earlier.amountMinor) })}
          </p>
          <ul class="p-takings__list">{earlier.charges.map((x) => item(x, -1, { 'data-takings-card-charge-earlier': x.id }))}</ul>
        </>
      )}
      {c.onTerminalMinor !== c.amountMinor && (
        <p class="p-muted" data-takings-cards-settled={c.settled.count}>
          {t('takings.cardsOnTerminal', { amount: money(c.onTerminalMinor) })}
        </p>
      )}
    </div>
  );
}

/** A charge's order (its number, or that the hub did not know it), with the charge's day when it is an earlier day's. */
function chargeOrderText(x: DayCardCharge, day: string | null, t: PosT): string {
  if (x.orderNumber === null) return day === null ? t('takings.cardOrderUnknown') : t('takings.cardOrderUnknownOfDay', { date: day });
  return day === null ? t('order.number', { n: x.orderNumber }) : t('takings.openOfDay', { n: x.orderNumber, date: day });
}

/** What a manager said became of a charge: its kind in words, and the note when there is one. */
function resolutionText(x: DayCardCharge, t: PosT): string {
  if (x.resolvedAt === null) return t('takings.cardUnresolved');
  const note = x.resolutionNote ?? '';
  switch (x.resolutionKind) {
    case 'refunded_on_terminal':
      return t('takings.cardRefunded') + (note ? t('takings.cardNote', { note }) : '');
    case 'recorded_as_payment':
      return t('takings.cardRecorded', { n: x.resolutionOrderNumber ?? '?' }) + (note ? t('takings.cardNote', { note }) : '');
    default:
      // other, and those resolved before there were kinds: the note is all there is
      return t('takings.cardResolved', { note });
  }
}

const printFor = (print: DayPrintState | undefined, date: string): DayPrintState => (print && print.status !== 'idle' && print.date === date ? print : { status: 'idle' });

/** 打印日结单: off while the hub is out of reach (the slip is the hub's figures of the moment) or a press is on its way. */
function PrintDay({ date, print, online, onPrint, t }: { date: string; print: DayPrintState | undefined; online: boolean; onPrint: (date: string) => void; t: PosT }) {
  const p = printFor(print, date);
  const sending = p.status === 'sending';
  return (
    <button type="button" class="btn p-takings__print" data-takings-print={p.status} disabled={!online || sending} onClick={() => onPrint(date)}>
      {sending ? t('takings.printing') : t('takings.print')}
    </button>
  );
}

/** What the last Print came to, or why the button is off. */
function PrintDayNote({ date, print, online, t }: { date: string; print: DayPrintState | undefined; online: boolean; t: PosT }) {
  const p = printFor(print, date);
  if (!online && p.status !== 'unknown') return <p class="p-muted" data-takings-print-note="offline">{t('takings.printOffline')}</p>;
  switch (p.status) {
    case 'queued':
      return <p class="p-muted" data-takings-print-note="queued" data-takings-print-job={p.jobId}>{t('takings.printed', { time: formatClock(p.at) })}</p>;
    case 'no_printer':
      return <p class="p-hint" data-takings-print-note="no_printer">{t('takings.printNoPrinter')}</p>;
    case 'unknown':
      return <p class="p-hint" data-takings-print-note="unknown">{t('takings.printUnknown')}</p>;
    case 'refused':
      return <p class="p-hint" data-takings-print-note="refused">{t('takings.printRefused')}</p>;
    case 'storage_full':
      return <p class="p-hint" data-takings-print-note="storage_full">{t('takings.printStorageFull')}</p>;
    default:
      return null;
  }
}
