-- Issue 11 (csv import speed): work orders are stored without the PRIMARY KEY index on order_no.
-- DuckDB keeps a PRIMARY KEY as an ART index that every insert updates and every commit writes:
-- about a quarter of the cost of storing a 300 000-row work-order file. The import keeps the key
-- unique itself (one final row per key and batch; a stored key is deleted before its newer row is
-- inserted: ingest/replace_complaints.sql), and DuckDB cannot drop a constraint, so the table is
-- rebuilt with the same columns in the same order; the views over it bind by name.
CREATE TABLE complaints_rebuilt AS SELECT * FROM complaints;
DROP TABLE complaints;
ALTER TABLE complaints_rebuilt RENAME TO complaints;
