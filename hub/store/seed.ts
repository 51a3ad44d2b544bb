import type { Db } from './db.ts';
import { readIdentity } from './db.ts';
import { newQrToken, nodeSecrets } from './secrets.ts';
import type { SeedData } from './seed-types.ts';

export const isEmpty = (db: Db): boolean => db.prepare('SELECT COUNT(*) FROM items').pluck().get() === 0;

/** Loads a store's initial data into an empty database, all or nothing. */
export function loadSeed(db: Db, seed: SeedData): void {
  const { hashPin } = nodeSecrets(readIdentity(db).pinKey);
  const run = (sql: string, rows: object[]) => {
    const stmt = db.prepare(sql);
    for (const row of rows) stmt.run(row);
  };
  db.transaction(() => {
    run('INSERT INTO stations (id, name_zh, name_en, target_prep_seconds) VALUES (@id, @nameZh, @nameEn, @targetPrepSeconds)', seed.stations);
    run('INSERT INTO categories (id, name_zh, name_en, sort) VALUES (@id, @nameZh, @nameEn, @sort)', seed.categories);
    run(
      'INSERT INTO option_groups (id, name_zh, name_en, min_choices, max_choices, sort) VALUES (@id, @nameZh, @nameEn, @minChoices, @maxChoices, @sort)',
      seed.optionGroups.map((g, sort) => ({ ...g, sort })),
    );
    run(
      'INSERT INTO options (id, group_id, name_zh, name_en, price_delta_minor, sort) VALUES (@id, @groupId, @nameZh, @nameEn, @priceDeltaMinor, @sort)',
      seed.optionGroups.flatMap((g) => g.options.map((o, sort) => ({ ...o, groupId: g.id, sort }))),
    );
    run(
      `INSERT INTO items (id, category_id, name_zh, name_en, description_zh, description_en, price_minor, station_id, available,
         remaining, target_prep_seconds, sort)
       VALUES (@id, @categoryId, @nameZh, @nameEn, @descriptionZh, @descriptionEn, @priceMinor, @stationId, @available,
         @remaining, @targetPrepSeconds, @sort)`,
      seed.items.map((i) => ({
        id: i.id,
        categoryId: i.categoryId,
        nameZh: i.nameZh,
        nameEn: i.nameEn,
        descriptionZh: i.descriptionZh ?? null,
        descriptionEn: i.descriptionEn ?? null,
        priceMinor: i.priceMinor,
        stationId: i.stationId,
        available: i.available === false ? 0 : 1,
        remaining: i.remaining ?? null,
        targetPrepSeconds: i.targetPrepSeconds ?? null,
        sort: i.sort,
      })),
    );
    run(
      'INSERT INTO item_option_groups (item_id, group_id, sort) VALUES (@itemId, @groupId, @sort)',
      seed.items.flatMap((i) => i.optionGroupIds.map((groupId, sort) => ({ itemId: i.id, groupId, sort }))),
    );
    run('INSERT INTO areas (id, name_zh, name_en, sort) VALUES (@id, @nameZh, @nameEn, @sort)', seed.areas);
    run(
      'INSERT INTO dining_tables (id, area_id, name, seats, qr_token) VALUES (@id, @areaId, @name, @seats, @qrToken)',
      seed.tables.map((t) => ({ ...t, qrToken: newQrToken() })),
    );
    run(
      'INSERT INTO staff (id, name, role, pin_hash) VALUES (@id, @name, @role, @pinHash)',
      seed.staff.map((s) => ({ id: s.id, name: s.name, role: s.role, pinHash: hashPin(s.pin) })),
    );
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('store_name', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(`${seed.store.nameZh} ${seed.store.nameEn}`);
  })();
}
