-- The businesses with the most violations (inspections of severity >= 1, penalties) in the
-- $window_months months before $on: the picks of a simple "worst record" rule on that day. Used as
-- hypothetical cases to show regression to the mean; nobody was guided because of this query.
WITH violations AS (
    SELECT business_id, inspected_on AS day
    FROM inspection_severity
    WHERE business_id IS NOT NULL AND severity >= 1
    UNION ALL
    SELECT business_id, decided_on
    FROM penalty_violations
    WHERE business_id IS NOT NULL
),
recent AS (
    SELECT business_id, count(*) AS pre_violations
    FROM violations
    WHERE day >= ($on::DATE - to_months($window_months))::DATE AND day < $on::DATE
    GROUP BY business_id
)
SELECT business_id, $on::DATE AS guided_on, pre_violations
FROM recent
WHERE pre_violations >= $min_violations
-- ties in a pseudo-random but reproducible order (not by code: that would pick companies first)
ORDER BY pre_violations DESC, md5(business_id || strftime($on::DATE, '%Y-%m-%d'))
LIMIT $top
