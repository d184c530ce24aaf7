-- Entries that block a duplicate: everything not voided.
WITH active AS (
    SELECT year, seq, business_id, method, catalog_item, guided_on, dedup_key
    FROM register_entries
    WHERE status <> '已作废'
)
SELECT year, seq, business_id, method, catalog_item, guided_on, dedup_key
FROM active
