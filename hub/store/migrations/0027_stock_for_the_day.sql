-- A dish's count and sold-out switch are the business day's (`today`, the default) or hold until a manager
-- changes them (`until_changed`): a dish sold out at 21:00 stayed off at the next day's lunch. `stock_set_on`
-- is the business day the manager last set them; the reset at the next day's start clears it, so it runs
-- once. Dishes counted or switched off before this migration have none: they stay as they are until a
-- manager changes them once (a hub upgraded at 15:00 must not put back on sale a dish sold out at noon).
ALTER TABLE `items` ADD `stock_for` text DEFAULT 'today' NOT NULL;--> statement-breakpoint
ALTER TABLE `items` ADD `stock_set_on` text;--> statement-breakpoint
CREATE INDEX `stock_taken_item` ON `stock_taken` (`item_id`);