-- The newest dated record of any kind: the next planning date follows it.
WITH newest AS (
    SELECT max(received_at)::DATE AS day FROM complaints
    UNION ALL SELECT max(inspected_on) FROM inspections
    UNION ALL SELECT max(decided_on) FROM penalties
    UNION ALL SELECT max(decision_date) FROM permits
)
SELECT max(day) AS newest FROM newest
