-- Businesses known to the workspace among the given ids / credit codes / exact names
-- (rows matching none of them are refused as unknown).
WITH wanted AS (
    SELECT business_id, uscc, name, township, industry_code, subject_type, address
    FROM businesses
    WHERE list_contains($ids, business_id)
       OR (uscc IS NOT NULL AND list_contains($usccs, uscc))
       OR list_contains($names, name)
),
name_counts AS (
    SELECT name, count(*) AS n_same_name
    FROM businesses
    WHERE list_contains($names, name)
    GROUP BY name
)
SELECT w.business_id, w.uscc, w.name, w.township, w.industry_code, w.subject_type, w.address,
       coalesce(c.n_same_name, 0) AS n_same_name
FROM wanted AS w
LEFT JOIN name_counts AS c ON c.name = w.name
