-- One line of the audit trail.
INSERT INTO register_audit (year, seq, action, field, old_value, new_value, by_whom, reason, changed_at)
VALUES ($year, $seq, $action, $field, $old_value, $new_value, $by_whom, $reason, $at)
