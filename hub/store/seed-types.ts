/**
 * The shape of a store's initial data (demo menu, floor, staff). `scripts/seed/demo.ts` provides the
 * demo store; `hub/store/seed.ts` loads any `SeedData` into an empty database in one transaction.
 *
 * Ids are stable, human-readable slugs (`hot`, `kung-pao-chicken`) so tests, tickets and docs can name them.
 * Money is integer minor units (fen).
 */
export interface SeedData {
  store: { nameZh: string; nameEn: string };
  stations: SeedStation[];
  categories: SeedCategory[];
  optionGroups: SeedOptionGroup[];
  items: SeedItem[];
  areas: SeedArea[];
  tables: SeedTable[];
  staff: SeedStaff[];
}

export interface SeedStation {
  id: string;
  nameZh: string;
  nameEn: string;
  /** Default target preparation time for items of this station (KDS colours fall back to it). */
  targetPrepSeconds: number;
}

export interface SeedCategory {
  id: string;
  nameZh: string;
  nameEn: string;
  sort: number;
}

export interface SeedOptionGroup {
  id: string;
  nameZh: string;
  nameEn: string;
  minChoices: number;
  maxChoices: number;
  options: { id: string; nameZh: string; nameEn: string; priceDeltaMinor: number }[];
}

export interface SeedItem {
  id: string;
  categoryId: string;
  nameZh: string;
  nameEn: string;
  descriptionZh?: string;
  descriptionEn?: string;
  priceMinor: number;
  stationId: string;
  optionGroupIds: string[];
  /** Defaults to true. */
  available?: boolean;
  /** Remaining portions; absent/null means not counted. At 0 the item is sold out. */
  remaining?: number | null;
  /** Overrides the station's target prep time. */
  targetPrepSeconds?: number;
  sort: number;
}

export interface SeedArea {
  id: string;
  nameZh: string;
  nameEn: string;
  sort: number;
}

export interface SeedTable {
  id: string;
  areaId: string;
  /** Short label printed on the table and tickets, e.g. "A1". */
  name: string;
  seats: number;
}

export type StaffRole = 'waiter' | 'cashier' | 'kitchen' | 'manager';

export interface SeedStaff {
  id: string;
  name: string;
  role: StaffRole;
  /** 4–8 digits; stored hashed. Demo PINs are documented in the README. */
  pin: string;
}
