-- Interviews already booked (not voided), to keep new ones from clashing: their start, place and number.
WITH booked AS (
    SELECT year, seq, starts_at, place, target_name
    FROM register_entries
    WHERE method = '约谈' AND status <> '已作废' AND starts_at IS NOT NULL
      AND CAST(starts_at AS DATE) BETWEEN $first AND $last
)
SELECT year, seq, starts_at, place, target_name
FROM booked
ORDER BY starts_at
