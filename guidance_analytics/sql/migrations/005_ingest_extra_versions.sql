-- Issue 11: columns the schema does not map are kept per row in `extra` (JSON text, personal
-- columns removed); work orders keep their 工单状态 and the export's update time (from a column
-- such as 数据更新时间戳), which with 办结时间 and re-open markers decide which state is newer.
ALTER TABLE permits ADD COLUMN IF NOT EXISTS extra VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS extra VARCHAR;
ALTER TABLE inspections ADD COLUMN IF NOT EXISTS extra VARCHAR;
ALTER TABLE penalties ADD COLUMN IF NOT EXISTS extra VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS status VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP;

-- Natural key, content hash and version (newer-content rule) of every stored record, by kind:
-- `version` is 办结时间 for work orders, `updated_at` the export's own update time, `status` the
-- 工单状态 (re-open markers); `business_id` the business a licence, inspection or penalty belongs to
-- (its old business when an import replaces the record).
CREATE OR REPLACE VIEW record_versions AS
SELECT 'permits' AS kind, permit_key AS key, row_hash, NULL::TIMESTAMP AS version,
       NULL::TIMESTAMP AS updated_at, NULL::VARCHAR AS status, business_id
FROM permits
UNION ALL
SELECT 'complaints', order_no, row_hash, closed_at, updated_at, status, NULL::VARCHAR FROM complaints
UNION ALL
SELECT 'inspections', inspection_no, row_hash, NULL::TIMESTAMP, NULL::TIMESTAMP, NULL::VARCHAR, business_id
FROM inspections
UNION ALL
SELECT 'penalties', decision_no, row_hash, NULL::TIMESTAMP, NULL::TIMESTAMP, NULL::VARCHAR, business_id
FROM penalties;

-- Rejected rows are de-duplicated by the insert itself (an anti-join on kind and row_hash), not
-- by a primary-key index: keeping that index cost as much as the rest of storing a rejected row.
CREATE TABLE rejects_unindexed AS SELECT * FROM rejects;
DROP TABLE rejects;
ALTER TABLE rejects_unindexed RENAME TO rejects;
