import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ConnectionBanner } from '../shared/ui/connection-banner.tsx';
import { PrinterAlerts } from '../shared/ui/printer-alerts.tsx';
import { visibleAlerts } from '../shared/printer-health.ts';
import { LanguageToggle, PairScreen, PinScreen } from '../shared/ui/pairing.tsx';
import { formatClock, formatDuration } from '../shared/format.ts';
import { nameIn, useTranslate } from '../shared/i18n.ts';
import { sharedMessages } from '../shared/messages.ts';
import { useStore } from '../shared/store.ts';
import { NEW_FOR_MS, type KdsApp } from './kds-app.ts';
import { kdsMessages } from './messages.ts';
import { audio as audioState } from './sound.ts';
import { TicketCard, type TicketActions } from './ticket-card.tsx';
import { allDayCounts, buildTickets, menuTargets, recentlyBumped, type View } from './tickets.ts';

export function App({ app }: { app: KdsApp }) {
  const device = useStore(app.session.device);
  const staff = useStore(app.session.staff);
  const view = useStore(app.view);
  if (!device) return <PairScreen hub={app.hub} session={app.session} kind="kds" defaultName="KDS" />;
  if (!staff) return <PinScreen hub={app.hub} session={app.session} roles={['kitchen', 'manager']} />;
  if (!view) return <StationPicker app={app} />;
  return <BoardScreen app={app} view={view} />;
}

function StationPicker({ app }: { app: KdsApp }) {
  const { t, lang } = useTranslate(kdsMessages);
  const menu = useStore(app.menu);
  return (
    <main class="gate">
      <div class="gate__card picker">
        <div class="gate__top">
          <h1>{t('station.pick')}</h1>
          <LanguageToggle />
        </div>
        {(menu?.stations ?? []).map((s) => (
          <button type="button" key={s.id} class="btn btn--big picker__station" data-station={s.id} onClick={() => app.setView({ kind: 'station', stationId: s.id })}>
            {nameIn(lang, s)}
          </button>
        ))}
        <button type="button" class="btn btn--big btn--primary picker__station" data-station="expo" onClick={() => app.setView({ kind: 'expo' })}>
          {t('station.expo')}
        </button>
      </div>
    </main>
  );
}

