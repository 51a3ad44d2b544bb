import { createHash } from 'node:crypto';
import { indexMenu, type MenuIndex } from '../domain/menu-index.ts';
import type { MenuImageRepo } from '../domain/menu-images.ts';
import type { StockCountRepo } from '../domain/menu-service.ts';
import type { MenuRepo, StockRepo } from '../domain/ports.ts';
import type { StockDayRepo } from '../domain/stock-day.ts';
import type { Menu, MenuImage, MenuItem, StockFor, UpdateMenuItem } from '../protocol/menu.ts';
import type { Db } from './db.ts';

interface ItemRow extends Omit<MenuItem, 'optionGroupIds' | 'available' | 'image' | 'stockFor'> {
  available: number;
  stockFor: StockFor;
  imageHash: string | null;
  imageWidths: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
  imageColor: string | null;
}

const ITEM_COLUMNS = `i.id, i.category_id AS categoryId, i.name_zh AS nameZh, i.name_en AS nameEn, i.description_zh AS descriptionZh,
  i.description_en AS descriptionEn, i.price_minor AS priceMinor, i.station_id AS stationId, i.available, i.remaining,
  i.target_prep_seconds AS targetPrepSeconds, i.sort, i.stock_for AS stockFor, i.image_hash AS imageHash, m.widths AS imageWidths,
  m.width AS imageWidth, m.height AS imageHeight, m.color AS imageColor`;
const ITEM_FROM = 'items i LEFT JOIN media_images m ON m.hash = i.image_hash';
/** The items whose count or switch was for a business day before `?` and are not back to normal yet. */
const DAY_OVER = "stock_for = 'today' AND stock_set_on < ? AND (available = 0 OR remaining IS NOT NULL)";

function itemOf(row: ItemRow, optionGroupIds: string[]): MenuItem {
  const { imageHash, imageWidths, imageWidth, imageHeight, imageColor, available, ...rest } = row;
  const image: MenuImage | null =
    imageHash && imageWidths && imageWidth && imageHeight && imageColor
      ? { hash: imageHash, widths: imageWidths.split(',').map(Number), width: imageWidth, height: imageHeight, color: imageColor }
      : null;
  return { ...rest, available: available === 1, optionGroupIds, image };
}

/**
 * The menu as the order path and the public endpoint need it: an index for pricing and one serialised JSON
 * body with its ETag, rebuilt only when a menu write marks it stale — not per request.
 */
