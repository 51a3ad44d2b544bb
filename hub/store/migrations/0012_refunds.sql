-- Refunds: money given back on one payment, a row of its own (payments are never changed). An order's
-- paid amount is its payments less its refunds; a merge moves a payment's refunds with it (order_id).
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`payment_id` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`lines` text DEFAULT '[]' NOT NULL,
	`reference` text,
	`reason` text NOT NULL,
	`created_at` integer NOT NULL,
	`staff_id` text,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `refunds_order` ON `refunds` (`order_id`);