/** Re-renders every second so ages and colours move. */
function useTick(ms = 1000): void {
  const [, setN] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setN((n) => n + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/**
 * A tap that comes this soon after the previous one, on a ticket that took another place on the screen in
 * between, is the second tap of a double tap, not meant for that ticket. A bumped ticket leaves as soon as the
 * hub answers and the next one slides into its place, under the finger: the second tap of a double tap (wet
 * hands, a tap that seemed not to take) bumped a ticket nobody had looked at. Longer than a double tap,
 * shorter than a look at the ticket that moved in.
 */
export const DOUBLE_TAP_MS = 700;

/**
 * Whether a tap on a ticket now is the second of a double tap landing on a ticket that moved under it. Keeps,
 * per ticket, where it was in the last render and since when (device time); a new ticket added after the
 * last one took nobody's place.
 */
function useDoubleTapGuard(orderIds: readonly string[], deviceNow: number): (orderId: string) => boolean {
  const places = useRef(new Map<string, { index: number; since: number }>()).current;
  const lastTapAt = useRef(0);
  const before = places.size;
  const shown = new Set(orderIds);
  for (const id of places.keys()) if (!shown.has(id)) places.delete(id);
  orderIds.forEach((id, index) => {
    const place = places.get(id);
    if (!place) places.set(id, { index, since: index < before ? deviceNow : 0 });
    else if (place.index !== index) places.set(id, { index, since: deviceNow });
  });
  return (orderId) => {
    // each call is one tap: a button that does two things (acknowledge voids and bump) makes one call
    const now = Date.now();
    const ignored = now - lastTapAt.current < DOUBLE_TAP_MS && now - (places.get(orderId)?.since ?? 0) < DOUBLE_TAP_MS;
    lastTapAt.current = now;
    return ignored;
  };
}

function BoardScreen({ app, view }: { app: KdsApp; view: View }) {
  useTick();
  useStore(app.version);
  useStore(app.clock.offset);
  const { t, lang } = useTranslate(kdsMessages);
  const { t: ts } = useTranslate(sharedMessages);
  const connection = useStore(app.connection);
  const menu = useStore(app.menu);
  const tables = useStore(app.tableNames);
  const dismissed = useStore(app.dismissed);
  const sending = useStore(app.sending);
  const muted = useStore(app.muted);
  const audio = useStore(audioState);
  const notices = useStore(app.notices);
  const printers = useStore(app.printers.state);
  const [recallOpen, setRecallOpen] = useState(false);

  const targets = useMemo(() => menuTargets(menu), [menu]);
  const now = app.clock.now();
  const deviceNow = Date.now();
  const tickets = buildTickets(app.board.orders.values(), targets, view, now, dismissed);
  const counts = allDayCounts(tickets);
  const stationName = (id: string) => {
    const s = menu?.stations.find((x) => x.id === id);
    return s ? nameIn(lang, s) : id;
  };
  // orders carry the server's staff id only; the screen knows the name of whoever signed in on it
  const me = app.session.staff.get()?.staff;
  const serverName = (id: string) => (me && me.id === id ? me.name : id);
  const title = view.kind === 'expo' ? t('station.expoShort') : stationName(view.stationId);
  const isSecondTapOnMoved = useDoubleTapGuard(
    tickets.map((tk) => tk.order.id),
    deviceNow,
  );
  const actionsOf = (orderId: string): TicketActions => ({
    bump: (order, lineIds, dismissLineIds = []) => {
      if (isSecondTapOnMoved(orderId)) return;
      if (dismissLineIds.length > 0) app.dismiss(dismissLineIds);
      if (lineIds.length > 0) void app.bump(order, lineIds);
    },
    dismiss: (lineIds) => isSecondTapOnMoved(orderId) || app.dismiss(lineIds),
    toggleRush: (order) => isSecondTapOnMoved(orderId) || void app.toggleRush(order),
  });
  const isLive = connection.status === 'live';

  return (
    <div class={`kds${isLive ? '' : ' kds--stale'}`} data-view={view.kind === 'expo' ? 'expo' : view.stationId}>
      <header class="bar">
        <button type="button" class="bar__station" onClick={() => app.setView(null)} title={t('station.switch')}>
          {title} ▾
        </button>
        <ConnectionBanner state={connection} now={deviceNow} clockShiftMs={now - deviceNow} onRetry={() => app.reconnectNow()} />
        <span class="bar__count" data-count={tickets.length}>
          {t('tickets.count', { n: tickets.length })}
        </span>
        <span class="bar__spacer" />
        {view.kind === 'station' && (
          <button type="button" class="btn" data-recall onClick={() => setRecallOpen(true)}>
            ↶ {t('recall.title')}
          </button>
        )}
        {/* after a (re)load the browser keeps the chime silent until a tap: say so rather than "Sound on" (the
            lift of the tap on this button is the one that unlocks it, main.tsx) */}
        {!muted && audio === 'locked' ? (
          <button type="button" class="btn btn--warn" data-sound="locked">
            {t('sound.locked')}
          </button>
        ) : (
          <button type="button" class="btn" data-sound={muted ? 'off' : 'on'} aria-pressed={muted} onClick={() => app.muted.set(!muted)}>
            {muted ? t('sound.off') : t('sound.on')}
          </button>
        )}
        <LanguageToggle />
        <button type="button" class="btn btn--ghost" onClick={() => void app.lock()}>
          {ts('common.signOut')}
        </button>
        <span class="bar__clock">{formatClock(now)}</span>
      </header>
      {/* a station screen shows the printers of its station (all of them at expo) */}
      <PrinterAlerts
        alerts={visibleAlerts(printers, view.kind === 'expo' ? null : [view.stationId])}
        printerName={(id) => printers.printers.find((p) => p.id === id)?.name ?? id}
        stationName={stationName}
        onDismiss={(f) => app.printers.dismiss(f.jobId)}
      />

      <main class="tickets">
        {tickets.length === 0 && <p class="tickets__empty">{t('empty')}</p>}
        {tickets.map((ticket) => (
          <TicketCard
            key={ticket.order.id}
            ticket={ticket}
            isExpo={view.kind === 'expo'}
            isNew={deviceNow - (app.arrivedAt.get(ticket.order.id) ?? 0) < NEW_FOR_MS}
            sending={sending}
            tableName={ticket.order.tableId ? (tables.get(ticket.order.tableId) ?? null) : null}
            tableNameOf={(id) => tables.get(id) ?? id}
            stationName={stationName}
            serverName={serverName}
            lang={lang}
            t={t}
            actions={actionsOf(ticket.order.id)}
          />
        ))}
      </main>

      <footer class="allday" aria-label={t('allDay.title')}>
        <span class="allday__title">{t('allDay.title')}</span>
        {counts.length === 0 && <span class="allday__empty">{t('allDay.empty')}</span>}
        {counts.map((c) => (
          <span class="allday__item" key={c.itemId} data-item={c.itemId} data-qty={c.qty}>
            <b>{c.qty}</b> {nameIn(lang, c)}
          </span>
        ))}
      </footer>

      {recallOpen && view.kind === 'station' && (
        <div class="overlay" onClick={() => setRecallOpen(false)}>
          <div class="panel" onClick={(e) => e.stopPropagation()}>
            <div class="panel__head">
              <h2>{t('recall.title')}</h2>
              <button type="button" class="btn" onClick={() => setRecallOpen(false)}>
                {t('recall.close')}
              </button>
            </div>
            {(() => {
              const bumped = recentlyBumped(app.board.orders.values(), view.stationId);
              if (bumped.length === 0) return <p class="panel__empty">{t('recall.empty')}</p>;
              return bumped.map((b) => (
                <div class="recall" key={b.order.id} data-order-id={b.order.id}>
                  <span class="recall__no">#{b.order.number}</span>
                  <span class="recall__what">
                    {b.order.lines
                      .filter((l) => b.lineIds.includes(l.id))
                      .map((l) => `${l.qty}× ${nameIn(lang, l)}`)
                      .join('，')}
                  </span>
                  <span class="recall__ago">{t('recall.ago', { t: formatDuration(now - b.readyAt, lang) })}</span>
                  <button
                    type="button"
                    class="btn btn--primary"
                    disabled={b.lineIds.some((id) => sending.has(id))}
                    onClick={() => {
                      void app.recall(b.order, b.lineIds);
                      setRecallOpen(false);
                    }}
                  >
                    {t('recall.action')}
                  </button>
                </div>
              ));
            })()}
          </div>
        </div>
      )}

      <div class="notices" aria-live="assertive">
        {notices.map((n) => (
          <div class="notice" key={n.id} role="alert" onClick={() => app.dropNotice(n.id)}>
            {n.text}
          </div>
        ))}
      </div>
    </div>
  );
}
