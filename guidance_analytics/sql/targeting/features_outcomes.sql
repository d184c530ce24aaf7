-- What happened to each business in the outcome window [as_of, as_of + $horizon_months) after
-- each planning date. An outcome counts only if it was known before $known_before (the scoring
-- date when building training labels; far future for backtests): inspections and penalties by
-- their date, a complaint's 是否属实 by closed_at (else received_at). Inspections of the types in
-- $skip_types (许可勘验) are not counted; 双随机抽查 inspections are also counted apart (the
-- unbiased random draw).
-- Parameters: $dates DATE[], $horizon_months INTEGER, $known_before DATE, $skip_types VARCHAR[],
-- $inspected_only BOOLEAN (keep businesses inspected in the window), $sample_share DOUBLE (the
-- same deterministic hash sample as features_panel.sql; 1 = all).
WITH dates AS (
    SELECT DISTINCT d AS as_of, CAST(d + to_months($horizon_months) AS DATE) AS until
    FROM (SELECT unnest($dates::DATE[]) AS d)
),
insp AS (
    SELECT business_id, inspected_on AS d, severity, coalesce(inspection_type, '') = '双随机抽查' AS is_random
    FROM inspection_severity
    WHERE business_id IS NOT NULL AND inspected_on IS NOT NULL AND inspected_on < $known_before
      AND NOT list_contains($skip_types::VARCHAR[], coalesce(inspection_type, ''))
),
pen AS (
    SELECT business_id, decided_on AS d FROM penalty_violations
    WHERE business_id IS NOT NULL AND decided_on IS NOT NULL AND decided_on < $known_before
),
cmp AS (
    SELECT business_id, CAST(received_at AS DATE) AS d,
           substantiated IN ('属实', '部分属实') AS is_sub
    FROM complaints
    WHERE business_id IS NOT NULL AND received_at IS NOT NULL AND substantiated IS NOT NULL
      AND CAST(coalesce(closed_at, received_at) AS DATE) < $known_before
      AND (request_type IS NULL OR request_type IN ('投诉', '举报'))
),
events AS (
    SELECT business_id, d, 1 AS inspected, severity, CAST(is_random AS INTEGER) AS random,
           0 AS penalty, 0 AS checked_complaint, 0 AS sub
    FROM insp
    UNION ALL SELECT business_id, d, 0, NULL, 0, 1, 0, 0 FROM pen
    UNION ALL SELECT business_id, d, 0, NULL, 0, 0, 1, CAST(is_sub AS INTEGER) FROM cmp
)
SELECT e.business_id, dt.as_of,
       sum(e.inspected) AS inspections, min(e.d) FILTER (WHERE e.inspected = 1) AS first_inspected_on,
       count(*) FILTER (WHERE e.severity >= 1) AS problems_found,
       count(*) FILTER (WHERE e.severity >= 2) AS serious_found,
       coalesce(max(e.severity), -1) AS max_severity,
       sum(e.random) AS random_inspections,
       coalesce(max(e.severity) FILTER (WHERE e.random = 1), -1) AS random_max_severity,
       sum(e.penalty) AS penalties,
       sum(e.checked_complaint) AS complaints_checked, sum(e.sub) AS substantiated
FROM dates dt
JOIN events e ON e.d >= dt.as_of AND e.d < dt.until
WHERE $sample_share >= 1.0 OR (hash(e.business_id, dt.as_of) % 1000000) < $sample_share * 1000000
GROUP BY e.business_id, dt.as_of
HAVING NOT $inspected_only OR sum(e.inspected) > 0
