-- Issue 12 (the 2024–2025 rules): credit-risk classes as a fifth import kind (stored with their
-- date, so every use is as of a planning date); 不予处罚 decisions kept in `penalties` but marked
-- (`waiver`: 首违不罚 / 轻微违法不罚 / 不予处罚) and left out of every violation count through the
-- view `penalty_violations` (unless the import was configured to count them: `waiver_counted`);
-- register entries carry the channel of the contact (入企 / 到局 / 书面 / 电话 / 短信) and the
-- decision number an education or 信用修复 reminder answers.
CREATE TABLE IF NOT EXISTS credit_classes (
    class_key     VARCHAR PRIMARY KEY,
    business_id   VARCHAR,
    uscc          VARCHAR NOT NULL,
    uscc_check_ok BOOLEAN,
    name          VARCHAR,
    risk_class    VARCHAR NOT NULL,
    classified_on DATE NOT NULL,
    authority     VARCHAR,
    extra         VARCHAR,
    source_file   VARCHAR,
    row_hash      VARCHAR,
    imported_at   TIMESTAMP
);

ALTER TABLE penalties ADD COLUMN IF NOT EXISTS decision_type VARCHAR;
ALTER TABLE penalties ADD COLUMN IF NOT EXISTS waiver VARCHAR;
ALTER TABLE penalties ADD COLUMN IF NOT EXISTS waiver_counted BOOLEAN;
ALTER TABLE register_entries ADD COLUMN IF NOT EXISTS channel VARCHAR;
ALTER TABLE register_entries ADD COLUMN IF NOT EXISTS decision_no VARCHAR;

-- Penalty decisions that count as violations (hotspots, features, routing, effects).
CREATE OR REPLACE VIEW penalty_violations AS
SELECT * FROM penalties WHERE waiver IS NULL OR coalesce(waiver_counted, false);

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
FROM penalties
UNION ALL
SELECT 'credit_classes', class_key, row_hash, NULL::TIMESTAMP, NULL::TIMESTAMP, NULL::VARCHAR, business_id
FROM credit_classes;
