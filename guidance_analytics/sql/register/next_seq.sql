-- Next register 序号 of a year: entries are never deleted, so max + 1 is gapless.
WITH used AS (
    SELECT coalesce(max(seq), 0) AS last_seq
    FROM register_entries
    WHERE year = $year
)
SELECT last_seq + 1 AS next_seq
FROM used
