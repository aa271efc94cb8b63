-- Claiming a delivery sets `claimed_until` and `attempts`, neither of them indexed: with room left
-- on each page the new row version stays on the page (a HOT update) and none of the table's
-- four indexes is written. Full pages made every claim write four index entries, the unique
-- (activity_id, inbox_url) text index among them.
alter table deliveries set (fillfactor = 50);
