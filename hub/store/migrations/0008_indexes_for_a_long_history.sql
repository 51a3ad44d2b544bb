DROP INDEX `orders_status`;--> statement-breakpoint
DROP INDEX `orders_table`;--> statement-breakpoint
CREATE INDEX `orders_created` ON `orders` (`created_at`);--> statement-breakpoint
CREATE INDEX `orders_status` ON `orders` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_table` ON `orders` (`table_id`,`created_at`) WHERE "orders"."table_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `order_lines_status` ON `order_lines` (`status`,`ready_at`);--> statement-breakpoint
CREATE INDEX `print_jobs_reprint` ON `print_jobs` (`reprint_of`) WHERE "print_jobs"."reprint_of" IS NOT NULL;