import type { Pacing } from '../../../hub/protocol/index.ts';
import { formatDuration } from '../format.ts';
import type { Lang, Translate } from '../i18n.ts';

/**
 * What a customer-facing screen (kiosk, QR phone) must say before anything else: the kitchen paused
 * ordering, the kitchen is busy (with the quoted wait), no connection, or no lasting storage for the outbox (orders then wait in memory).
 */
export function PublicBanners(p: {
  prefix: 'k' | 'q';
  pacing: Pacing | null;
  offline: string | null;
  durable: boolean;
  lang: Lang;
  t: Translate<'pacing.paused' | 'pacing.busy' | 'cart.memoryOnly'>;
}) {
  const { prefix: x, pacing, lang, t } = p;
  return (
    <>
      {pacing?.publicOrderingPaused && (
        <div class={`${x}-banner ${x}-banner--paused`} data-pacing="paused" role="alert">
          {t('pacing.paused', { reason: pacing.pausedReason ? (lang === 'en' ? `: ${pacing.pausedReason}` : `：${pacing.pausedReason}`) : '' })}
        </div>
      )}
      {pacing && !pacing.publicOrderingPaused && pacing.busy && pacing.backlogSeconds !== null && (
        <div class={`${x}-banner ${x}-banner--busy`} data-pacing="busy">
          {t('pacing.busy', { n: formatDuration(pacing.backlogSeconds * 1000, lang) })}
        </div>
      )}
      {p.offline !== null && (
        <div class={`${x}-banner ${x}-banner--offline`} data-offline>
          {p.offline}
        </div>
      )}
      {/* orders are still taken, kept in the page's memory until the hub has them: a reload before then loses them */}
      {!p.durable && <div class={`${x}-banner ${x}-banner--busy`} data-memory-only>{t('cart.memoryOnly')}</div>}
    </>
  );
}
