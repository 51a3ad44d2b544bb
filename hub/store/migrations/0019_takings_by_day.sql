CREATE INDEX `payments_created` ON `payments` (`created_at`);--> statement-breakpoint
CREATE INDEX `refunds_created` ON `refunds` (`created_at`);