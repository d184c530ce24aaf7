-- Row counts per table and the latest import of each kind.
WITH counts AS (
    SELECT 'businesses' AS "table", count(*) AS "rows" FROM businesses
    UNION ALL SELECT 'permits', count(*) FROM permits
    UNION ALL SELECT 'complaints', count(*) FROM complaints
    UNION ALL SELECT 'inspections', count(*) FROM inspections
    UNION ALL SELECT 'penalties', count(*) FROM penalties
    UNION ALL SELECT 'credit_classes', count(*) FROM credit_classes
    UNION ALL SELECT 'rejects', count(*) FROM rejects
),
matched AS (
    SELECT count(business_id) AS matched, count(*) FILTER (WHERE target_name IS NOT NULL) AS named
    FROM complaints
)
SELECT c."table", c."rows",
       CASE WHEN c."table" = 'complaints' AND m.named > 0 THEN m.matched / m.named END AS match_rate
FROM counts AS c
CROSS JOIN matched AS m
