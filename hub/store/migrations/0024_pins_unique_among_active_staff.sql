DROP INDEX `staff_pin_hash_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `staff_active_pin` ON `staff` (`pin_hash`) WHERE "staff"."active" = 1;