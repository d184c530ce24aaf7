-- The audit trail, oldest first (optionally of one entry).
WITH trail AS (
    SELECT audit_id, year, seq, action, field, old_value, new_value, by_whom, reason, changed_at
    FROM register_audit
    WHERE ($year IS NULL OR year = $year) AND ($seq IS NULL OR seq = $seq)
)
SELECT year, seq, action, field, old_value, new_value, by_whom, reason, changed_at
FROM trail
ORDER BY audit_id
