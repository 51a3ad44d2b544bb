import type { MenuItem } from '../../hub/protocol/index.ts';

/** A menu item for tests: a plain hot dish at ¥28, uncounted, no options, unless told otherwise. */
export const menuItem = (o: Partial<MenuItem> & { id: string }): MenuItem => ({
  categoryId: 'hot',
  nameZh: o.id,
  nameEn: o.id,
  descriptionZh: null,
  descriptionEn: null,
  priceMinor: 2800,
  stationId: 'hot',
  optionGroupIds: [],
  available: true,
  remaining: null,
  targetPrepSeconds: null,
  sort: 1,
  ...o,
});
