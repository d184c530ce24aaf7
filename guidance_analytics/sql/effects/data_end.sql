-- The oldest and the newest outcome date in the workspace (inspections, penalties, complaints):
-- data_end is the default follow-up cut-off, so that months without data are never read as months
-- without violations; data_start is the first month of the follow-up's monthly panel.
WITH days AS (
    SELECT min(inspected_on) AS first_day, max(inspected_on) AS last_day FROM inspections
    UNION ALL
    SELECT min(decided_on), max(decided_on) FROM penalties
    UNION ALL
    SELECT min(received_at)::DATE, max(received_at)::DATE FROM complaints
)
SELECT max(last_day) AS data_end, min(first_day) AS data_start FROM days
