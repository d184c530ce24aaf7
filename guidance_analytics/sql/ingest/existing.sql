-- Stored key, content hash and version for the keys of the batch being imported ($keys: a list).
WITH batch_keys AS (
    SELECT DISTINCT unnest($keys::VARCHAR[]) AS key
),
stored AS (
    SELECT key, row_hash, version FROM record_versions WHERE kind = $kind
)
SELECT stored.key, stored.row_hash, stored.version
FROM stored
JOIN batch_keys USING (key)
