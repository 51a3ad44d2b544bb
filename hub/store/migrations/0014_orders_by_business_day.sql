-- Today's bills list one business day's orders newest first, a page at a time from a cursor: along this
-- index a page reads its own rows, whatever the store's history (hub/store/order-repo.ts, `listSql`).
CREATE INDEX `orders_day_created` ON `orders` (`business_date`,`created_at`);
