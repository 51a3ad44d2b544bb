ALTER TABLE `order_lines` ADD `seat` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `merged_into_order_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `bill_requested_at` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `lines` text DEFAULT '[]' NOT NULL;