-- The discount a manager granted is kept apart from the one the bill applies (`discount_minor`, capped at
-- the subtotal): a void that left less food than the discount used to cut it for good, and the bill kept
-- the smaller one when food was added back. Orders stored before carry only what applied: that is their grant.
ALTER TABLE `orders` ADD `discount_granted_minor` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `orders` SET `discount_granted_minor` = `discount_minor`;
