-- Inspections in [$a, $b): bounds the size of the training panel.
WITH window_checks AS (
    SELECT inspection_no FROM inspections WHERE inspected_on >= $a AND inspected_on < $b
)
SELECT count(*) AS n FROM window_checks
