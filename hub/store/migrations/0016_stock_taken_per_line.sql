-- The portions each line took when it was ordered, so that a void gives back exactly those (hub/store/schema.ts).
CREATE TABLE `stock_taken` (
	`line_id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`qty` integer NOT NULL
);
