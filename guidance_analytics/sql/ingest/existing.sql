-- Stored key, content hash, version (办结时间, update time, 工单状态) and business of every record kind
-- for the keys of the batch being imported (the staged relation batch_keys, one column `key`);
-- the caller keeps the rows of its own kind. (Keys come as a relation, not a list parameter:
-- binding a list of 50 000 strings costs more than the join.)
WITH stored AS (
    SELECT kind, key, row_hash, version, updated_at, status, business_id FROM record_versions
)
SELECT s.kind, s.key, s.row_hash, s.version, s.updated_at, s.status, s.business_id
FROM stored AS s
SEMI JOIN batch_keys AS b ON s.key = b.key
