-- Monthly outcome counts per business from $start (a month start) up to $as_of (inclusive):
-- violations (inspections of severity >= 1 in the view inspection_severity, plus penalties),
-- penalties, substantiated complaints (verification result in $substantiated), inspections and
-- referrals (inspections 移送立案, severity 3: a penalty usually follows weeks later).
-- One row per business and month with at least one event; months are numbered from $start
-- (0 = the month of $start). Events after $as_of are never read.
WITH events AS (
    SELECT business_id, inspected_on AS day,
           CASE WHEN severity >= 1 THEN 1 ELSE 0 END AS violation,
           0 AS penalty, 0 AS complaint, 1 AS inspection,
           CASE WHEN severity >= 3 THEN 1 ELSE 0 END AS referral
    FROM inspection_severity
    WHERE business_id IS NOT NULL AND inspected_on >= $start AND inspected_on <= $as_of
    UNION ALL
    SELECT business_id, decided_on, 1, 1, 0, 0, 0
    FROM penalty_violations
    WHERE business_id IS NOT NULL AND decided_on >= $start AND decided_on <= $as_of
    UNION ALL
    SELECT business_id, received_at::DATE, 0, 0, 1, 0, 0
    FROM complaints
    WHERE business_id IS NOT NULL AND received_at::DATE >= $start AND received_at::DATE <= $as_of
      AND list_contains($substantiated, substantiated)
),
numbered AS (
    SELECT business_id,
           (year(day) - year($start::DATE)) * 12 + month(day) - month($start::DATE) AS month_no,
           violation, penalty, complaint, inspection, referral
    FROM events
)
SELECT business_id, month_no,
       sum(violation)::INTEGER AS violations,
       sum(penalty)::INTEGER AS penalties,
       sum(complaint)::INTEGER AS substantiated_complaints,
       sum(inspection)::INTEGER AS inspections,
       sum(referral)::INTEGER AS referrals
FROM numbered
GROUP BY business_id, month_no
ORDER BY business_id, month_no
