import type { AuthRepo, DeviceRecord } from '../domain/auth-service.ts';
import type { DeviceKind, Role } from '../protocol/common.ts';
import type { Staff } from '../protocol/auth.ts';
import type { StaffMember } from '../protocol/staff.ts';
import type { Db } from './db.ts';
import { ExternalCommits } from './external-commits.ts';
import { newQrToken } from './secrets.ts';

const MAX_CACHED_TABLES = 10_000;

type SessionRow = { staffId: string; staffName: string; deviceId: string; role: Role; expiresAt: number };
/** Signed-in sessions kept at most: a store has tens; past this the map starts over. */
const MAX_KEPT_SESSIONS = 1_000;

export class SqliteAuthRepo implements AuthRepo {
  private readonly s;
  private readonly external: ExternalCommits;

  constructor(private readonly db: Db) {
    this.external = new ExternalCommits(db);
    this.s = {
      insertDevice: db.prepare('INSERT INTO devices (id, name, kind, token_hash, paired_at) VALUES (@id, @name, @kind, @tokenHash, @pairedAt)'),
      device: db.prepare(
        'SELECT id, name, kind, paired_at AS pairedAt FROM devices WHERE token_hash = ? AND revoked_at IS NULL',
      ),
      staffByPin: db.prepare('SELECT id, name, role FROM staff WHERE pin_hash = ? AND active = 1'),
      insertSession: db.prepare(
        'INSERT INTO staff_sessions (token_hash, staff_id, device_id, created_at, expires_at) VALUES (@tokenHash, @staffId, @deviceId, @createdAt, @expiresAt)',
      ),
      session: db.prepare(
        `SELECT s.staff_id AS staffId, st.name AS staffName, s.device_id AS deviceId, st.role AS role, s.expires_at AS expiresAt
           FROM staff_sessions s JOIN staff st ON st.id = s.staff_id
           JOIN devices d ON d.id = s.device_id
          WHERE s.token_hash = ? AND st.active = 1 AND d.revoked_at IS NULL`,
      ),
      deleteSession: db.prepare('DELETE FROM staff_sessions WHERE token_hash = ?'),
      // no index on expires_at: the scan is over the sessions of the last day and a half once the backlog is
      // gone (a few thousand rows, well under a millisecond), and rowid order is sign-in order, so a backlog
      // is found at the start of the scan, oldest first
      deleteEnded: db.prepare(
        'DELETE FROM staff_sessions WHERE rowid IN (SELECT rowid FROM staff_sessions WHERE expires_at < ? ORDER BY rowid LIMIT ?)',
      ),
      table: db.prepare('SELECT id FROM dining_tables WHERE qr_token = ?').pluck(),
      // staff and table codes, as a manager changes them (hub/domain/staff-admin.ts)
      listStaff: db.prepare('SELECT id, name, role, active FROM staff ORDER BY active DESC, name, id'),
      staffMember: db.prepare('SELECT id, name, role, active FROM staff WHERE id = ?'),
      activeStaffIdByPin: db.prepare('SELECT id FROM staff WHERE pin_hash = ? AND active = 1').pluck(),
      pinHashOf: db.prepare('SELECT pin_hash FROM staff WHERE id = ?').pluck(),
      insertStaff: db.prepare('INSERT INTO staff (id, name, role, pin_hash, active) VALUES (@id, @name, @role, @pinHash, 1)'),
      setPin: db.prepare('UPDATE staff SET pin_hash = ? WHERE id = ?'),
      setActive: db.prepare('UPDATE staff SET active = ? WHERE id = ?'),
      endSessions: db.prepare('DELETE FROM staff_sessions WHERE staff_id = ? AND token_hash IS NOT ?'),
      countActive: db.prepare('SELECT COUNT(*) FROM staff WHERE role = ? AND active = 1').pluck(),
      tableName: db.prepare('SELECT name FROM dining_tables WHERE id = ?').pluck(),
      allTables: db.prepare('SELECT id, name FROM dining_tables ORDER BY area_id, rowid'),
      setQrToken: db.prepare('UPDATE dining_tables SET qr_token = ? WHERE id = ?'),
    };
  }

