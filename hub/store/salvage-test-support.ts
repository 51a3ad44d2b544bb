/**
 * Damage as a power cut on a lying disk leaves it, for the salvage tests: whole pages of a closed store
 * overwritten, or left as they were before their last write, found with SQLite's `dbstat`. Not imported by
 * anything but tests.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

export type PageRow = { pageno: number; ncell: number; path: string; pagetype: string };

/** The pages of a table or index, in key order (a b-tree's leaves from left to right). */
export function pagesOf(file: string, name: string): PageRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT pageno, ncell, path, pagetype FROM dbstat WHERE name = ? ORDER BY path').all(name) as PageRow[];
  } finally {
    db.close();
  }
}

/**
 * The leaves of a rowid table, each with the rowids it holds: a table's b-tree keeps its rows in its leaves
 * only, in rowid order, so the leaves in key order (dbstat's path) hold the rows in rowid order, page by page.
 * A table of one page is its own root, and that page is its one leaf.
 */
export function leavesOf(file: string, table: string): { pageno: number; rowids: number[] }[] {
  const db = new Database(file, { readonly: true });
  try {
    const rowids = db.prepare(`SELECT _rowid_ FROM "${table}" ORDER BY _rowid_`).pluck().all() as number[];
    const pages = db.prepare('SELECT pageno, ncell, pagetype FROM dbstat WHERE name = ? ORDER BY path').all(table) as PageRow[];
    const leaves = pages.length === 1 ? pages : pages.filter((p) => p.pagetype === 'leaf');
    let at = 0;
    const out = leaves.map((l) => ({ pageno: l.pageno, rowids: rowids.slice(at, (at += l.ncell)) }));
    if (at !== rowids.length) throw new Error(`${table}: the leaves hold ${at} rows, the table ${rowids.length}`);
    return out;
  } finally {
    db.close();
  }
}

/** The leaf `part` of the way along a table (0: the first, 0.5: the middle one). */
export function leafAt(file: string, table: string, part: number): { pageno: number; rowids: number[] } {
  const leaves = leavesOf(file, table);
  return leaves[Math.min(leaves.length - 1, Math.floor(leaves.length * part))]!;
}

/** Overwrites whole pages of the (closed) store, 1-based as SQLite numbers them. */
export function spoil(file: string, ...pages: number[]): void {
  const db = new Database(file, { readonly: true });
  const size = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  try {
    for (const page of pages) writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (page - 1) * size);
  } finally {
    closeSync(fd);
  }
}

/**
 * A leaf of a rowid table as the disk last wrote it before rows were appended to it: a write acknowledged and
 * never made leaves the page's older content, which reads whole (no error) and holds only its first `keep`
 * rows. Made by cutting the page's cell count (its header, 8 bytes from the start of any page but the first),
 * the rows after `keep` left where they were as bytes no cell points at.
 */
export function withOnlyFirstRows(file: string, pageno: number, keep: number): void {
  if (pageno === 1) throw new Error('page 1 holds the file header first');
  const db = new Database(file, { readonly: true });
  const size = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  try {
    const page = Buffer.alloc(size);
    readSync(fd, page, 0, size, (pageno - 1) * size);
    if (page[0] !== 0x0d) throw new Error(`page ${pageno} is not a leaf of a rowid table`);
    const cells = page.readUInt16BE(3);
    if (keep < 1 || keep >= cells) throw new Error(`page ${pageno} has ${cells} rows: keep 1 to ${cells - 1}`);
    page.writeUInt16BE(keep, 3);
    page.fill(0, 8 + 2 * keep, 8 + 2 * cells);
    writeSync(fd, page, 0, size, (pageno - 1) * size);
  } finally {
    closeSync(fd);
  }
}

export function rowsOf(file: string, sql: string, ...params: unknown[]): any[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

/** SQLite's word on a file: `ok`, what it found, or the error it stopped with. */
export function quickCheck(file: string): string {
  try {
    return rowsOf(file, 'PRAGMA quick_check').map((r) => r.quick_check).join('; ');
  } catch (err) {
    return (err as Error).message;
  }
}
