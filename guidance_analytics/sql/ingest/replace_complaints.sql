-- Remove the stored work orders whose newer rows are staged (inserted next by
-- ingest/insert_complaints: the table has no key index for INSERT OR REPLACE, see migration 009).
DELETE FROM complaints
WHERE order_no IN (SELECT order_no FROM staged)
