-- Outcome counts before and after each case's date for the guided business and for every
-- eligible control. Needs two relations registered on the connection by effects.py:
--   effects_cases  (case_id, business_id, guided_on, division, township) — evaluable cases only
--   effects_guided (business_id, guided_on) — every guidance date known up to $as_of
-- A control shares the case's industry division, was first seen before the case date, and was
-- not guided in the W months up to and including it (nor in the W months after it when
-- $exclude_guided_after). Events after $as_of are never read.
WITH cases AS (
    SELECT case_id, business_id, division, township,
           guided_on::DATE AS t0,
           (guided_on::DATE - to_months($window_months))::DATE AS pre_start,
           (guided_on::DATE + to_months($window_months))::DATE AS post_end
    FROM effects_cases
),
units AS (
    SELECT business_id, coalesce(left(industry_code, 2), '') AS division, township, subject_type,
           first_seen
    FROM businesses
),
case_units AS (
    SELECT c.*, u.subject_type
    FROM cases AS c
    LEFT JOIN units AS u USING (business_id)
),
controls AS (
    SELECT c.case_id, u.business_id, FALSE AS is_case,
           (u.township IS NOT DISTINCT FROM c.township) AS same_township,
           (u.subject_type IS NOT DISTINCT FROM c.subject_type) AS same_subject_type
    FROM case_units AS c
    JOIN units AS u ON u.division = c.division AND u.business_id <> c.business_id
    WHERE (u.first_seen IS NULL OR u.first_seen < c.t0)
      AND NOT EXISTS (
          SELECT 1 FROM effects_guided AS g
          WHERE g.business_id = u.business_id
            AND g.guided_on >= c.pre_start
            AND (g.guided_on <= c.t0 OR ($exclude_guided_after AND g.guided_on < c.post_end))
      )
),
pairs AS (
    SELECT case_id, business_id, TRUE AS is_case, TRUE AS same_township, TRUE AS same_subject_type
    FROM cases
    UNION ALL
    SELECT case_id, business_id, is_case, same_township, same_subject_type FROM controls
),
events AS (
    SELECT business_id, inspected_on AS day,
           CASE WHEN severity >= 1 THEN 1 ELSE 0 END AS violation,
           0 AS penalty, 1 AS inspection, 0 AS complaint
    FROM inspection_severity
    WHERE business_id IS NOT NULL AND inspected_on <= $as_of
    UNION ALL
    SELECT business_id, decided_on, 1, 1, 0, 0
    FROM penalties
    WHERE business_id IS NOT NULL AND decided_on <= $as_of
    UNION ALL
    SELECT business_id, received_at::DATE, 0, 0, 0, 1
    FROM complaints
    WHERE business_id IS NOT NULL AND received_at::DATE <= $as_of
      AND list_contains($substantiated, substantiated)
),
windowed AS (
    SELECT p.case_id, p.business_id, p.is_case, p.same_township, p.same_subject_type,
           e.day < c.t0 AS is_pre, e.violation, e.penalty, e.inspection, e.complaint
    FROM pairs AS p
    JOIN cases AS c USING (case_id)
    LEFT JOIN events AS e
      ON e.business_id = p.business_id AND e.day >= c.pre_start AND e.day < c.post_end
),
counts AS (
    SELECT case_id, business_id, is_case, same_township, same_subject_type,
           coalesce(sum(violation) FILTER (WHERE is_pre), 0)::INTEGER AS pre_violations,
           coalesce(sum(violation) FILTER (WHERE NOT is_pre), 0)::INTEGER AS post_violations,
           coalesce(sum(penalty) FILTER (WHERE is_pre), 0)::INTEGER AS pre_penalties,
           coalesce(sum(penalty) FILTER (WHERE NOT is_pre), 0)::INTEGER AS post_penalties,
           coalesce(sum(complaint) FILTER (WHERE is_pre), 0)::INTEGER AS pre_substantiated_complaints,
           coalesce(sum(complaint) FILTER (WHERE NOT is_pre), 0)::INTEGER AS post_substantiated_complaints,
           coalesce(sum(inspection) FILTER (WHERE is_pre), 0)::INTEGER AS pre_inspections,
           coalesce(sum(inspection) FILTER (WHERE NOT is_pre), 0)::INTEGER AS post_inspections
    FROM windowed
    GROUP BY case_id, business_id, is_case, same_township, same_subject_type
)
SELECT * FROM counts
ORDER BY case_id, is_case DESC, business_id
