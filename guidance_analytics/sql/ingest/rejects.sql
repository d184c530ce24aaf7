-- Keep rejected rows whole: `raw` is the row as JSON under the file's own headers (personal
-- columns removed); the same raw row rejected again is stored once.
WITH incoming AS (
    SELECT kind, source_file, row_number, reason, to_json(raw)::VARCHAR AS raw, imported_at
    FROM staged_rejects
)
INSERT OR IGNORE INTO rejects BY NAME
SELECT kind, source_file, row_number, reason, raw, sha1(raw) AS row_hash, imported_at
FROM incoming
