-- The records behind one hotspot cell: every inspection, penalty or complaint the panel counted in
-- the field and periods given (the drill-down of a flag). No personal data: no complainant, content,
-- phone or inspector columns are read.
--
-- Parameters
--   $measure            'violations' | 'complaints' | 'inspection_failure_rate'
--   $dim1, $dim2        the dimensions of the hotspot table (as in hotspots/panel.sql)
--   $field1, $field2    the field's key(s) ($field2 NULL for one dimension)
--   $first, $last       DATE: the first and last day of the periods (a window test: all its months)
--   $substantiated      BOOLEAN: complaints only 属实 / 部分属实, dated by closed_at
--   $request_types      VARCHAR[] or NULL: complaints only these 诉求类型
--   $include_penalties  BOOLEAN: violations also count penalty decisions
--   $all_inspections    BOOLEAN: inspections that found nothing too (the effort behind a flag)
--
-- The same counting rules as hotspots/panel.sql: a problem inspection is severity >= 1 (view
-- inspection_severity) or a missing result with problem_count > 0; industry / township missing on a
-- record come from the business; a record counts in a licence item from the decision date of the
-- business's first licence of that item; violation types "A、B" count under each. The section of a
-- GB/T 4754 division is the division's position in the string of section letters below.
WITH
-- a complaint counts from its receipt, a substantiated one from the day its verdict was known
complaint_days AS (
    SELECT order_no,
           (CASE WHEN coalesce($substantiated::BOOLEAN, false) THEN closed_at ELSE received_at END)::DATE
               AS known_on
    FROM complaints
),
records AS (
    SELECT 'inspection' AS kind, i.inspection_no AS record_no, i.inspected_on AS known_on,
           i.business_id, i.name, i.uscc,
           coalesce(i.industry_code, b.industry_code) AS industry_code,
           coalesce(i.township, b.township) AS township,
           i.violation_type, NULL::VARCHAR AS category_top,
           i.inspection_type, i.result, i.problems, NULL::VARCHAR AS penalty_types,
           NULL::DOUBLE AS fine_yuan, NULL::VARCHAR AS request_type, NULL::VARCHAR AS substantiated,
           NULL::TIMESTAMP AS received_at, NULL::TIMESTAMP AS closed_at,
           (i.severity >= 1 OR (i.result IS NULL AND coalesce(i.problem_count, 0) > 0)) AS problem
    FROM inspection_severity i
    LEFT JOIN businesses b ON b.business_id = i.business_id
    WHERE $measure IN ('violations', 'inspection_failure_rate')
      AND i.inspected_on BETWEEN $first::DATE AND $last::DATE
    UNION ALL
    SELECT 'penalty', p.decision_no, p.decided_on, p.business_id, p.name, p.uscc,
           coalesce(p.industry_code, b.industry_code), coalesce(p.township, b.township),
           p.violation_type, NULL, NULL, NULL, NULL, p.penalty_types, p.fine_yuan, NULL, NULL,
           NULL, NULL, true
    FROM penalty_violations p
    LEFT JOIN businesses b ON b.business_id = p.business_id
    WHERE $measure = 'violations' AND coalesce($include_penalties::BOOLEAN, true)
      AND p.decided_on BETWEEN $first::DATE AND $last::DATE
    UNION ALL
    SELECT 'complaint', c.order_no, d.known_on, c.business_id, c.target_name, NULL,
           b.industry_code, coalesce(c.township, b.township), NULL, c.category_top, NULL, c.result,
           NULL, NULL, NULL, c.request_type, c.substantiated, c.received_at, c.closed_at, true
    FROM complaints c
    JOIN complaint_days d ON d.order_no = c.order_no
    LEFT JOIN businesses b ON b.business_id = c.business_id
    WHERE $measure = 'complaints'
      AND d.known_on BETWEEN $first::DATE AND $last::DATE
      AND (NOT coalesce($substantiated::BOOLEAN, false) OR c.substantiated IN ('属实', '部分属实'))
      AND ($request_types::VARCHAR[] IS NULL OR list_contains($request_types::VARCHAR[], c.request_type))
),
counted AS (
    SELECT * FROM records
    WHERE problem OR $measure = 'inspection_failure_rate' OR coalesce($all_inspections::BOOLEAN, false)
),
-- the licence items each business held on the record's day (only when a dimension is permit_item)
items AS (
    SELECT r.record_no, r.kind, list(DISTINCT p.permit_item) AS permit_items
    FROM counted r
    JOIN (
        SELECT business_id, permit_item, min(coalesce(decision_date, valid_from)) AS since
        FROM permits
        WHERE permit_item IS NOT NULL AND business_id IS NOT NULL
        GROUP BY ALL
    ) p ON p.business_id = r.business_id AND p.since <= r.known_on
    WHERE $dim1 = 'permit_item' OR $dim2::VARCHAR = 'permit_item'
    GROUP BY ALL
),
coded AS (
    SELECT r.*, it.permit_items,
           nullif(substr('AAAAABBBBBBBCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCDDDEEEEFFGGGGGGGGHHIIIJJJJKLLMMMNNNNOOOPQQRRRRRSSSSSST',
                         TRY_CAST(left(r.industry_code, 2) AS INTEGER), 1), '') AS section
    FROM counted r
    LEFT JOIN items it ON it.record_no = r.record_no AND it.kind = r.kind
),
-- every key the record counts under, per dimension (several for multi-level industry, licence
-- items and split violation types)
keys AS (
    SELECT c.*,
        CASE
            WHEN section IS NULL THEN ['（未知）']
            ELSE list_filter([
                section,
                section || left(industry_code, 2),
                CASE WHEN length(industry_code) >= 3 THEN section || left(industry_code, 3) END,
                CASE WHEN length(industry_code) >= 4 THEN section || left(industry_code, 4) END
            ], lambda x: x IS NOT NULL)
        END AS industry_keys,
        coalesce(nullif(list_filter(list_transform(
            CASE WHEN violation_type IS NULL THEN [] ELSE regexp_split_to_array(violation_type, '[、;；,，/]') END,
            lambda x: nullif(trim(x), '')), lambda x: x IS NOT NULL), []), ['（未知）']) AS violation_keys
    FROM coded c
),
matched AS (
    SELECT k.*,
        MAP {
            'industry': industry_keys,
            'industry_section': [coalesce(section, '（未知）')],
            'industry_division': [coalesce(section || left(industry_code, 2), '（未知）')],
            'industry_class': [coalesce(section || industry_code, '（未知）')],
            'township': [coalesce(township, '（未知）')],
            'permit_item': coalesce(permit_items, ['（未知）']),
            'violation_type': violation_keys,
            'complaint_category': [coalesce(category_top, '（未知）')]
        } AS keys_of
    FROM keys k
)
SELECT kind, record_no, known_on, business_id, name, uscc, industry_code, township, violation_type,
       category_top, inspection_type, result, problems, penalty_types, fine_yuan, request_type,
       substantiated, received_at, closed_at, problem
FROM matched
WHERE list_contains(keys_of[$dim1], $field1)
  AND ($dim2::VARCHAR IS NULL OR list_contains(keys_of[$dim2::VARCHAR], $field2::VARCHAR))
ORDER BY known_on, kind, record_no
