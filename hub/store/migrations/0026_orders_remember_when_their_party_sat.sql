-- When the party now holding an order sat down at its table: placed there, or moved there. A reopened bill was
-- put back beside a party moved to its table after it closed (their order, placed earlier at another table,
-- looked like the same party's separate check). An order from before is taken as seated when it was placed:
-- whether it moved since, the store never kept.
ALTER TABLE `orders` ADD `seated_at` integer;--> statement-breakpoint
UPDATE `orders` SET `seated_at` = `created_at`;
