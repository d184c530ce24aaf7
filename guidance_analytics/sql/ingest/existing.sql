-- Stored key, content hash, version (办结时间, update time, 工单状态) and business for the keys of the batch
-- being imported ($keys: a list).
WITH batch_keys AS (
    SELECT DISTINCT unnest($keys::VARCHAR[]) AS key
),
stored AS (
    SELECT key, row_hash, version, updated_at, status, business_id FROM record_versions WHERE kind = $kind
)
SELECT stored.key, stored.row_hash, stored.version, stored.updated_at, stored.status, stored.business_id
FROM stored
JOIN batch_keys USING (key)
