-- Record 指导结果 and 指导取得的效益、效果 of an entry.
UPDATE register_entries
SET result = $result,
    effect = coalesce($effect, effect),
    status = '已办结',
    result_at = $at
WHERE year = $year AND seq = $seq
