-- A charge recorded as an order's card payment leaves what the terminal holds beyond the payments when that
-- payment was taken, not when the manager said so the next morning: dated by the resolve, the day of the
-- payment counted it twice and the next day was short by it. The payment is named, so each is one charge's.
-- Rows settled before (this day's code dated them by the resolve) keep that date.
DROP INDEX `unrecorded_card_charges_resolved`;--> statement-breakpoint
ALTER TABLE `unrecorded_card_charges` ADD `resolution_payment_id` text;--> statement-breakpoint
ALTER TABLE `unrecorded_card_charges` ADD `settled_at` integer;--> statement-breakpoint
UPDATE `unrecorded_card_charges` SET `settled_at` = `resolved_at` WHERE `resolution_kind` IN ('refunded_on_terminal', 'recorded_as_payment');--> statement-breakpoint
CREATE INDEX `unrecorded_card_charges_settled` ON `unrecorded_card_charges` (`settled_at`);
