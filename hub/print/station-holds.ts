/**
 * Tickets held for a station no printer prints (its last printer deleted, disabled or given other stations,
 * or none ever set up for it): a job with no printer, `held`, until a printer is given the station (then it
 * prints there, once). The kitchen would rather the ticket wait than be failed and forgotten. The SQL goes
 * along `print_jobs_printer` (printer_id, state, id): a handful of rows, whatever the history.
 */
import type { Db } from '../store/db.ts';

export class StationHolds {
  readonly #ids;
  readonly #counts;
  readonly #countFor;

  constructor(db: Db) {
    this.#ids = db.prepare("SELECT id FROM print_jobs WHERE printer_id IS NULL AND state = 'held' ORDER BY id").pluck();
    this.#counts = db.prepare(
      "SELECT station_id AS stationId, COUNT(*) AS waiting FROM print_jobs WHERE printer_id IS NULL AND state = 'held' GROUP BY station_id ORDER BY station_id",
    );
    this.#countFor = db.prepare("SELECT COUNT(*) FROM print_jobs WHERE printer_id IS NULL AND state = 'held' AND station_id = ?").pluck();
  }

  /** The held jobs' ids, oldest first. */
  jobIds(): number[] {
    return this.#ids.all() as number[];
  }

  /** Per station, how many tickets wait for a printer. */
  waiting(): { stationId: string; waiting: number }[] {
    return this.#counts.all() as { stationId: string; waiting: number }[];
  }

  waitingFor(stationId: string): number {
    return this.#countFor.get(stationId) as number;
  }
}

/** What the job and the staff's alert say: the station, and how many of its tickets wait (this one included). */
export const heldForStationReason = (stationId: string, waiting: number): string =>
  `no printer prints station ${stationId}: ${waiting} ${waiting === 1 ? 'ticket' : 'tickets'} waiting for one`;
