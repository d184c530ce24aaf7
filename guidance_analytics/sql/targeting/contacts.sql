-- The contact ledger: one row per business and calendar year with its inspections by check class
-- (日常 / 专项 / 个案) and its guidance contacts by channel, and the on-site contacts that count
-- against the annual cap. Parameters:
--   $year INTEGER (NULL = every year), $as_of DATE (NULL = no limit: inspections before it;
--   register entries guided before it or registered before it for a later date),
--   $type_names, $type_classes VARCHAR[] (检查类型 → class, aligned), $default_class VARCHAR,
--   $methods, $method_channels VARCHAR[] (guidance method → default channel for entries without
--   one, aligned), $counted_checks VARCHAR[], $counted_channels VARCHAR[].
WITH type_map AS (
    SELECT unnest($type_names::VARCHAR[]) AS inspection_type, unnest($type_classes::VARCHAR[]) AS check_class
),
method_map AS (
    SELECT unnest($methods::VARCHAR[]) AS method, unnest($method_channels::VARCHAR[]) AS default_channel
),
insp AS (
    SELECT i.business_id, year(i.inspected_on) AS year, coalesce(t.check_class, $default_class) AS check_class
    FROM inspections i
    LEFT JOIN type_map t ON t.inspection_type = i.inspection_type
    WHERE i.business_id IS NOT NULL AND i.inspected_on IS NOT NULL
      AND ($as_of IS NULL OR i.inspected_on < $as_of)
      AND ($year IS NULL OR year(i.inspected_on) = $year)
),
guid AS (
    SELECT e.business_id, year(e.guided_on) AS year, e.method,
           coalesce(e.channel, m.default_channel, '书面') AS channel
    FROM register_entries e
    LEFT JOIN method_map m ON m.method = e.method
    WHERE coalesce(e.status, '') <> '已作废'
      AND ($as_of IS NULL OR e.guided_on < $as_of OR CAST(e.created_at AS DATE) < $as_of)
      AND ($year IS NULL OR year(e.guided_on) = $year)
),
insp_counts AS (
    SELECT business_id, year,
           count(*) FILTER (WHERE check_class = '日常') AS checks_routine,
           count(*) FILTER (WHERE check_class = '专项') AS checks_campaign,
           count(*) FILTER (WHERE check_class = '个案') AS checks_case,
           count(*) FILTER (WHERE list_contains($counted_checks::VARCHAR[], check_class)) AS checks_counted
    FROM insp GROUP BY ALL
),
guid_counts AS (
    SELECT business_id, year,
           count(*) FILTER (WHERE channel = '入企') AS guidance_on_site,
           count(*) FILTER (WHERE channel = '到局') AS guidance_at_bureau,
           count(*) FILTER (WHERE channel = '书面') AS guidance_written,
           count(*) FILTER (WHERE channel = '电话') AS guidance_phone,
           count(*) FILTER (WHERE channel = '短信') AS guidance_sms,
           count(*) FILTER (WHERE list_contains($counted_channels::VARCHAR[], channel)) AS guidance_counted
    FROM guid GROUP BY ALL
),
by_method AS (
    SELECT business_id, year, string_agg(method || n::VARCHAR || '次', '；' ORDER BY method) AS guidance_by_method
    FROM (SELECT business_id, year, method, count(*) AS n FROM guid GROUP BY ALL)
    GROUP BY ALL
),
keys AS (
    SELECT business_id, year FROM insp_counts UNION SELECT business_id, year FROM guid_counts
)
SELECT k.business_id, b.uscc, b.name, b.township, b.industry_code, k.year,
       coalesce(i.checks_routine, 0)::INTEGER AS checks_routine,
       coalesce(i.checks_campaign, 0)::INTEGER AS checks_campaign,
       coalesce(i.checks_case, 0)::INTEGER AS checks_case,
       coalesce(g.guidance_on_site, 0)::INTEGER AS guidance_on_site,
       coalesce(g.guidance_at_bureau, 0)::INTEGER AS guidance_at_bureau,
       coalesce(g.guidance_written, 0)::INTEGER AS guidance_written,
       coalesce(g.guidance_phone, 0)::INTEGER AS guidance_phone,
       coalesce(g.guidance_sms, 0)::INTEGER AS guidance_sms,
       m.guidance_by_method,
       (coalesce(i.checks_counted, 0) + coalesce(g.guidance_counted, 0))::INTEGER AS on_site_counted
FROM keys k
LEFT JOIN insp_counts i USING (business_id, year)
LEFT JOIN guid_counts g USING (business_id, year)
LEFT JOIN by_method m USING (business_id, year)
LEFT JOIN businesses b USING (business_id)
ORDER BY k.year, on_site_counted DESC, k.business_id
