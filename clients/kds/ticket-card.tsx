import type { Order } from '../../hub/protocol/index.ts';
import { formatClock, formatElapsed } from '../shared/format.ts';
import { nameIn, type Lang, type Translate } from '../shared/i18n.ts';
import type { KdsKey } from './messages.ts';
import type { Ticket, TicketLine } from './tickets.ts';

/** What a tap on a ticket does; one tap is one call (the board's double-tap guard judges each call as a tap). */
export interface TicketActions {
  /** Bumps `lineIds` and acknowledges the voided `dismissLineIds`: the Bump button does both at once. */
  bump(order: Order, lineIds: readonly string[], dismissLineIds?: readonly string[]): void;
  dismiss(lineIds: readonly string[]): void;
  toggleRush(order: Order): void;
}

interface Props {
  ticket: Ticket;
  isExpo: boolean;
  isNew: boolean;
  sending: ReadonlySet<string>;
  tableName: string | null;
  /** Any table's name (a line merged in from another table says which). */
  tableNameOf: (tableId: string) => string;
  stationName: (id: string) => string;
  serverName: (staffId: string) => string;
  lang: Lang;
  t: Translate<KdsKey>;
  actions: TicketActions;
}

export function TicketCard({ ticket, isExpo, isNew, sending, tableName, tableNameOf, stationName, serverName, lang, t, actions }: Props) {
  const { order } = ticket;
  const voidedIds = ticket.lines.filter((l) => l.state === 'voided').map((l) => l.line.id);
  const courses = new Set(ticket.lines.map((l) => l.line.course));
  const busy = ticket.bumpLineIds.some((id) => sending.has(id));
  const cls = [
    'ticket',
    `ticket--${ticket.isReady ? 'ready' : ticket.urgency}`,
    order.rush && 'is-rush',
    ticket.isVoided && 'is-voided',
    isNew && 'is-new',
  ]
    .filter(Boolean)
    .join(' ');

  const onBump = () => actions.bump(order, onlyVoided ? [] : ticket.bumpLineIds, voidedIds);
  // a ticket left with only voided lines is acknowledged; expo serves a ticket once every station bumped it
  const onlyVoided = ticket.lines.every((l) => l.state !== 'pending') && !ticket.isReady;
  const bumpLabel = onlyVoided ? t('ticket.dismiss') : isExpo ? (ticket.isReady ? t('ticket.serve') : t('ticket.cooking')) : t('ticket.bump');
  const canBump = onlyVoided || !isExpo || ticket.isReady;

  let lastCourse = -1;
  let addOnShown = false;
  return (
    <article class={cls} data-order-id={order.id} data-number={order.number} data-urgency={ticket.urgency} data-ready={String(ticket.isReady)}>
      <header class="ticket__head">
        <span class="ticket__no">#{order.number}</span>
        <span class="ticket__where">{order.tableId ? t('ticket.table', { name: tableName ?? order.tableId }) : t('ticket.takeaway')}</span>
        <span class="ticket__age" data-age>
          {formatElapsed(ticket.ageMs)}
        </span>
        <span class="ticket__meta">
          {t(`channel.${order.channel}`)}
          {order.staffName ? ` · ${order.staffName}` : order.staffId ? ` · ${serverName(order.staffId)}` : ''}
          {` · ${formatClock(ticket.startedAt)}`}
        </span>
        {order.rush && <span class="badge badge--rush">{t('ticket.rush')}</span>}
        {isExpo && ticket.isReady && <span class="badge badge--ready">{t('ticket.ready')}</span>}
      </header>
      {ticket.isVoided && <div class="ticket__voided">{t('ticket.orderVoided')}</div>}
      {order.note && <div class="ticket__note">{order.note}</div>}
      <ul class="ticket__lines">
        {ticket.lines.map((tl) => {
          const parts = [];
          if (courses.size > 1 && tl.line.course !== lastCourse) {
            lastCourse = tl.line.course;
            parts.push(
              <li class="ticket__sep" key={`c${tl.line.course}`}>
                {t('ticket.course', { n: tl.line.course })}
              </li>,
            );
          }
          if (tl.isAddOn && !addOnShown) {
            addOnShown = true;
            parts.push(
              <li class="ticket__sep ticket__sep--addon" key="addon">
                {t('ticket.addOn', { time: formatClock(tl.line.addedAt) })}
              </li>,
            );
          }
          parts.push(
            <Line
              key={tl.line.id}
              tl={tl}
              lang={lang}
              t={t}
              isSending={sending.has(tl.line.id)}
              stationLabel={isExpo ? stationName(tl.line.stationId) : null}
              mergedLabel={
                tl.mergedFrom &&
                t('ticket.mergedFrom', {
                  where: tl.mergedFrom.tableId ? t('ticket.table', { name: tableNameOf(tl.mergedFrom.tableId) }) : `#${tl.mergedFrom.number}`,
                })
              }
              onTap={() => {
                if (tl.state === 'voided') actions.dismiss([tl.line.id]);
                else if (!isExpo && tl.state === 'pending') actions.bump(order, [tl.line.id]);
                else if (isExpo && tl.line.status === 'ready') actions.bump(order, [tl.line.id]);
              }}
            />,
          );
          return parts;
        })}
      </ul>
      {ticket.heldCount > 0 && <div class="ticket__held">{t('ticket.held', { n: ticket.heldCount })}</div>}
      {isExpo && ticket.stations.length > 0 && (
        <div class="ticket__stations">
          {ticket.stations.map((s) => (
            <span key={s.stationId} class={`chip${s.done === s.total ? ' chip--done' : ''}`} data-station={s.stationId}>
              {stationName(s.stationId)} {s.done === s.total ? '✓' : `${s.done}/${s.total}`}
            </span>
          ))}
        </div>
      )}
      <footer class="ticket__actions">
        <button type="button" class={`btn ticket__rush${order.rush ? ' is-on' : ''}`} onClick={() => actions.toggleRush(order)} aria-pressed={order.rush}>
          ⚑ {t('ticket.rush')}
        </button>
        <button type="button" class="btn ticket__bump" disabled={busy || !canBump} onClick={onBump} data-bump>
          {bumpLabel}
        </button>
      </footer>
    </article>
  );
}

function Line({
  tl,
  lang,
  t,
  isSending,
  stationLabel,
  mergedLabel,
  onTap,
}: {
  tl: TicketLine;
  lang: Lang;
  t: Translate<KdsKey>;
  isSending: boolean;
  stationLabel: string | null;
  mergedLabel: string | null;
  onTap: () => void;
}) {
  const { line, state } = tl;
  const options = line.options.map((o) => nameIn(lang, o)).join(' · ');
  return (
    <li
      class={`line line--${state}${tl.isAddOn ? ' line--addon' : ''}${tl.mergedFrom ? ' line--merged' : ''}${tl.isLate ? ' line--late' : ''}${isSending ? ' is-sending' : ''}`}
      data-line-id={line.id}
      data-state={state}
      data-status={line.status}
      onClick={onTap}
    >
      <div class="line__main">
        <span class="line__qty">{line.qty}×</span>
        <span class="line__name">{nameIn(lang, line)}</span>
        {mergedLabel && <span class="line__merged">{mergedLabel}</span>}
        {stationLabel && <span class="line__station">{stationLabel}</span>}
        {state === 'voided' && <span class="badge badge--void">{t('ticket.void')}</span>}
      </div>
      {options && <div class="line__opts">{options}</div>}
      {line.note && <div class="line__note">⚠ {line.note}</div>}
      {state === 'voided' && line.voidReason && <div class="line__void-reason">{line.voidReason}</div>}
    </li>
  );
}
