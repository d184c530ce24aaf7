-- The newest outcome date in the workspace (inspections, penalties, complaints): the default
-- follow-up cut-off, so that months without data are never read as months without violations.
WITH days AS (
    SELECT max(inspected_on) AS day FROM inspections
    UNION ALL
    SELECT max(decided_on) FROM penalties
    UNION ALL
    SELECT max(received_at)::DATE FROM complaints
)
SELECT max(day) AS data_end FROM days
