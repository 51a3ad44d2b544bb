import type { ConnectionState } from '../stream-client.ts';
import { formatClock, formatDuration } from '../format.ts';
import { sharedMessages } from '../messages.ts';
import { useTranslate } from '../i18n.ts';

/**
 * The always-visible connection line: live / reconnecting (n s) / offline since hh:mm. `now` is this
 * device's clock, re-rendered every second by the parent. `clockShiftMs`: what the screen adds to this
 * device's clock to show the time (the hub's offset, `Clock.now() - Date.now()`), so "offline since" is the
 * time the screen's own clock showed then, not a tablet's clock set hours wrong.
 */
export function ConnectionBanner({ state, now, clockShiftMs = 0, onRetry }: { state: ConnectionState; now: number; clockShiftMs?: number; onRetry?: () => void }) {
  const { t, lang } = useTranslate(sharedMessages);
  let text: string;
  let detail = '';
  switch (state.status) {
    case 'live':
      text = t('conn.live');
      break;
    case 'connecting':
      text = t('conn.connecting');
      break;
    case 'reconnecting':
      text = t('conn.reconnecting', { n: formatDuration(now - state.since, lang) });
      if (state.retryAt !== null && state.retryAt > now) detail = t('conn.retryIn', { n: formatDuration(state.retryAt - now, lang) });
      break;
    case 'offline':
      text = t('conn.offline', { time: formatClock(state.since + clockShiftMs) });
      if (state.retryAt !== null && state.retryAt > now) detail = t('conn.retryIn', { n: formatDuration(state.retryAt - now, lang) });
      break;
    case 'unauthorised':
      text = t('conn.unauthorised');
      break;
    case 'stopped':
      text = t('conn.stopped');
      break;
  }
  const down = state.status === 'reconnecting' || state.status === 'offline';
  return (
    <div class={`conn conn--${state.status}`} role="status" aria-live="polite" data-conn={state.status}>
      <span class="conn__dot" aria-hidden="true" />
      <span class="conn__text">{text}</span>
      {detail && <span class="conn__detail">{detail}</span>}
      {down && <span class="conn__stale">{t('conn.stale')}</span>}
      {down && onRetry && (
        <button type="button" class="conn__retry" onClick={onRetry}>
          {t('conn.retryNow')}
        </button>
      )}
    </div>
  );
}
