CREATE TABLE `day_floats` (
	`business_date` text PRIMARY KEY NOT NULL,
	`amount_minor` integer NOT NULL,
	`set_at` integer NOT NULL,
	`staff_id` text
);
--> statement-breakpoint
CREATE INDEX `unrecorded_card_charges_created` ON `unrecorded_card_charges` (`created_at`);