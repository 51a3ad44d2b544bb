-- The open-ticket count (every kiosk and QR order asks it, inside the write transaction) counts the distinct
-- orders of the lines in the kitchen: with order_id in the index it never reads the lines' rows.
DROP INDEX `order_lines_status`;--> statement-breakpoint
CREATE INDEX `order_lines_status` ON `order_lines` (`status`,`ready_at`,`order_id`);