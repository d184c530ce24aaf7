-- Hotspot count panel: one row per field and period, with the count of events and the exposure.
--
-- Parameters
--   $measure            'violations' | 'complaints' | 'inspection_failure_rate'
--   $dim1, $dim2        field dimension(s): industry_section | industry_division | industry_class |
--                       permit_item | township | violation_type | complaint_category ($dim2 NULL = single)
--   $use_industry, $use_township, $use_item, $use_violation, $use_category
--                       BOOLEAN: which record attributes the dimensions need (set by the caller from
--                       $dim1/$dim2; the others are not read, so the first aggregation stays narrow)
--   $freq               'week' | 'month' | 'quarter'
--   $end                DATE or NULL: no event after it is used; the last period is the one holding it
--   $substantiated      BOOLEAN: complaints only 属实 / 部分属实
--   $request_types      VARCHAR[] or NULL: complaints only these 诉求类型 (NULL = all)
--   $include_penalties  BOOLEAN: violations also count penalty decisions
--   $licence_exposure   BOOLEAN: exposure = licences active in the field and period
--
-- A violation found by an inspection is severity >= 1 (view inspection_severity, migration 003), or
-- a missing result with problem_count > 0.
-- Events are first counted per period and raw attribute (as cheap as a bare GROUP BY), then keyed.
-- Industry / township missing on a record are taken from the business. Exposure is a running sum of
-- licence starts minus ends per field (no range join): a licence is active in every period that
-- overlaps [valid_from, valid_to]; valid_to NULL or 2099-… (长期) never ends. For
-- 'inspection_failure_rate' the exposure is the number of inspections in the field and period.
-- Fields are those with at least one event; the grid runs from the first event's period to the last.
WITH
-- one row per event with only the attributes the dimensions need; needs_biz marks events whose
-- industry / township is missing (or whose licence items are needed): only those keep business_id
event_rows AS NOT MATERIALIZED (
    SELECT
        date_trunc($freq, inspected_on)::DATE AS period,
        CASE WHEN $use_industry THEN industry_code END AS industry_code,
        CASE WHEN $use_township THEN township END AS township,
        CASE WHEN $use_violation THEN violation_type END AS violation_type,
        NULL::VARCHAR AS category_top,
        business_id,
        ($use_item OR ($use_industry AND industry_code IS NULL)
            OR ($use_township AND township IS NULL)) AS needs_biz,
        $measure = 'inspection_failure_rate' AND NOT (
            severity >= 1 OR (result IS NULL AND coalesce(problem_count, 0) > 0)) AS clean
    FROM inspection_severity
    WHERE $measure IN ('violations', 'inspection_failure_rate')
      AND inspected_on IS NOT NULL
      AND ($end::DATE IS NULL OR inspected_on <= $end::DATE)
      AND ($measure = 'inspection_failure_rate'
           OR severity >= 1
           OR (result IS NULL AND coalesce(problem_count, 0) > 0))
    UNION ALL
    SELECT
        date_trunc($freq, decided_on)::DATE,
        CASE WHEN $use_industry THEN industry_code END,
        CASE WHEN $use_township THEN township END,
        CASE WHEN $use_violation THEN violation_type END,
        NULL::VARCHAR,
        business_id,
        ($use_item OR ($use_industry AND industry_code IS NULL) OR ($use_township AND township IS NULL)),
        false
    FROM penalties
    WHERE $measure = 'violations' AND coalesce($include_penalties::BOOLEAN, true)
      AND decided_on IS NOT NULL
      AND ($end::DATE IS NULL OR decided_on <= $end::DATE)
    UNION ALL
    SELECT
        date_trunc($freq, received_at::DATE)::DATE,
        NULL::VARCHAR,
        CASE WHEN $use_township THEN township END,
        NULL::VARCHAR,
        CASE WHEN $use_category THEN category_top END,
        business_id,
        ($use_item OR $use_industry OR ($use_township AND township IS NULL)),
        false
    FROM complaints
    WHERE $measure = 'complaints'
      AND received_at IS NOT NULL
      AND ($end::DATE IS NULL OR received_at::DATE <= $end::DATE)
      AND (NOT coalesce($substantiated::BOOLEAN, false) OR substantiated IN ('属实', '部分属实'))
      AND ($request_types::VARCHAR[] IS NULL OR list_contains($request_types::VARCHAR[], request_type))
),
-- counted per period and attributes (as narrow as a bare GROUP BY); observed excludes clean inspections
counted AS (
    SELECT period, industry_code, township, violation_type, category_top, NULL::VARCHAR AS business_id,
           count(*) FILTER (WHERE NOT clean) AS observed, count(*) AS trials
    FROM event_rows
    WHERE NOT needs_biz
    GROUP BY ALL
    UNION ALL
    SELECT period, industry_code, township, violation_type, category_top, business_id,
           count(*) FILTER (WHERE NOT clean) AS observed, count(*) AS trials
    FROM event_rows
    WHERE needs_biz
    GROUP BY ALL
),
-- attributes missing on the record come from the business (business_id is NULL when not needed)
filled AS (
    SELECT
        c.period,
        CASE WHEN $use_industry THEN coalesce(c.industry_code, b.industry_code) END AS industry_code,
        CASE WHEN $use_township THEN coalesce(c.township, b.township) END AS township,
        c.violation_type, c.category_top, c.business_id, c.observed, c.trials
    FROM counted c
    LEFT JOIN businesses b ON b.business_id = c.business_id
),
-- an event counts once in every licence item its business holds (empty unless by permit_item)
biz_items AS (
    SELECT DISTINCT business_id, permit_item
    FROM permits
    WHERE $use_item AND business_id IS NOT NULL AND permit_item IS NOT NULL
),
-- a record naming several violation types ("A、B") counts once under each of them
split_types AS (
    SELECT period, industry_code, township, category_top, business_id, observed, trials,
           nullif(trim(unnest(CASE WHEN violation_type IS NULL THEN [NULL::VARCHAR]
                                   ELSE regexp_split_to_array(violation_type, '[、;；,，/]') END)), '')
               AS violation_type
    FROM filled
),
events AS (
    SELECT f.period, f.industry_code, f.township, f.violation_type, f.category_top, bi.permit_item,
           f.observed, f.trials
    FROM split_types f
    LEFT JOIN biz_items bi ON bi.business_id = f.business_id
),
-- licences counted per first and stop period (the period after the last active one) and attributes
licences AS (
    SELECT
        date_trunc($freq, coalesce(valid_from, decision_date))::DATE AS start_p,
        CASE WHEN valid_to IS NULL OR valid_to >= DATE '2099-01-01' THEN NULL
             ELSE (date_trunc($freq, valid_to) + CASE $freq WHEN 'week' THEN INTERVAL 7 DAY
                   WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 MONTH END)::DATE END AS stop_p,
        CASE WHEN $use_industry THEN industry_code END AS industry_code,
        CASE WHEN $use_township THEN township END AS township,
        CASE WHEN $use_item THEN permit_item END AS permit_item,
        count(*) AS n
    FROM permits
    WHERE $licence_exposure AND $measure <> 'inspection_failure_rate'
      AND coalesce(valid_from, decision_date) IS NOT NULL
      AND (valid_to IS NULL OR valid_to >= coalesce(valid_from, decision_date))
    GROUP BY ALL
),
-- events and licences get the same field keys (GB/T 4754-2017 section from the division number)
units AS (
    SELECT 'e' AS src, period, NULL::DATE AS stop_p, industry_code, township, violation_type,
           category_top, permit_item, observed, trials
    FROM events
    UNION ALL
    SELECT 'l', start_p, stop_p, industry_code, township, NULL, NULL, permit_item, n, 0
    FROM licences
),
coded AS (
    SELECT u.*,
        CASE
            WHEN division IS NULL OR division < 1 THEN NULL
            WHEN division <= 5 THEN 'A'
            WHEN division <= 12 THEN 'B'
            WHEN division <= 43 THEN 'C'
            WHEN division <= 46 THEN 'D'
            WHEN division <= 50 THEN 'E'
            WHEN division <= 52 THEN 'F'
            WHEN division <= 60 THEN 'G'
            WHEN division <= 62 THEN 'H'
            WHEN division <= 65 THEN 'I'
            WHEN division <= 69 THEN 'J'
            WHEN division <= 70 THEN 'K'
            WHEN division <= 72 THEN 'L'
            WHEN division <= 75 THEN 'M'
            WHEN division <= 79 THEN 'N'
            WHEN division <= 82 THEN 'O'
            WHEN division <= 83 THEN 'P'
            WHEN division <= 85 THEN 'Q'
            WHEN division <= 90 THEN 'R'
            WHEN division <= 96 THEN 'S'
            WHEN division <= 97 THEN 'T'
        END AS section
    FROM (SELECT *, TRY_CAST(left(industry_code, 2) AS INTEGER) AS division FROM units) u
),
keyed AS (
    SELECT
        src, period, stop_p, observed, trials,  -- observed = licence count for src 'l'
        coalesce(CASE $dim1
            WHEN 'industry_section' THEN section
            WHEN 'industry_division' THEN section || left(industry_code, 2)
            WHEN 'industry_class' THEN section || industry_code
            WHEN 'township' THEN township
            WHEN 'permit_item' THEN permit_item
            WHEN 'violation_type' THEN violation_type
            WHEN 'complaint_category' THEN category_top
        END, '（未知）') AS field1,
        CASE WHEN $dim2::VARCHAR IS NOT NULL THEN coalesce(CASE $dim2::VARCHAR
            WHEN 'industry_section' THEN section
            WHEN 'industry_division' THEN section || left(industry_code, 2)
            WHEN 'industry_class' THEN section || industry_code
            WHEN 'township' THEN township
            WHEN 'permit_item' THEN permit_item
            WHEN 'violation_type' THEN violation_type
            WHEN 'complaint_category' THEN category_top
        END, '（未知）') END AS field2
    FROM coded
),
counts AS (
    SELECT field1, field2, period, sum(observed)::BIGINT AS observed, sum(trials)::BIGINT AS trials
    FROM keyed
    WHERE src = 'e'
    GROUP BY ALL
),
bounds AS (
    SELECT min(period) AS first_period,
           coalesce(date_trunc($freq, $end::DATE)::DATE, max(period)) AS last_period
    FROM counts
),
periods AS (
    SELECT unnest(generate_series(first_period, last_period,
                  CASE $freq WHEN 'week' THEN INTERVAL 7 DAY WHEN 'quarter' THEN INTERVAL 3 MONTH
                       ELSE INTERVAL 1 MONTH END))::DATE AS period
    FROM bounds
    WHERE first_period IS NOT NULL
),
fields AS (
    SELECT DISTINCT field1, field2 FROM counts
),
grid AS (
    SELECT f.field1, f.field2, pr.period FROM fields f CROSS JOIN periods pr
),
-- licence starts (+1, clamped to the first period) and ends (-1 in the period after the last active one)
deltas AS (
    SELECT field1, field2, greatest(period, b.first_period) AS period, observed AS delta
    FROM keyed, bounds b
    WHERE src = 'l' AND (stop_p IS NULL OR stop_p > b.first_period) AND period <= b.last_period
    UNION ALL
    SELECT field1, field2, stop_p, -observed
    FROM keyed, bounds b
    WHERE src = 'l' AND stop_p IS NOT NULL AND stop_p > b.first_period AND stop_p <= b.last_period
),
delta_sums AS (
    SELECT field1, field2, period, sum(delta) AS delta FROM deltas GROUP BY ALL
),
panel AS (
    SELECT
        g.field1, g.field2, g.period,
        coalesce(c.observed, 0) AS observed,
        coalesce(c.trials, 0) AS trials,
        sum(coalesce(ds.delta, 0)) OVER (
            PARTITION BY g.field1, g.field2 ORDER BY g.period ROWS UNBOUNDED PRECEDING
        ) AS licences
    FROM grid g
    LEFT JOIN counts c
        ON c.field1 = g.field1 AND c.field2 IS NOT DISTINCT FROM g.field2 AND c.period = g.period
    LEFT JOIN delta_sums ds
        ON ds.field1 = g.field1 AND ds.field2 IS NOT DISTINCT FROM g.field2 AND ds.period = g.period
)
SELECT
    field1, field2, period AS period_start,
    (period + CASE $freq WHEN 'week' THEN INTERVAL 7 DAY WHEN 'quarter' THEN INTERVAL 3 MONTH
                   ELSE INTERVAL 1 MONTH END - INTERVAL 1 DAY)::DATE AS period_end,
    observed,
    CASE
        WHEN $measure = 'inspection_failure_rate' THEN trials::DOUBLE
        WHEN $licence_exposure THEN licences::DOUBLE
    END AS exposure
FROM panel
ORDER BY field1, field2, period_start
