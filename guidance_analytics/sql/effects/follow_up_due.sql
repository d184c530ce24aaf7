-- Register entries (not voided) that need someone: 指导结果 still missing $result_days days after
-- the guidance date, or an entry of $revisit_methods with no later 案件回访 of the same business
-- $revisit_days days after it. One row per entry and reason, as of $as_of.
WITH live AS (
    SELECT * FROM register_entries WHERE status <> '已作废' AND guided_on <= $as_of
),
missing AS (
    SELECT year, seq, guided_on, method, business_id, target_name, unit, matter,
           'result' AS kind, (guided_on + to_days($result_days))::DATE AS due_on
    FROM live
    WHERE result IS NULL AND guided_on + to_days($result_days) <= $as_of
),
revisits AS (
    SELECT e.year, e.seq, e.guided_on, e.method, e.business_id, e.target_name, e.unit, e.matter,
           'revisit' AS kind, (e.guided_on + to_days($revisit_days))::DATE AS due_on
    FROM live AS e
    WHERE list_contains($revisit_methods, e.method)
      AND e.guided_on + to_days($revisit_days) <= $as_of
      AND NOT EXISTS (
          SELECT 1 FROM live AS r
          WHERE r.business_id = e.business_id AND r.method = '案件回访' AND r.guided_on > e.guided_on
      )
)
SELECT *, ($as_of::DATE - due_on) AS days_overdue
FROM (SELECT * FROM missing UNION ALL SELECT * FROM revisits)
ORDER BY due_on, year, seq, kind
