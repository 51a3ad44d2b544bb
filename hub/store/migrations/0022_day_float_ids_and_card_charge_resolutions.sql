-- A float names the one it replaces (`id`), so a float queued offline cannot silently replace one recorded
-- meanwhile: the floats recorded before get an id of their day. A card charge's resolution gets a kind the
-- day's takings can count (refunded on the terminal, recorded as an order's card payment, other): the ones
-- resolved before with a note only are `other`, which the takings count as they did.
ALTER TABLE `day_floats` ADD `id` text;--> statement-breakpoint
UPDATE `day_floats` SET `id` = 'float-' || `business_date`;--> statement-breakpoint
ALTER TABLE `unrecorded_card_charges` ADD `resolution_kind` text;--> statement-breakpoint
UPDATE `unrecorded_card_charges` SET `resolution_kind` = 'other' WHERE `resolved_at` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `unrecorded_card_charges` ADD `resolution_order_id` text;--> statement-breakpoint
ALTER TABLE `unrecorded_card_charges` ADD `resolution_order_number` integer;--> statement-breakpoint
CREATE INDEX `unrecorded_card_charges_resolved` ON `unrecorded_card_charges` (`resolved_at`);
