import type { Db } from './db.ts';

/**
 * Whether another connection committed to the store since the last look (SQLite's `PRAGMA data_version`):
 * a `sqlite3` shell or a script writing to the store while the hub runs. Rows the hub itself never writes
 * while it runs (stations, table names, staff and devices behind a session) can then be kept in memory
 * and still be read as SQLite has them: a cache is dropped whenever this says so. Inside a transaction the
 * look costs a fraction of a microsecond; outside, it begins a read transaction (a few microseconds).
 * One per cache: each look compares with that cache's own last one.
 */
export class ExternalCommits {
  private readonly version;
  private last: number;

  constructor(db: Db) {
    this.version = db.prepare('PRAGMA data_version').pluck();
    this.last = this.version.get() as number;
  }

  /** Whether another connection committed since the last call (or since this was made). */
  since(): boolean {
    const now = this.version.get() as number;
    if (now === this.last) return false;
    this.last = now;
    return true;
  }
}
