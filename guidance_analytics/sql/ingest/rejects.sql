-- Keep rejected rows whole: `raw` is the row as JSON under the file's own headers (personal
-- columns removed); the same raw row rejected again (same kind and row_hash) is stored once.
WITH incoming AS (
    SELECT kind, source_file, row_number, reason, to_json(raw)::VARCHAR AS raw, imported_at
    FROM staged_rejects
),
hashed AS (
    SELECT *, sha1(raw) AS row_hash FROM incoming
),
-- stored rows with one of this batch's hashes (the batch is the small side of the join)
seen AS (
    SELECT r.kind, r.row_hash
    FROM rejects AS r
    WHERE r.row_hash IN (SELECT row_hash FROM hashed)
),
fresh AS (
    SELECT DISTINCT ON (h.kind, h.row_hash) h.*
    FROM hashed AS h
    ANTI JOIN seen AS s ON s.kind = h.kind AND s.row_hash = h.row_hash
    ORDER BY h.kind, h.row_hash, h.row_number
)
INSERT INTO rejects BY NAME
SELECT kind, source_file, row_number, reason, raw, row_hash, imported_at
FROM fresh
ORDER BY row_number
