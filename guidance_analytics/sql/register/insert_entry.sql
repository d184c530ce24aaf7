-- One register entry (inside the add transaction).
INSERT INTO register_entries (
    year, seq, guided_on, matter, result, effect, officers, method, business_id, target_name, uscc,
    township, industry_code, unit, catalog_item, legal_basis, issue, problem, opinion, place,
    reasons, evidence, score, as_of, remarks, dedup_key, source, status, created_by, created_at,
    starts_at, draw_id, inclusion_prob, channel, decision_no
) VALUES (
    $year, $seq, $guided_on, $matter, NULL, NULL, $officers, $method, $business_id, $target_name,
    $uscc, $township, $industry_code, $unit, $catalog_item, $legal_basis, $issue, $problem,
    $opinion, $place, $reasons, $evidence, $score, $as_of, $remarks, $dedup_key, $source,
    '已登记', $created_by, $created_at, $starts_at,
    $draw_id, $inclusion_prob, $channel, $decision_no
)
