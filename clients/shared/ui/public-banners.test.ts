/**
 * A kiosk or phone whose browser keeps no storage still takes orders (the outbox holds them in the page's
 * memory, clients/shared/outbox.ts): the banner must say that, not that ordering is impossible.
 */
import { expect, it } from 'vitest';
import { kioskMessages } from '../../kiosk/messages.ts';
import { orderMessages } from '../../order/messages.ts';
import { translator, type Dictionary, type Lang } from '../i18n.ts';
import { PublicBanners } from './public-banners.tsx';
import { textOf } from './text-of.ts';

type BannerKey = 'pacing.paused' | 'pacing.busy' | 'cart.memoryOnly' | 'cart.storageFailed';
const shown = (messages: Dictionary<BannerKey>, lang: Lang, durable: boolean) =>
  textOf(PublicBanners({ prefix: 'k', pacing: null, offline: null, durable, lang, t: translator(messages, lang) }));

it.each([
  ['kiosk', kioskMessages as Dictionary<BannerKey>],
  ['phone', orderMessages as Dictionary<BannerKey>],
])('the %s warns that orders wait in memory when storage is unusable, and says nothing when it works', (_, messages) => {
  for (const lang of ['zh-CN', 'en'] as const) {
    expect(shown(messages, lang, false)).toBe(messages[lang]['cart.memoryOnly']);
    expect(shown(messages, lang, false)).not.toBe(messages[lang]['cart.storageFailed']);
    expect(shown(messages, lang, true)).toBe('');
  }
});
