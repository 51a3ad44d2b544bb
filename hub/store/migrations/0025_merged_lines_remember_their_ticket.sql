ALTER TABLE `order_lines` ADD `merged_from_order_id` text;--> statement-breakpoint
ALTER TABLE `order_lines` ADD `merged_from_number` integer;--> statement-breakpoint
ALTER TABLE `order_lines` ADD `merged_from_table_id` text;