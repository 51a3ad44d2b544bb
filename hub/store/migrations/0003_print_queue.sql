CREATE TABLE `print_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idempotency_key` text NOT NULL,
	`kind` text NOT NULL,
	`order_id` text,
	`order_number` text,
	`station_id` text,
	`printer_id` text,
	`state` text NOT NULL,
	`document` text NOT NULL,
	`source_seq` integer,
	`possible_duplicate` integer DEFAULT false NOT NULL,
	`reprint_of` integer,
	`reprint_number` integer,
	`moved_from_job_id` integer,
	`moved_from_printer` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`uncertain_count` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	`confirmed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `print_jobs_key` ON `print_jobs` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `print_jobs_printer` ON `print_jobs` (`printer_id`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `print_jobs_state` ON `print_jobs` (`state`);--> statement-breakpoint
CREATE INDEX `print_jobs_order` ON `print_jobs` (`order_id`) WHERE "print_jobs"."order_id" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `printers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`host` text NOT NULL,
	`port` integer NOT NULL,
	`encoding` text NOT NULL,
	`width_chars` integer NOT NULL,
	`stations` text NOT NULL,
	`backup_printer_id` text,
	`buzzer` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`simulated` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
