-- Register entries to follow up (not voided), with what the estimate and the follow-up list read:
-- 指导方式, 实施科室 (unit), 指导结果 (result, effect), the stored risk score and, for a list drawn
-- at random, the draw and the row's inclusion probability.
SELECT e.year, e.seq, e.guided_on, e.method, e.business_id, e.unit, e.result, e.effect,
       e.result_at, e.score, e.draw_id, e.inclusion_prob, e.catalog_item, e.matter
FROM register_entries AS e
WHERE e.status <> '已作废'
ORDER BY e.guided_on, e.year, e.seq
