CREATE TABLE `unrecorded_card_charges` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`order_number` integer,
	`amount_minor` integer NOT NULL,
	`reference` text,
	`device_id` text,
	`refusal_code` text NOT NULL,
	`refusal_message` text NOT NULL,
	`created_at` integer NOT NULL,
	`resolved_at` integer,
	`resolved_by` text,
	`resolution_note` text
);
--> statement-breakpoint
CREATE INDEX `unrecorded_card_charges_open` ON `unrecorded_card_charges` (`created_at`) WHERE "unrecorded_card_charges"."resolved_at" IS NULL;