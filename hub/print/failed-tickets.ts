/**
 * The tickets the hub gave up printing that a screen still shows as alerts (Reprint / Dismiss) when it loads
 * the printer list: a screen that reloads, or was off when the ticket failed, learns of them only here (the
 * `print.job_failed` event went by). A KDS has nobody signed in, so this rides on the printer list, which it
 * reads with its device token, not on the staff's print queue.
 *
 * Which: the failed jobs of the current business day (the day's service; yesterday's orders are long served
 * or redone), the newest FAILED_SHOWN_MAX of them, one per ticket (its newest failed copy: a reprint that
 * failed too stands for the ticket), and none a reprint made since has printed or is printing. Test pages are
 * left out: they are the manager's set-up, seen on the printers page, not a ticket the kitchen lacks.
 */
import { businessDate } from '../domain/business-date.ts';
import { businessDayBounds } from '../domain/day-report.ts';
import type { PrintJob } from '../protocol/printing.ts';
import { jobView, type JobRow, type SqlitePrintRepo } from '../store/print-repo.ts';

/** At most this many come back: a screen's alert strip scrolls, it is not a history. */
export const FAILED_SHOWN_MAX = 50;
/** Failed jobs read to find them: superseded ones and copies of one ticket are skipped along the way. */
const CANDIDATES = 2 * FAILED_SHOWN_MAX;
/** Moved copies chain (moved, then moved again); a longer chain is a broken store, not followed further. */
const MAX_MOVE_HOPS = 100;

type Repo = Pick<SqlitePrintRepo, 'recentFailedJobs' | 'reprintedAfter' | 'job'>;

/**
 * The ticket a job prints, as its reprints name it (`reprint_of`): a reprint's original, a moved copy's first
 * job. The same walk as `PrintService.reprint` makes to number a reprint.
 */
export function ticketOf(repo: Pick<SqlitePrintRepo, 'job'>, job: JobRow): number {
  let from = job;
  for (let hops = 0; from.reprintOf === null && from.movedFromJobId !== null && hops < MAX_MOVE_HOPS; hops++) {
    const earlier = repo.job(from.movedFromJobId);
    if (!earlier) break;
    from = earlier;
  }
  return from.reprintOf ?? from.id;
}

export function failedTicketsToShow(repo: Repo, now: number, timeZone: string): PrintJob[] {
  const dayStart = businessDayBounds(businessDate(now, timeZone), timeZone).from;
  const shown: PrintJob[] = [];
  const tickets = new Set<number>();
  for (const job of repo.recentFailedJobs(CANDIDATES)) {
    // failed (updatedAt) today, whenever it was queued: a ticket held for a station fails an hour after
    if (job.updatedAt < dayStart || job.kind === 'test') continue;
    const ticket = ticketOf(repo, job);
    // newest first: an older failed copy of a ticket already seen is the same alert, or one a reprint superseded
    if (tickets.has(ticket)) continue;
    tickets.add(ticket);
    if (repo.reprintedAfter(ticket, job.id)) continue;
    shown.push(jobView(job));
    if (shown.length === FAILED_SHOWN_MAX) break;
  }
  return shown;
}
