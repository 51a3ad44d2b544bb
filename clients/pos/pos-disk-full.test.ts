/**
 * While the hub's disk is full it answers every write 507 `storage_full` (nothing saved; try again later):
 * the tablet says so, in Chinese and English, rather than "cannot reach the hub", "a manager must resolve
 * it" or "may have printed".
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { translator, type Lang } from '../shared/i18n.ts';
import { HubError } from '../shared/hub-client.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { textOf } from '../shared/ui/text-of.ts';
import { resolveOutcome } from './card-charges.ts';
import { DayReportFeed } from './day-report.ts';
import { posMessages } from './messages.ts';
import { PosApp, type PosSubmission } from './pos-app.ts';
import { approvalText } from './sheet.tsx';
import { Submission } from './submission.tsx';

const full = () => new HubError(507, 'storage_full', "the hub's disk is full: nothing was saved; the device retries, and the manager must free space on the hub", { retryAfterS: 5 });
const LANGS: Lang[] = ['zh-CN', 'en'];
const diskWord = { 'zh-CN': '磁盘', en: 'disk' } as const;

let pos: PosApp | null = null;
afterEach(() => pos?.stop());

describe("the hub's disk is full", () => {
  it("a manager's PIN typed for a void or a refund: the hub answered, its disk is full (not \"cannot reach the hub\")", async () => {
    const app = (pos = new PosApp({ storage: new MemoryOutboxStorage() }));
    app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
    app.client.signIn = async () => {
      throw full();
    };
    const refusal = await app.managerApproval('9999');
    expect(refusal).toEqual({ problem: 'void.storageFull' });
    for (const lang of LANGS) {
      const text = approvalText(translator(posMessages, lang), refusal as { problem: 'void.storageFull' });
      expect(text).toContain(diskWord[lang]);
      if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
    }
  });

  it('resolving a kiosk card charge: not "a manager must resolve it" (the manager did), but the disk', () => {
    expect(resolveOutcome(full())).toBe('storage_full');
    // a hub that stayed busy through the retries, or failed: try again, not "a manager must"
    expect(resolveOutcome(new HubError(503, 'overloaded', 'the hub is busy; retry shortly'))).toBe('unreachable');
    expect(resolveOutcome(new HubError(500, 'internal', 'something went wrong'))).toBe('unreachable');
    expect(resolveOutcome(new HubError(403, 'forbidden', 'managers only'))).toBe('forbidden');
    for (const lang of LANGS) expect(translator(posMessages, lang)('charge.storageFull')).toContain(diskWord[lang]);
  });

  it('printing the day report: nothing was printed (the hub said so), not "may have printed, check the printer"', async () => {
    const feed = new DayReportFeed(
      async () => {
        throw new Error('not in this test');
      },
      async () => {
        throw full();
      },
    );
    await feed.print('2024-05-02');
    expect(feed.state.get().print).toEqual({ status: 'storage_full', date: '2024-05-02' });
  });

  it.each(LANGS)('%s: a change waiting in the outbox says the disk is full and it is kept here', (lang) => {
    const e = {
      id: 'e-1',
      state: 'unknown',
      lastProblem: 'HTTP 507 storage_full',
      error: null,
      meta: { orderId: 'o-1', staffToken: null, action: { kind: 'payment', amountMinor: 5000, tender: 'cash' } },
    } as unknown as PosSubmission;
    const menu = { currency: 'CNY' } as Menu;
    const text = textOf(Submission({ e, menu, floor: null, t: translator(posMessages, lang) }));
    expect(text).toContain(diskWord[lang]);
    if (lang === 'zh-CN') expect(text.replace('¥50.00', '')).not.toMatch(/[A-Za-z]{3,}/);
  });
});
