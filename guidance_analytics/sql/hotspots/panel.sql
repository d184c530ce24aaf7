-- Hotspot count panel: one row per field and period, with the count of events, the exposure and the
-- inspection effort behind it.
--
-- Parameters
--   $measure            'violations' | 'complaints' | 'inspection_failure_rate'
--   $dim1, $dim2        field dimension(s): industry (every GB/T 4754 level: section, division, group,
--                       class) | industry_section | industry_division | industry_class | permit_item |
--                       township | violation_type | complaint_category ($dim2 NULL = single)
--   $use_industry, $use_township, $use_item, $use_violation, $use_category
--                       BOOLEAN: which record attributes the dimensions need (set by the caller from
--                       $dim1/$dim2; the others are not read, so the first aggregation stays narrow)
--   $freq               'week' | 'month' | 'quarter'
--   $end                DATE or NULL: nothing known after it is used; the last period is the one holding it
--   $substantiated      BOOLEAN: complaints only 属实 / 部分属实, counted when the verdict was known
--   $request_types      VARCHAR[] or NULL: complaints only these 诉求类型 (NULL = all)
--   $include_penalties  BOOLEAN: violations also count penalty decisions
--   $licence_exposure   BOOLEAN: exposure = licences active in the field and period
--   $with_effort        BOOLEAN: violations also count every inspection (effort) and the problem ones
--
-- Prospective: every event is dated by the day it became known. A violation found by an inspection
-- (severity >= 1 in view inspection_severity, migration 003, or a missing result with
-- problem_count > 0) on the inspection day; a penalty on its decision day; a complaint on its receipt
-- day, but a *substantiated* complaint on the day its verdict was known (closed_at): before that
-- nobody knew it was 属实. A licence counts as exposure from the later of its validity start and its
-- decision date, and an event counts in a licence item (by permit_item) only from the decision date
-- of the business's first licence of that item.
-- Events are first counted per period and raw attribute (as cheap as a bare GROUP BY), then keyed.
-- Industry / township missing on a record are taken from the business. Exposure is a running sum of
-- licence starts minus ends per field (no range join): a licence is active in every period that
-- overlaps [start, valid_to]; valid_to NULL or 2099-… (长期) never ends. For
-- 'inspection_failure_rate' the exposure is the number of inspections in the field and period.
-- Fields are those with at least one event; the grid runs from the first event's period to the last
-- (the same with $with_effort: inspections that found nothing add no field and no period).
-- Returned: field1, field2, period_start, period_end, observed, exposure, inspections (all
-- inspections, NULL unless $with_effort or the failure rate), inspection_problems, as_of (the last
-- day the data can cover: $end, else the day of the latest import; a period ending after it is
-- incomplete).
WITH
-- inspections that count (all of them when effort is counted), with whether they found a problem
insp AS NOT MATERIALIZED (
    SELECT *,
           -- the period as an integer (week: ISO weeks since Monday 0001-01-01, month / quarter:
           -- counted from year 0): grouping 10 M rows by it costs half of date_trunc per row; the
           -- period's first day is made from it after the aggregation (period_of below)
           CASE $freq WHEN 'week' THEN (inspected_on - DATE '0001-01-01') // 7
                      WHEN 'quarter' THEN year(inspected_on) * 4 + quarter(inspected_on) - 1
                      ELSE year(inspected_on) * 12 + month(inspected_on) - 1 END AS pkey,
           (severity >= 1 OR (result IS NULL AND coalesce(problem_count, 0) > 0)) AS problem,
           ($use_item OR ($use_industry AND industry_code IS NULL)
               OR ($use_township AND township IS NULL)) AS needs_biz
    FROM inspection_severity
    WHERE $measure IN ('violations', 'inspection_failure_rate')
      AND inspected_on IS NOT NULL
      AND ($end::DATE IS NULL OR inspected_on <= $end::DATE)
      AND ($measure = 'inspection_failure_rate' OR $with_effort
           OR severity >= 1
           OR (result IS NULL AND coalesce(problem_count, 0) > 0))
),
-- penalties and complaints (small tables): one row per event with the attributes the dimensions
-- need; needs_biz marks events whose industry / township is missing (or whose licence items are
-- needed)
other_rows AS NOT MATERIALIZED (
    SELECT
        date_trunc($freq, decided_on)::DATE AS period,
        CASE WHEN $use_item THEN decided_on END AS day,
        CASE WHEN $use_industry THEN industry_code END AS industry_code,
        CASE WHEN $use_township THEN township END AS township,
        CASE WHEN $use_violation THEN violation_type END AS violation_type,
        NULL::VARCHAR AS category_top,
        business_id,
        ($use_item OR ($use_industry AND industry_code IS NULL)
            OR ($use_township AND township IS NULL)) AS needs_biz
    FROM penalty_violations
    WHERE $measure = 'violations' AND coalesce($include_penalties::BOOLEAN, true)
      AND decided_on IS NOT NULL
      AND ($end::DATE IS NULL OR decided_on <= $end::DATE)
    UNION ALL
    SELECT
        date_trunc($freq, known_on)::DATE,
        CASE WHEN $use_item THEN known_on END,
        NULL::VARCHAR,
        CASE WHEN $use_township THEN township END,
        NULL::VARCHAR,
        CASE WHEN $use_category THEN category_top END,
        business_id,
        ($use_item OR $use_industry OR ($use_township AND township IS NULL))
    FROM (
        SELECT *,
               CASE WHEN coalesce($substantiated::BOOLEAN, false) THEN closed_at::DATE
                    ELSE received_at::DATE END AS known_on
        FROM complaints
    ) c
    WHERE $measure = 'complaints'
      AND known_on IS NOT NULL
      AND ($end::DATE IS NULL OR known_on <= $end::DATE)
      AND (NOT coalesce($substantiated::BOOLEAN, false) OR substantiated IN ('属实', '部分属实'))
      AND ($request_types::VARCHAR[] IS NULL OR list_contains($request_types::VARCHAR[], request_type))
),
-- inspections counted per period (pkey) and attributes: observed = problem inspections, trials =
-- inspections. The bulk (those that need nothing from the business) is aggregated as narrowly as a
-- bare GROUP BY; business_id and the day are kept only where needed. This is the one aggregation
-- over all the inspection rows, so it is kept cheap per row: an integer period key, count_if (not
-- count(*) FILTER), and no key that is NULL in every row (the parameters are folded after the keys
-- are laid out, so such a key still costs a hash column per row): with at most one of the record's
-- attributes in use (every single dimension) the rows are grouped by the period and that attribute
-- alone; pairs of attributes take the second branch.
insp_counted AS (
    SELECT pkey, NULL::DATE AS day,
           CASE WHEN $use_industry THEN attr END AS industry_code,
           CASE WHEN $use_township THEN attr END AS township,
           CASE WHEN $use_violation THEN attr END AS violation_type,
           NULL::VARCHAR AS business_id,
           count_if(problem) AS observed, count(*) AS trials
    FROM (
        SELECT pkey, problem,
               CASE WHEN $use_industry THEN industry_code WHEN $use_township THEN township
                    WHEN $use_violation THEN violation_type END AS attr
        FROM insp
        WHERE NOT needs_biz
          AND $use_industry::INTEGER + $use_township::INTEGER + $use_violation::INTEGER <= 1
    ) one_attribute
    GROUP BY pkey, attr
    UNION ALL
    SELECT pkey, NULL::DATE,
           CASE WHEN $use_industry THEN industry_code END,
           CASE WHEN $use_township THEN township END,
           CASE WHEN $use_violation THEN violation_type END,
           NULL::VARCHAR,
           count_if(problem), count(*)
    FROM insp
    WHERE NOT needs_biz
      AND $use_industry::INTEGER + $use_township::INTEGER + $use_violation::INTEGER >= 2
    GROUP BY ALL
    UNION ALL
    SELECT pkey, CASE WHEN $use_item THEN inspected_on END,
           CASE WHEN $use_industry THEN industry_code END,
           CASE WHEN $use_township THEN township END,
           CASE WHEN $use_violation THEN violation_type END,
           business_id,
           count_if(problem), count(*)
    FROM insp
    WHERE needs_biz
    GROUP BY ALL
),
-- counted per period and attributes, with penalties and complaints: observed = the measure's events,
-- trials = inspections, tproblems = problem inspections
counted AS (
    -- the first day of the period numbered pkey (the inverse of insp.pkey)
    SELECT CASE $freq WHEN 'week' THEN DATE '0001-01-01' + CAST(pkey * 7 AS INTEGER)
                      WHEN 'quarter' THEN make_date(pkey // 4, (pkey % 4) * 3 + 1, 1)
                      ELSE make_date(pkey // 12, pkey % 12 + 1, 1) END AS period,
           day, industry_code, township, violation_type, NULL::VARCHAR AS category_top, business_id,
           observed, trials, observed AS tproblems
    FROM insp_counted
    UNION ALL
    SELECT period, CASE WHEN needs_biz THEN day END, industry_code, township, violation_type,
           category_top, CASE WHEN needs_biz THEN business_id END, count(*), 0, 0
    FROM other_rows
    GROUP BY ALL
),
-- attributes missing on the record come from the business (business_id is NULL when not needed)
filled AS (
    SELECT
        c.period, c.day,
        CASE WHEN $use_industry THEN coalesce(c.industry_code, b.industry_code) END AS industry_code,
        CASE WHEN $use_township THEN coalesce(c.township, b.township) END AS township,
        c.violation_type, c.category_top, c.business_id, c.observed, c.trials, c.tproblems
    FROM counted c
    LEFT JOIN businesses b ON b.business_id = c.business_id
),
-- the licence items of each business, from the decision of its first licence of the item
-- (empty unless by permit_item)
biz_items AS (
    SELECT business_id, permit_item, min(coalesce(decision_date, valid_from)) AS since
    FROM permits
    WHERE $use_item AND business_id IS NOT NULL AND permit_item IS NOT NULL
      AND ($end::DATE IS NULL OR coalesce(decision_date, valid_from) <= $end::DATE)
    GROUP BY ALL
),
-- a record naming several violation types ("A、B") counts once under each of them
split_types AS (
    SELECT period, day, industry_code, township, category_top, business_id, observed, trials, tproblems,
           nullif(trim(unnest(CASE WHEN violation_type IS NULL THEN [NULL::VARCHAR]
                                   ELSE regexp_split_to_array(violation_type, '[、;；,，/]') END)), '')
               AS violation_type
    FROM filled
),
events AS (
    SELECT f.period, f.industry_code, f.township, f.violation_type, f.category_top, bi.permit_item,
           f.observed, f.trials, f.tproblems
    FROM split_types f
    LEFT JOIN biz_items bi ON bi.business_id = f.business_id AND bi.since <= f.day
),
-- licence changes per period and attributes: +n in the first period a licence counts (the later of
-- its validity start and decision date: it is known from its decision), -n in the period after its
-- last active one (valid_to; NULL or 2099-… = 长期: never). Aggregated before keying, so the running
-- sum below works on a few rows per field.
licence_changes AS (
    SELECT period, industry_code, township, permit_item, sum(delta)::BIGINT AS delta
    FROM (
        SELECT
            date_trunc($freq, greatest(valid_from, decision_date))::DATE AS period,
            CASE WHEN $use_industry THEN industry_code END AS industry_code,
            CASE WHEN $use_township THEN township END AS township,
            CASE WHEN $use_item THEN permit_item END AS permit_item,
            1 AS delta
        FROM permits
        WHERE $licence_exposure AND $measure <> 'inspection_failure_rate'
          AND greatest(valid_from, decision_date) IS NOT NULL
          AND ($end::DATE IS NULL OR greatest(valid_from, decision_date) <= $end::DATE)
          AND (valid_to IS NULL OR valid_to >= greatest(valid_from, decision_date))
        UNION ALL
        SELECT
            (date_trunc($freq, valid_to) + CASE $freq WHEN 'week' THEN INTERVAL 7 DAY
                WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 MONTH END)::DATE,
            CASE WHEN $use_industry THEN industry_code END,
            CASE WHEN $use_township THEN township END,
            CASE WHEN $use_item THEN permit_item END,
            -1
        FROM permits
        WHERE $licence_exposure AND $measure <> 'inspection_failure_rate'
          AND greatest(valid_from, decision_date) IS NOT NULL
          AND ($end::DATE IS NULL OR greatest(valid_from, decision_date) <= $end::DATE)
          AND valid_to IS NOT NULL AND valid_to < DATE '2099-01-01'
          AND valid_to >= greatest(valid_from, decision_date)
    ) c
    GROUP BY ALL
),
-- events and licence changes get the same field keys (GB/T 4754-2017 section from the division number)
units AS (
    SELECT 'e' AS src, period, industry_code, township, violation_type,
           category_top, permit_item, observed, trials, tproblems
    FROM events
    UNION ALL
    SELECT 'l', period, industry_code, township, NULL, NULL, permit_item, delta, 0, 0
    FROM licence_changes
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
-- the field keys of a unit: one per level for 'industry' (section F, division F52, group F521,
-- class F5212, as far as its code goes), else the key of the dimension ('（未知）' when missing)
dim_keys AS (
    SELECT src, period, observed, trials, tproblems, section, industry_code,
           MAP {
               'industry_section': section,
               'industry_division': section || left(industry_code, 2),
               'industry_class': section || industry_code,
               'township': township,
               'permit_item': permit_item,
               'violation_type': violation_type,
               'complaint_category': category_top
           } AS key_of
    FROM coded
),
keyed AS (
    SELECT
        src, period, observed, trials, tproblems,  -- observed = licence change for src 'l'
        unnest(CASE
            WHEN $dim1 = 'industry' AND section IS NULL THEN ['（未知）']
            WHEN $dim1 = 'industry' THEN list_filter([
                section,
                section || left(industry_code, 2),
                CASE WHEN length(industry_code) >= 3 THEN section || left(industry_code, 3) END,
                CASE WHEN length(industry_code) >= 4 THEN section || left(industry_code, 4) END
            ], lambda x: x IS NOT NULL)
            ELSE [coalesce(key_of[$dim1], '（未知）')]
        END) AS field1,
        CASE WHEN $dim2::VARCHAR IS NOT NULL THEN coalesce(key_of[$dim2::VARCHAR], '（未知）') END AS field2
    FROM dim_keys
),
counts AS (
    SELECT field1, field2, period, sum(observed)::BIGINT AS observed, sum(trials)::BIGINT AS trials,
           sum(tproblems)::BIGINT AS tproblems
    FROM keyed
    WHERE src = 'e'
    GROUP BY ALL
),
-- the last day the data can cover (a period ending after it is incomplete): $end, else the day of the
-- latest import of the measure's records (a period not over when its records were exported is
-- incomplete); NULL when unknown (hand-inserted rows)
coverage AS (
    SELECT coalesce($end::DATE, greatest(
        (SELECT max(imported_at) FROM inspections
         WHERE $measure IN ('violations', 'inspection_failure_rate')),
        (SELECT max(imported_at) FROM penalties
         WHERE $measure = 'violations' AND coalesce($include_penalties::BOOLEAN, true)),
        (SELECT max(imported_at) FROM complaints WHERE $measure = 'complaints')
    )::DATE) AS as_of
),
-- the cells that hold an event of the measure: they decide the fields and the grid's first and last
-- periods (counting the effort as well adds inspection-only cells, which must not change the panel)
event_cells AS NOT MATERIALIZED (
    SELECT field1, field2, period
    FROM counts
    WHERE $measure = 'inspection_failure_rate' OR observed > 0
),
bounds AS (
    SELECT min(period) AS first_period,
           coalesce(date_trunc($freq, $end::DATE)::DATE, max(period)) AS last_period
    FROM event_cells
),
periods AS (
    SELECT unnest(generate_series(first_period, last_period,
                  CASE $freq WHEN 'week' THEN INTERVAL 7 DAY WHEN 'quarter' THEN INTERVAL 3 MONTH
                       ELSE INTERVAL 1 MONTH END))::DATE AS period
    FROM bounds
    WHERE first_period IS NOT NULL
),
fields AS (
    SELECT DISTINCT field1, field2 FROM event_cells
),
grid AS (
    SELECT f.field1, f.field2, pr.period FROM fields f CROSS JOIN periods pr
),
-- licence changes per field: before the first period they add to its starting stock; after the
-- last one they do not matter
delta_sums AS (
    SELECT field1, field2, greatest(period, b.first_period) AS period, sum(observed) AS delta
    FROM keyed, bounds b
    WHERE src = 'l' AND period <= b.last_period
    GROUP BY ALL
),
panel AS (
    SELECT
        g.field1, g.field2, g.period,
        coalesce(c.observed, 0) AS observed,
        coalesce(c.trials, 0) AS trials,
        coalesce(c.tproblems, 0) AS tproblems,
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
    CASE WHEN $measure = 'inspection_failure_rate' THEN tproblems ELSE observed END AS observed,
    CASE
        WHEN $measure = 'inspection_failure_rate' THEN trials::DOUBLE
        WHEN $licence_exposure THEN licences::DOUBLE
    END AS exposure,
    CASE WHEN $with_effort OR $measure = 'inspection_failure_rate' THEN trials END AS inspections,
    CASE WHEN $with_effort OR $measure = 'inspection_failure_rate' THEN tproblems END
        AS inspection_problems,
    (SELECT as_of FROM coverage) AS as_of
FROM panel
ORDER BY field1, field2, period_start
