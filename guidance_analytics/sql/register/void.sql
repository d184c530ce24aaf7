-- Void an entry: it stays in the register (and keeps its numbers) marked 已作废.
UPDATE register_entries
SET status = '已作废',
    void_by = $by_whom,
    void_at = $at,
    void_reason = $reason
WHERE year = $year AND seq = $seq
