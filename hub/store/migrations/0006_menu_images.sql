CREATE TABLE `media_images` (
	`hash` text PRIMARY KEY NOT NULL,
	`widths` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`color` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `items` ADD `image_hash` text REFERENCES media_images(hash);