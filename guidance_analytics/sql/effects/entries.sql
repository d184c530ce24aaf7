-- Register entries to follow up (not voided), with the industry division and township used for
-- matching: the business table's current values first (the same source as the controls'), else
-- the values copied into the entry.
WITH entries AS (
    SELECT e.year, e.seq, e.guided_on, e.method, e.business_id,
           coalesce(b.industry_code, e.industry_code) AS industry_code,
           coalesce(b.township, e.township) AS township
    FROM register_entries AS e
    LEFT JOIN businesses AS b USING (business_id)
    WHERE e.status <> '已作废'
)
SELECT year, seq, guided_on, method, business_id,
       coalesce(left(industry_code, 2), '') AS division, township
FROM entries
ORDER BY guided_on, year, seq