  insertDevice(device: DeviceRecord & { tokenHash: string }): void {
    this.s.insertDevice.run(device);
  }
  deviceByTokenHash(hash: string): DeviceRecord | undefined {
    return this.s.device.get(hash) as (DeviceRecord & { kind: DeviceKind }) | undefined;
  }
  staffByPinHash(hash: string): Staff | undefined {
    return this.s.staffByPin.get(hash) as Staff | undefined;
  }
  insertSession(session: { tokenHash: string; staffId: string; deviceId: string; createdAt: number; expiresAt: number }): void {
    this.s.insertSession.run(session);
  }
  sessionByTokenHash(hash: string): SessionRow | undefined {
    this.dropKeptIfChangedElsewhere();
    const kept = this.sessions.get(hash);
    if (kept !== undefined) return kept;
    const row = this.s.session.get(hash) as SessionRow | undefined;
    // read inside a write that may yet roll back: not kept
    if (row !== undefined && !this.db.inTransaction) {
      if (this.sessions.size >= MAX_KEPT_SESSIONS) this.sessions.clear();
      this.sessions.set(hash, Object.freeze(row));
    }
    return row;
  }
  deleteSession(tokenHash: string): number {
    this.sessions.clear();
    return this.s.deleteSession.run(tokenHash).changes;
  }
  deleteSessionsEndedBefore(before: number, limit: number): number {
    this.sessions.clear();
    return this.s.deleteEnded.run(before, limit).changes;
  }
  /**
   * Sessions found, by token hash: every staff request looks its session up before its body is read, a
   * join of three tables that cost ~13 µs a request in the hub (~5 µs kept, most of it the look at
   * data_version, which begins a read transaction). Kept as SQLite has them: this repo drops them all when
   * it deletes sessions or changes staff (a manager's new PIN or deactivation, below), and so does a commit
   * by another connection (a `sqlite3` shell revoking a device or retiring a PIN), which data_version shows
   * while the hub's own commits it does not. Whoever adds a way for the hub to revoke a device clears this
   * too. Expiry is checked on each use (AuthService.resolve), kept or not.
   */
  private readonly sessions = new Map<string, SessionRow>();
  /**
   * A table's QR token changes seldom (set when the floor is seeded, replaced by a manager), so a hit is
   * kept: every request from a phone (and every refusal in a flood of them) looks it up. Misses are not
   * kept, so unknown tokens cannot grow the map. When codes are replaced (after a copy of the store leaked,
   * README "Secrets at rest") the old ones must stop working at once, not at the next restart: the hub's own
   * replacement drops the map (`replaceQrTokens`), and another connection's commit does too.
   */
  tableIdByQrToken(token: string): string | undefined {
    this.dropKeptIfChangedElsewhere();
    const hit = this.tableByQrToken.get(token);
    if (hit !== undefined) return hit;
    const id = this.s.table.get(token) as string | undefined;
    if (id !== undefined && this.tableByQrToken.size < MAX_CACHED_TABLES) this.tableByQrToken.set(token, id);
    return id;
  }
  private readonly tableByQrToken = new Map<string, string>();

  listStaff(): StaffMember[] {
    return (this.s.listStaff.all() as StaffRow[]).map(staffMemberOf);
  }
  staffMember(id: string): StaffMember | undefined {
    const row = this.s.staffMember.get(id) as StaffRow | undefined;
    return row && staffMemberOf(row);
  }
  activeStaffIdByPinHash(hash: string): string | undefined {
    return this.s.activeStaffIdByPin.get(hash) as string | undefined;
  }
  pinInUseByAnother(staffId: string): boolean {
    const hash = this.s.pinHashOf.get(staffId) as string | undefined;
    const holder = hash === undefined ? undefined : this.activeStaffIdByPinHash(hash);
    return holder !== undefined && holder !== staffId;
  }
  insertStaff(member: StaffMember & { pinHash: string }): void {
    this.s.insertStaff.run({ id: member.id, name: member.name, role: member.role, pinHash: member.pinHash });
  }
  // a kept session carries its person's name and role: any change to staff drops them all (a rollback
  // after this only means they are read again)
  setStaffPinHash(id: string, pinHash: string): void {
    this.sessions.clear();
    this.s.setPin.run(pinHash, id);
  }
  setStaffActive(id: string, active: boolean): void {
    this.sessions.clear();
    this.s.setActive.run(active ? 1 : 0, id);
  }
  endSessionsOf(staffId: string, keep?: string): number {
    this.sessions.clear();
    return this.s.endSessions.run(staffId, keep ?? null).changes;
  }
  countActive(role: Role): number {
    return this.s.countActive.get(role) as number;
  }

  tableName(id: string): string | undefined {
    return this.s.tableName.get(id) as string | undefined;
  }
  replaceQrTokens(tableIds: readonly string[] | 'all'): { id: string; name: string }[] {
    this.tableByQrToken.clear();
    const tables = (this.s.allTables.all() as { id: string; name: string }[]).filter((t) => tableIds === 'all' || tableIds.includes(t.id));
    for (const t of tables) this.s.setQrToken.run(newQrToken(), t.id);
    return tables;
  }

  /** One look at data_version for both maps: whichever lookup sees another connection's commit first drops both. */
  private dropKeptIfChangedElsewhere(): void {
    if (!this.external.since()) return;
    this.sessions.clear();
    this.tableByQrToken.clear();
  }
}

type StaffRow = { id: string; name: string; role: Role; active: number };
const staffMemberOf = (r: StaffRow): StaffMember => ({ id: r.id, name: r.name, role: r.role, active: r.active === 1 });