export class MenuCatalog implements MenuRepo, MenuImageRepo, StockRepo, StockCountRepo, StockDayRepo {
  private cached: { index: MenuIndex; json: string; etag: string } | undefined;
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly epoch: string,
    private readonly currency: string,
  ) {
    this.s = {
      version: db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'menu_version'").pluck(),
      bump: db.prepare("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'menu_version'"),
      item: db.prepare(`SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE i.id = ?`),
      putImage: db.prepare(
        'INSERT OR IGNORE INTO media_images (hash, widths, width, height, color, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      setImage: db.prepare('UPDATE items SET image_hash = ? WHERE id = ?'),
      itemGroups: db.prepare('SELECT group_id FROM item_option_groups WHERE item_id = ? ORDER BY sort').pluck(),
      remaining: db.prepare('SELECT remaining FROM items WHERE id = ?').pluck(),
      setRemaining: db.prepare('UPDATE items SET remaining = ? WHERE id = ?'),
      recordTaken: db.prepare('INSERT INTO stock_taken (line_id, item_id, qty) VALUES (?, ?, ?)'),
      taken: db.prepare('DELETE FROM stock_taken WHERE line_id = ? RETURNING line_id AS lineId, item_id AS itemId, qty'),
      forgetTaken: db.prepare('DELETE FROM stock_taken WHERE item_id = ?'),
      // few rows (the dishes set for an earlier day): a scan of the menu once a day, and a cheap one
      dayOver: db.prepare(`UPDATE items SET available = 1, remaining = NULL, stock_set_on = NULL WHERE ${DAY_OVER} RETURNING id`).pluck(),
      anyDayOver: db.prepare(`SELECT 1 FROM items WHERE ${DAY_OVER} LIMIT 1`).pluck(),
    };
  }

  /** The current menu; rebuilt from the store when stale (also inside a transaction, seeing its writes). */
  current(): { index: MenuIndex; json: string; etag: string } {
    if (!this.cached) {
      const menu = this.load();
      const json = JSON.stringify({ menu });
      const hash = createHash('sha1').update(json).digest('base64url').slice(0, 16);
      this.cached = { index: indexMenu(menu), json, etag: `"${this.epoch}-${menu.version}-${hash}"` };
    }
    return this.cached;
  }

  /** Drop the cached menu; the next read rebuilds it. Called after menu writes and after any rollback. */
  invalidate(): void {
    this.cached = undefined;
  }

  remaining(itemIds: Iterable<string>): Map<string, number | null> {
    const out = new Map<string, number | null>();
    for (const id of itemIds) out.set(id, (this.s.remaining.get(id) as number | null | undefined) ?? null);
    return out;
  }

  setRemaining(updates: ReadonlyMap<string, number>): void {
    for (const [id, remaining] of updates) this.s.setRemaining.run(remaining, id);
    this.changed();
  }

  recordTaken(taken: readonly { lineId: string; itemId: string; qty: number }[]): void {
    for (const t of taken) this.s.recordTaken.run(t.lineId, t.itemId, t.qty);
  }

  releaseTaken(lineIds: readonly string[]): { lineId: string; itemId: string; qty: number }[] {
    return lineIds.flatMap((id) => this.s.taken.all(id) as { lineId: string; itemId: string; qty: number }[]);
  }

  anyBefore(today: string): boolean {
    return this.s.anyDayOver.get(today) !== undefined;
  }

  forgetTaken(itemId: string): void {
    this.s.forgetTaken.run(itemId);
  }

  resetBefore(today: string): MenuItem[] {
    const ids = this.s.dayOver.all(today) as string[];
    if (ids.length === 0) return [];
    for (const id of ids) this.s.forgetTaken.run(id);
    this.changed();
    return ids.map((id) => this.item(id)!);
  }

  /** Without `businessDay` (tests setting up a menu), a count or switch set here is kept until changed. */
  updateItem(id: string, patch: UpdateMenuItem, businessDay?: string): MenuItem | undefined {
    if (!this.s.item.get(id)) return undefined;
    const columns: Record<keyof UpdateMenuItem, string> = {
      nameZh: 'name_zh',
      nameEn: 'name_en',
      priceMinor: 'price_minor',
      available: 'available',
      remaining: 'remaining',
      targetPrepSeconds: 'target_prep_seconds',
      stockFor: 'stock_for',
    };
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof UpdateMenuItem, unknown][];
    const setsStock = entries.some(([k]) => k === 'available' || k === 'remaining' || k === 'stockFor');
    const set = [...entries.map(([k]) => `${columns[k]} = ?`), ...(setsStock ? ['stock_set_on = ?'] : [])].join(', ');
    const values = [...entries.map(([, v]) => (typeof v === 'boolean' ? Number(v) : v)), ...(setsStock ? [businessDay ?? null] : [])];
    this.db.prepare(`UPDATE items SET ${set} WHERE id = ?`).run(...values, id);
    this.changed();
    return this.item(id);
  }

  setItemImage(id: string, image: MenuImage | null, now: number): MenuItem | undefined {
    if (!this.s.item.get(id)) return undefined;
    if (image) this.s.putImage.run(image.hash, image.widths.join(','), image.width, image.height, image.color, now);
    this.s.setImage.run(image?.hash ?? null, id);
    this.changed();
    return this.item(id);
  }

  private changed(): void {
    this.s.bump.run();
    this.invalidate();
  }

  private item(id: string): MenuItem | undefined {
    const row = this.s.item.get(id) as ItemRow | undefined;
    return row && itemOf(row, this.s.itemGroups.all(id) as string[]);
  }

  private load(): Menu {
    const db = this.db;
    const groupIdsByItem = new Map<string, string[]>();
    for (const r of db.prepare('SELECT item_id AS itemId, group_id AS groupId FROM item_option_groups ORDER BY item_id, sort').all() as {
      itemId: string;
      groupId: string;
    }[]) {
      const list = groupIdsByItem.get(r.itemId) ?? [];
      list.push(r.groupId);
      groupIdsByItem.set(r.itemId, list);
    }
    const options = db
      .prepare('SELECT id, group_id AS groupId, name_zh AS nameZh, name_en AS nameEn, price_delta_minor AS priceDeltaMinor FROM options ORDER BY sort')
      .all() as { id: string; groupId: string; nameZh: string; nameEn: string; priceDeltaMinor: number }[];
    const groups = db
      .prepare('SELECT id, name_zh AS nameZh, name_en AS nameEn, min_choices AS minChoices, max_choices AS maxChoices FROM option_groups ORDER BY sort')
      .all() as Omit<Menu['optionGroups'][number], 'options'>[];
    return {
      version: this.s.version.get() as number,
      currency: this.currency,
      stations: db
        .prepare('SELECT id, name_zh AS nameZh, name_en AS nameEn, target_prep_seconds AS targetPrepSeconds FROM stations ORDER BY id')
        .all() as Menu['stations'],
      categories: db.prepare('SELECT id, name_zh AS nameZh, name_en AS nameEn, sort FROM categories ORDER BY sort').all() as Menu['categories'],
      optionGroups: groups.map((g) => ({
        ...g,
        options: options.filter((o) => o.groupId === g.id).map(({ groupId: _, ...o }) => o),
      })),
      items: (db.prepare(`SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} ORDER BY i.category_id, i.sort`).all() as ItemRow[]).map((r) =>
        itemOf(r, groupIdsByItem.get(r.id) ?? []),
      ),
    };
  }
}
