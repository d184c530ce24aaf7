-- Industry division and township of every business, for hypothetical cases given by the caller
-- (the same definitions as effects_entries.sql and effects_pool.sql use).
WITH units AS (
    SELECT business_id, coalesce(left(industry_code, 2), '') AS division, township
    FROM businesses
)
SELECT business_id, division, township
FROM units
