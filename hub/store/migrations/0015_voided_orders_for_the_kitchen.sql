-- The kitchen snapshot carries the orders voided lately while their food was on the screens, so a screen that
-- reloads still shows the cooks the void notice (hub/store/order-repo.ts, `listActive`). Only voided orders are
-- in this index: along `updated_at` it reads the last two hours' voids, whatever the store's history.
CREATE INDEX `orders_voided` ON `orders` (`updated_at`) WHERE "orders"."status" = 'voided';
