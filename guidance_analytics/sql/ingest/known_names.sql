-- Normalised name → business_id of the stored businesses, coded ones last (so they win in a dict).
WITH named AS (
    SELECT name_norm, business_id, uscc IS NOT NULL AS coded
    FROM businesses
    WHERE name_norm IS NOT NULL
)
SELECT name_norm, business_id, coded FROM named
ORDER BY coded
