-- Register entries that start a cooldown: not voided, guided within $days days before $as_of (or
-- planned after it). Parameters: $as_of DATE, $days INTEGER.
WITH entries AS (
    SELECT business_id, method, catalog_item, guided_on, status
    FROM register_entries
    WHERE coalesce(status, '') <> '已作废'
)
SELECT business_id, method, catalog_item, CAST(guided_on AS TIMESTAMP) AS guided_on
FROM entries
WHERE guided_on >= $as_of - $days
