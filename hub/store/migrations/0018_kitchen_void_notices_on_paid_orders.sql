-- The kitchen snapshot carries void notices of paid orders too (a line voided while cooking, the bill then
-- closed): the index of recent voids becomes one of recent voided and closed orders (hub/store/order-repo.ts).
DROP INDEX `orders_voided`;--> statement-breakpoint
CREATE INDEX `orders_done_updated` ON `orders` (`updated_at`) WHERE "orders"."status" IN ('voided', 'closed');
