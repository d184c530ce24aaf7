-- Per-business features at one or more planning dates (as_of), without leakage.
-- Only records dated strictly before as_of are used; a complaint's 是否属实 counts only once it was
-- known (closed_at, else received_at, before as_of). Windows are calendar months back from as_of.
-- A business's township / industry / licence item are those of its newest record before as_of
-- (licences first, then any record): a licence issued later never changes them. Inspections of the
-- types in $skip_types (许可勘验: a licensing site visit, not a compliance check) are not counted.
-- Parameters: $dates DATE[] (planning dates), $smoothing DOUBLE (pseudo-count of inspections pulling
-- a field's rate towards the division / county rate), $rate_prior DOUBLE (pseudo-count pulling a
-- business's own rates towards its field's rate), $skip_types VARCHAR[], $observed_only BOOLEAN
-- with $horizon_months INTEGER and $known_before DATE: keep only businesses inspected in
-- [as_of, as_of + horizon) before known_before (training rows; field rates still use every
-- business), $sample_share DOUBLE: keep a deterministic hash sample of the rows (1 = all),
-- $decay_days DOUBLE: the time constant of the decayed counts (weight exp(-age / decay_days)),
-- $decay_short_days DOUBLE: the same for the recent-state counts, $due_days INTEGER: days after a
-- 责令限期整改 within which a re-inspection (复查) not yet done counts as due.
WITH dates AS (
    SELECT DISTINCT
        d AS as_of,
        CAST(d - INTERVAL 3 MONTH AS DATE) AS w3,
        CAST(d - INTERVAL 6 MONTH AS DATE) AS w6,
        CAST(d - INTERVAL 12 MONTH AS DATE) AS w12,
        CAST(d - INTERVAL 24 MONTH AS DATE) AS w24,
        CAST(d - INTERVAL 60 MONTH AS DATE) AS w60
    FROM (SELECT unnest($dates::DATE[]) AS d)
),
first_known AS (
    SELECT business_id, min(d) AS first_known
    FROM (
        SELECT business_id, decision_date AS d FROM permits
        UNION ALL SELECT business_id, inspected_on FROM inspections
        UNION ALL SELECT business_id, decided_on FROM penalty_violations
        UNION ALL SELECT business_id, CAST(received_at AS DATE) FROM complaints
    )
    WHERE business_id IS NOT NULL AND d IS NOT NULL
    GROUP BY business_id
),
base AS (
    SELECT f.business_id, dt.*
    FROM first_known f
    JOIN dates dt ON f.first_known < dt.as_of
),
observed AS (
    SELECT DISTINCT i.business_id, dt.as_of
    FROM inspections i
    JOIN dates dt ON i.inspected_on >= dt.as_of
                 AND i.inspected_on < CAST(dt.as_of + to_months($horizon_months) AS DATE)
    WHERE $observed_only AND i.business_id IS NOT NULL AND i.inspected_on < $known_before
      AND NOT list_contains($skip_types::VARCHAR[], coalesce(i.inspection_type, ''))
      AND ($sample_share >= 1.0 OR (hash(i.business_id, dt.as_of) % 1000000) < $sample_share * 1000000)
),
sampled AS (
    SELECT b.*
    FROM base b
    WHERE (NOT $observed_only OR EXISTS (SELECT 1 FROM observed o
                                          WHERE o.business_id = b.business_id AND o.as_of = b.as_of))
      AND ($sample_share >= 1.0 OR (hash(b.business_id, b.as_of) % 1000000) < $sample_share * 1000000)
),
-- dated attributes: licences (with their item), and any record carrying a township / industry.
-- A business that only ever had one township (industry class) keeps a single record: its first
-- one, whose value is then that of its newest record before any later date. The others keep every
-- record. The ASOF joins below then look through about one row per business instead of every
-- inspection and complaint (10 M rows for 200 k businesses); later records never change the value
-- found for an earlier date (a business with a later second value keeps all its records).
lic_attr AS (
    SELECT business_id, decision_date AS d, township, industry_code,
           coalesce(permit_item, certificate_name) AS permit_item
    FROM permits
    WHERE business_id IS NOT NULL AND decision_date IS NOT NULL
),
any_attr AS (
    SELECT business_id, d, township, industry_code
    FROM (
        SELECT business_id, decision_date AS d, township, industry_code FROM permits
        UNION ALL SELECT business_id, inspected_on, township, industry_code FROM inspections
        UNION ALL SELECT business_id, decided_on, township, industry_code FROM penalties
        UNION ALL SELECT business_id, CAST(received_at AS DATE), township, NULL FROM complaints
    )
    WHERE business_id IS NOT NULL AND d IS NOT NULL AND (township IS NOT NULL OR industry_code IS NOT NULL)
),
attr_long AS (  -- one row per record and attribute: kind 't' (township) or 'i' (industry class)
    SELECT business_id, d, 't' AS kind, township AS value FROM any_attr WHERE township IS NOT NULL
    UNION ALL
    SELECT business_id, d, 'i', industry_code FROM any_attr WHERE industry_code IS NOT NULL
),
attr_vals AS (SELECT business_id, kind, value, min(d) AS d FROM attr_long GROUP BY ALL),
attr_multi AS (SELECT business_id, kind FROM attr_vals GROUP BY ALL HAVING count(*) > 1),
attr_timeline AS (
    SELECT v.business_id, v.d, v.kind, v.value FROM attr_vals v ANTI JOIN attr_multi m USING (business_id, kind)
    UNION ALL
    SELECT a.business_id, a.d, a.kind, a.value FROM attr_long a SEMI JOIN attr_multi m USING (business_id, kind)
),
town_attr AS (SELECT business_id, d, value AS township FROM attr_timeline WHERE kind = 't'),
ind_attr AS (SELECT business_id, d, value AS industry_code FROM attr_timeline WHERE kind = 'i'),
lic_town AS (SELECT business_id, d, township FROM lic_attr WHERE township IS NOT NULL),
lic_ind AS (SELECT business_id, d, industry_code FROM lic_attr WHERE industry_code IS NOT NULL),
lic_item AS (SELECT business_id, d, permit_item FROM lic_attr WHERE permit_item IS NOT NULL),
panel AS (
    SELECT s.*,
           coalesce(lt.township, ta.township, '其他') AS township,
           coalesce(li.industry_code, ai.industry_code, '') AS industry_code,
           left(coalesce(li.industry_code, ai.industry_code, ''), 2) AS division,
           coalesce(lm.permit_item, '') AS permit_item
    FROM sampled s
    ASOF LEFT JOIN lic_town lt ON lt.business_id = s.business_id AND s.as_of > lt.d
    ASOF LEFT JOIN town_attr ta ON ta.business_id = s.business_id AND s.as_of > ta.d
    ASOF LEFT JOIN lic_ind li ON li.business_id = s.business_id AND s.as_of > li.d
    ASOF LEFT JOIN ind_attr ai ON ai.business_id = s.business_id AND s.as_of > ai.d
    ASOF LEFT JOIN lic_item lm ON lm.business_id = s.business_id AND s.as_of > lm.d
),
insp AS (
    SELECT business_id, inspected_on AS d, severity, coalesce(problem_count, 0) AS problem_count,
           coalesce(inspection_type, '') AS inspection_type, township, industry_code,
           -- orders the inspections of one day: the worse result counts as the later one
           datediff('day', DATE '1970-01-01', inspected_on) * 10 + severity AS seq
    FROM inspection_severity
    WHERE business_id IS NOT NULL AND inspected_on IS NOT NULL
      AND NOT list_contains($skip_types::VARCHAR[], coalesce(inspection_type, ''))
),
insp_f AS (
    SELECT p.business_id, p.as_of,
        count(*) FILTER (WHERE i.d >= p.w3) AS insp_3m,
        count(*) FILTER (WHERE i.d >= p.w12) AS insp_12m,
        count(*) FILTER (WHERE i.d >= p.w24) AS insp_24m,
        count(*) AS insp_60m,
        count(*) FILTER (WHERE i.severity >= 1 AND i.d >= p.w3) AS prob_3m,
        count(*) FILTER (WHERE i.severity >= 1 AND i.d >= p.w6) AS prob_6m,
        count(*) FILTER (WHERE i.severity >= 1 AND i.d >= p.w12) AS prob_12m,
        count(*) FILTER (WHERE i.severity >= 1 AND i.d >= p.w24) AS prob_24m,
        count(*) FILTER (WHERE i.severity >= 1) AS prob_60m,
        count(*) FILTER (WHERE i.severity = 1 AND i.d >= p.w24) AS onspot_24m,
        count(*) FILTER (WHERE i.severity >= 2 AND i.d >= p.w12) AS order_12m,
        count(*) FILTER (WHERE i.severity >= 2 AND i.d >= p.w24) AS order_24m,
        count(*) FILTER (WHERE i.severity >= 2) AS order_60m,
        count(*) FILTER (WHERE i.severity = 3 AND i.d >= p.w24) AS referral_24m,
        count(*) FILTER (WHERE i.inspection_type = '投诉核查' AND i.d >= p.w12) AS complaint_insp_12m,
        count(*) FILTER (WHERE i.inspection_type = '双随机抽查' AND i.d >= p.w24) AS random_insp_24m,
        count(*) FILTER (WHERE i.inspection_type = '双随机抽查') AS random_insp_60m,
        count(*) FILTER (WHERE i.inspection_type = '双随机抽查' AND i.severity >= 2) AS random_order_60m,
        -- exponentially time-decayed counts (weight exp(-age / $decay_days)): recent findings count more
        sum(exp(-datediff('day', i.d, p.as_of) / $decay_days)) AS insp_decayed,
        coalesce(sum(exp(-datediff('day', i.d, p.as_of) / $decay_days)) FILTER (WHERE i.severity >= 2), 0)
            AS order_decayed,
        -- the same with a short time constant ($decay_short_days): a business's current state
        sum(exp(-datediff('day', i.d, p.as_of) / $decay_short_days)) AS insp_recent,
        coalesce(sum(exp(-datediff('day', i.d, p.as_of) / $decay_short_days)) FILTER (WHERE i.severity >= 2), 0)
            AS order_recent,
        count(*) FILTER (WHERE i.inspection_type = '投诉核查' AND i.d >= p.w3) AS complaint_insp_3m,
        max(i.d) FILTER (WHERE i.inspection_type = '投诉核查') AS last_complaint_insp_on,
        coalesce(sum(i.problem_count) FILTER (WHERE i.severity >= 1 AND i.d >= p.w12), 0) AS problems_12m,
        coalesce(max(i.severity) FILTER (WHERE i.d >= p.w12), 0) AS max_severity_12m,
        coalesce(max(i.severity) FILTER (WHERE i.d >= p.w24), 0) AS max_severity_24m,
        arg_max(i.severity, i.seq, 3) AS last3,
        max(i.d) AS last_insp_on,
        max(i.d) FILTER (WHERE i.severity >= 1) AS last_prob_on,
        max(i.d) FILTER (WHERE i.severity >= 2) AS last_order_on,
        max(i.d) FILTER (WHERE i.severity = 0) AS last_clean_on
    FROM panel p
    JOIN insp i ON i.business_id = p.business_id AND i.d < p.as_of AND i.d >= p.w60
    GROUP BY p.business_id, p.as_of
),
-- what followed the latest 责令限期整改 (or worse): inspections since it and their worst result
-- (a 复查 that found nothing, or found the problem again); none yet = the re-inspection is due
after_order AS (
    SELECT f.business_id, f.as_of,
        count(i.d) AS insp_after_order,
        max(i.severity) AS worst_after_order
    FROM insp_f f
    LEFT JOIN insp i ON i.business_id = f.business_id AND i.seq > datediff('day', DATE '1970-01-01', f.last_order_on) * 10 + 2
                    AND i.d < f.as_of
    WHERE f.last_order_on IS NOT NULL
    GROUP BY f.business_id, f.as_of
),
cmp AS (
    SELECT business_id, CAST(received_at AS DATE) AS d,
           CAST(coalesce(closed_at, received_at) AS DATE) AS known_on,
           substantiated IN ('属实', '部分属实') AS is_sub,
           substantiated IN ('不属实', '无法核实') AS is_unsub,
           coalesce(category_top, '其他') AS category_top
    FROM complaints
    WHERE business_id IS NOT NULL AND received_at IS NOT NULL
      AND (request_type IS NULL OR request_type IN ('投诉', '举报'))
),
cmp_f AS (
    SELECT p.business_id, p.as_of,
        count(*) FILTER (WHERE c.d >= p.w3) AS cmp_3m,
        count(*) FILTER (WHERE c.d >= p.w6) AS cmp_6m,
        count(*) FILTER (WHERE c.d >= p.w12) AS cmp_12m,
        count(*) FILTER (WHERE c.d >= p.w24) AS cmp_24m,
        count(*) FILTER (WHERE c.is_sub AND c.known_on < p.as_of AND c.d >= p.w3) AS sub_3m,
        count(*) FILTER (WHERE c.is_sub AND c.known_on < p.as_of AND c.d >= p.w6) AS sub_6m,
        count(*) FILTER (WHERE c.is_sub AND c.known_on < p.as_of AND c.d >= p.w12) AS sub_12m,
        count(*) FILTER (WHERE c.is_sub AND c.known_on < p.as_of AND c.d >= p.w24) AS sub_24m,
        count(*) FILTER (WHERE c.is_unsub AND c.known_on < p.as_of AND c.d >= p.w12) AS unsub_12m,
        max(c.d) AS last_cmp_on,
        max(c.d) FILTER (WHERE c.is_sub AND c.known_on < p.as_of) AS last_sub_on
    FROM panel p
    JOIN cmp c ON c.business_id = p.business_id AND c.d < p.as_of AND c.d >= p.w60
    GROUP BY p.business_id, p.as_of
),
cmp_cat AS (
    SELECT business_id, as_of, max(n) AS sub_same_matter_12m
    FROM (
        SELECT p.business_id, p.as_of, c.category_top, count(*) AS n
        FROM panel p
        JOIN cmp c ON c.business_id = p.business_id AND c.is_sub
                  AND c.d >= p.w12 AND c.d < p.as_of AND c.known_on < p.as_of
        GROUP BY p.business_id, p.as_of, c.category_top
    )
    GROUP BY business_id, as_of
),
pen AS (
    SELECT business_id, decided_on AS d, coalesce(fine_yuan, 0) AS fine_yuan,
           regexp_matches(coalesce(penalty_types, ''),
                          '暂扣|吊销|责令停产停业|责令关闭|限制开展生产经营活动|限制从业|降低资质等级') AS serious
    FROM penalty_violations
    WHERE business_id IS NOT NULL AND decided_on IS NOT NULL
),
pen_f AS (
    SELECT p.business_id, p.as_of,
        count(*) FILTER (WHERE e.d >= p.w12) AS pen_12m,
        count(*) FILTER (WHERE e.d >= p.w24) AS pen_24m,
        count(*) FILTER (WHERE e.serious AND e.d >= p.w24) AS pen_serious_24m,
        coalesce(sum(e.fine_yuan) FILTER (WHERE e.d >= p.w24), 0) AS fine_24m,
        max(e.d) AS last_pen_on
    FROM panel p
    JOIN pen e ON e.business_id = p.business_id AND e.d < p.as_of AND e.d >= p.w60
    GROUP BY p.business_id, p.as_of
),
lic_f AS (
    SELECT p.business_id, p.as_of,
        count(*) AS permits_total,
        count(*) FILTER (WHERE l.valid_to IS NULL OR l.valid_to >= p.as_of) AS permits_active,
        count(DISTINCT l.permit_item) FILTER (WHERE l.valid_to IS NULL OR l.valid_to >= p.as_of) AS items_active,
        count(*) - count(DISTINCT coalesce(l.permit_item, l.permit_key)) AS renewals,
        min(l.decision_date) AS first_permit_on,
        max(l.decision_date) AS last_permit_on,
        count(*) FILTER (WHERE l.valid_to >= p.as_of AND l.valid_to < p.as_of + 30) AS expiring_30d,
        count(*) FILTER (WHERE l.valid_to >= p.as_of AND l.valid_to < p.as_of + 60) AS expiring_60d,
        count(*) FILTER (WHERE l.valid_to >= p.as_of AND l.valid_to < p.as_of + 90) AS expiring_90d
    FROM panel p
    JOIN (SELECT business_id, permit_key, decision_date, valid_to,
                 coalesce(permit_item, certificate_name) AS permit_item
          FROM permits) l
      ON l.business_id = p.business_id AND l.decision_date < p.as_of
    GROUP BY p.business_id, p.as_of
),
-- Field rates: share of inspections in the last 12 months that found a problem (severity >= 1) /
-- a serious one (>= 2), smoothed towards the division (for the class) and the county (for the
-- division and the township). An inspection belongs to the field written on it, else to the
-- field of its business's newest earlier record.
insp_window AS (
    SELECT * FROM insp
    WHERE d >= (SELECT min(w12) FROM dates) AND d < (SELECT max(as_of) FROM dates)
),
insp_field AS (  -- field written on the inspection: no lookup needed (the common case)
    SELECT d, severity, industry_code, township
    FROM insp_window
    WHERE industry_code IS NOT NULL AND township IS NOT NULL
    UNION ALL
    SELECT i.d, i.severity,
           coalesce(i.industry_code, li.industry_code, ai.industry_code, '') AS industry_code,
           coalesce(i.township, lt.township, ta.township, '其他') AS township
    FROM (SELECT * FROM insp_window WHERE industry_code IS NULL OR township IS NULL) i
    ASOF LEFT JOIN lic_ind li ON li.business_id = i.business_id AND i.d >= li.d
    ASOF LEFT JOIN ind_attr ai ON ai.business_id = i.business_id AND i.d >= ai.d
    ASOF LEFT JOIN lic_town lt ON lt.business_id = i.business_id AND i.d >= lt.d
    ASOF LEFT JOIN town_attr ta ON ta.business_id = i.business_id AND i.d >= ta.d
),
insp_daily AS (
    SELECT d, industry_code, left(industry_code, 2) AS division, township,
           count(*) AS n, count(*) FILTER (WHERE severity >= 1) AS k, count(*) FILTER (WHERE severity >= 2) AS ks
    FROM insp_field
    GROUP BY ALL
),
field_insp AS (
    SELECT dt.as_of, x.industry_code, x.division, x.township, sum(x.n) AS n, sum(x.k) AS k, sum(x.ks) AS ks
    FROM dates dt
    JOIN insp_daily x ON x.d < dt.as_of AND x.d >= dt.w12
    GROUP BY dt.as_of, x.industry_code, x.division, x.township
),
county_rate AS (
    SELECT as_of, (sum(k) + 1.0) / (sum(n) + 2.0) AS rate, (sum(ks) + 1.0) / (sum(n) + 2.0) AS srate
    FROM field_insp GROUP BY as_of
),
division_rate AS (
    SELECT f.as_of, f.division,
           (sum(f.k) + $smoothing * any_value(c.rate)) / (sum(f.n) + $smoothing) AS rate,
           (sum(f.ks) + $smoothing * any_value(c.srate)) / (sum(f.n) + $smoothing) AS srate
    FROM field_insp f JOIN county_rate c USING (as_of)
    GROUP BY f.as_of, f.division
),
class_rate AS (
    SELECT f.as_of, f.industry_code,
           (sum(f.k) + $smoothing * any_value(d.rate)) / (sum(f.n) + $smoothing) AS rate,
           (sum(f.ks) + $smoothing * any_value(d.srate)) / (sum(f.n) + $smoothing) AS srate
    FROM field_insp f JOIN division_rate d ON d.as_of = f.as_of AND d.division = f.division
    GROUP BY f.as_of, f.industry_code
),
township_rate AS (
    SELECT f.as_of, f.township,
           (sum(f.k) + $smoothing * any_value(c.rate)) / (sum(f.n) + $smoothing) AS rate,
           (sum(f.ks) + $smoothing * any_value(c.srate)) / (sum(f.n) + $smoothing) AS srate
    FROM field_insp f JOIN county_rate c USING (as_of)
    GROUP BY f.as_of, f.township
),
-- licences active at as_of per industry class (the class written on the licence)
field_biz AS (
    SELECT dt.as_of, coalesce(l.industry_code, '') AS industry_code, count(*) AS n_biz
    FROM dates dt
    JOIN permits l ON l.decision_date < dt.as_of AND (l.valid_to IS NULL OR l.valid_to >= dt.as_of)
    GROUP BY ALL
),
sub_daily AS (
    SELECT c.d, c.known_on, coalesce(ai.industry_code, '') AS industry_code, count(*) AS n
    FROM cmp c
    ASOF LEFT JOIN ind_attr ai ON ai.business_id = c.business_id AND c.d >= ai.d
    WHERE c.is_sub AND c.d >= (SELECT min(w12) FROM dates) AND c.d < (SELECT max(as_of) FROM dates)
    GROUP BY ALL
),
field_sub AS (
    SELECT dt.as_of, x.industry_code, sum(x.n) AS sub
    FROM dates dt
    JOIN sub_daily x ON x.d >= dt.w12 AND x.d < dt.as_of AND x.known_on < dt.as_of
    GROUP BY dt.as_of, x.industry_code
),
field_cmp AS (
    SELECT f.as_of, f.industry_code, f.n_biz, coalesce(s.sub, 0) AS sub
    FROM field_biz f LEFT JOIN field_sub s USING (as_of, industry_code)
),
joined AS (
    SELECT
        p.business_id, p.as_of, p.township, p.industry_code, p.division, p.permit_item,
        coalesce(i.insp_3m, 0) AS insp_3m, coalesce(i.insp_12m, 0) AS insp_12m,
        coalesce(i.insp_24m, 0) AS insp_24m, coalesce(i.insp_60m, 0) AS insp_60m,
        coalesce(i.prob_3m, 0) AS prob_3m, coalesce(i.prob_6m, 0) AS prob_6m,
        coalesce(i.prob_12m, 0) AS prob_12m, coalesce(i.prob_24m, 0) AS prob_24m,
        coalesce(i.prob_60m, 0) AS prob_60m, coalesce(i.onspot_24m, 0) AS onspot_24m,
        coalesce(i.order_12m, 0) AS order_12m, coalesce(i.order_24m, 0) AS order_24m,
        coalesce(i.order_60m, 0) AS order_60m,
        coalesce(i.referral_24m, 0) AS referral_24m, coalesce(i.problems_12m, 0) AS problems_12m,
        coalesce(i.complaint_insp_12m, 0) AS complaint_insp_12m,
        coalesce(i.random_insp_24m, 0) AS random_insp_24m,
        coalesce(i.random_insp_60m, 0) AS random_insp_60m, coalesce(i.random_order_60m, 0) AS random_order_60m,
        coalesce(i.insp_decayed, 0) AS insp_decayed, coalesce(i.order_decayed, 0) AS order_decayed,
        coalesce(i.insp_recent, 0) AS insp_recent, coalesce(i.order_recent, 0) AS order_recent,
        coalesce(i.complaint_insp_3m, 0) AS complaint_insp_3m,
        datediff('day', i.last_complaint_insp_on, p.as_of) AS days_since_complaint_insp,
        coalesce(ao.insp_after_order, 0) AS insp_after_order,
        coalesce(ao.insp_after_order > 0 AND ao.worst_after_order = 0, false) AS reinspected_clean,
        coalesce(ao.insp_after_order = 0 AND datediff('day', i.last_order_on, p.as_of) <= $due_days, false)
            AS order_pending,
        coalesce(i.max_severity_12m, 0) AS max_severity_12m,
        coalesce(i.max_severity_24m, 0) AS max_severity_24m,
        i.last3[1] AS last_severity, i.last3[2] AS severity_2, i.last3[3] AS severity_3,
        list_avg(i.last3) AS mean_severity_3,
        coalesce(i.last_clean_on > i.last_prob_on, false) AS clean_after_problem,
        coalesce(c.cmp_3m, 0) AS cmp_3m, coalesce(c.cmp_6m, 0) AS cmp_6m,
        coalesce(c.cmp_12m, 0) AS cmp_12m, coalesce(c.cmp_24m, 0) AS cmp_24m,
        coalesce(c.sub_3m, 0) AS sub_3m, coalesce(c.sub_6m, 0) AS sub_6m,
        coalesce(c.sub_12m, 0) AS sub_12m, coalesce(c.sub_24m, 0) AS sub_24m,
        coalesce(c.unsub_12m, 0) AS unsub_12m, coalesce(m.sub_same_matter_12m, 0) AS sub_same_matter_12m,
        coalesce(e.pen_12m, 0) AS pen_12m, coalesce(e.pen_24m, 0) AS pen_24m,
        coalesce(e.pen_serious_24m, 0) AS pen_serious_24m, coalesce(e.fine_24m, 0) AS fine_24m,
        coalesce(l.permits_total, 0) AS permits_total, coalesce(l.permits_active, 0) AS permits_active,
        coalesce(l.items_active, 0) AS items_active, coalesce(l.renewals, 0) AS renewals,
        coalesce(l.expiring_30d, 0) AS expiring_30d, coalesce(l.expiring_60d, 0) AS expiring_60d,
        coalesce(l.expiring_90d, 0) AS expiring_90d,
        datediff('day', l.first_permit_on, p.as_of) AS licence_age_days,
        datediff('day', l.last_permit_on, p.as_of) AS days_since_permit,
        datediff('day', i.last_insp_on, p.as_of) AS days_since_insp,
        datediff('day', i.last_prob_on, p.as_of) AS days_since_problem,
        datediff('day', i.last_order_on, p.as_of) AS days_since_order,
        datediff('day', c.last_cmp_on, p.as_of) AS days_since_complaint,
        datediff('day', c.last_sub_on, p.as_of) AS days_since_substantiated,
        datediff('day', e.last_pen_on, p.as_of) AS days_since_penalty,
        coalesce(cr.rate, dr.rate, co.rate) AS field_problem_rate,
        coalesce(cr.srate, dr.srate, co.srate) AS field_serious_rate,
        coalesce(dr.rate, co.rate) AS division_problem_rate,
        coalesce(tr.rate, co.rate) AS township_problem_rate,
        coalesce(tr.srate, co.srate) AS township_serious_rate,
        coalesce(fc.sub / nullif(fc.n_biz, 0), 0) AS field_sub_per_business
    FROM panel p
    LEFT JOIN insp_f i ON i.business_id = p.business_id AND i.as_of = p.as_of
    LEFT JOIN after_order ao ON ao.business_id = p.business_id AND ao.as_of = p.as_of
    LEFT JOIN cmp_f c ON c.business_id = p.business_id AND c.as_of = p.as_of
    LEFT JOIN cmp_cat m ON m.business_id = p.business_id AND m.as_of = p.as_of
    LEFT JOIN pen_f e ON e.business_id = p.business_id AND e.as_of = p.as_of
    LEFT JOIN lic_f l ON l.business_id = p.business_id AND l.as_of = p.as_of
    LEFT JOIN county_rate co ON co.as_of = p.as_of
    LEFT JOIN division_rate dr ON dr.as_of = p.as_of AND dr.division = p.division
    LEFT JOIN class_rate cr ON cr.as_of = p.as_of AND cr.industry_code = p.industry_code
    LEFT JOIN township_rate tr ON tr.as_of = p.as_of AND tr.township = p.township
    LEFT JOIN field_cmp fc ON fc.as_of = p.as_of AND fc.industry_code = p.industry_code
),
-- beta-binomial prior strength by moments over businesses with at least two inspections in 60
-- months: var(k/n) = mu (1 - mu) / n (1 + (n - 1) rho), rho = 1 / (strength + 1); clamped to
-- [1, 200] pseudo-inspections (no overdispersion found = a strong pull to the field's rate)
eb_moments AS (
    SELECT as_of, avg(order_60m / insp_60m) AS mu, var_pop(order_60m / insp_60m) AS v,
           avg(insp_60m) AS n_mean, avg(1.0 / insp_60m) AS inv_n
    FROM joined WHERE insp_60m >= 2 GROUP BY as_of
),
eb_prior AS (
    SELECT as_of,
           least(greatest(1.0 / greatest(least(
               (v - mu * (1 - mu) * inv_n) / nullif(mu * (1 - mu) * (1 - inv_n), 0), 0.999), 0.005) - 1.0,
               1.0), 200.0) AS strength
    FROM eb_moments
),
-- a business's own rates: its inspections in the last 60 months plus $rate_prior pseudo-inspections
-- at its field's rate (a business never inspected gets its field's rate: the prior). Every feature
-- is cast to FLOAT (4 bytes) here, so a million businesses fit in a few hundred MB.
rated AS (
    SELECT *,
           (order_60m + $rate_prior * coalesce(field_serious_rate, 0))
               / (insp_60m + $rate_prior) AS serious_rate,
           (prob_60m + $rate_prior * coalesce(field_problem_rate, 0))
               / (insp_60m + $rate_prior) AS problem_rate,
           -- the same with time-decayed counts, and over the 双随机 checks alone (not targeted, so
           -- not inflated by the re-inspections that follow a finding)
           (order_decayed + $rate_prior * coalesce(field_serious_rate, 0))
               / (insp_decayed + $rate_prior) AS serious_rate_decayed,
           (random_order_60m + $rate_prior * coalesce(field_serious_rate, 0))
               / (random_insp_60m + $rate_prior) AS serious_rate_random,
           (order_recent + $rate_prior * coalesce(field_serious_rate, 0))
               / (insp_recent + $rate_prior) AS serious_rate_recent,
           -- empirical Bayes: the prior strength (pseudo-inspections) of a beta-binomial fitted by
           -- moments to the businesses' serious-finding records of that date (eb_prior below)
           (order_60m + e.strength * coalesce(field_serious_rate, 0)) / (insp_60m + e.strength)
               AS serious_rate_eb
    FROM joined
    LEFT JOIN eb_prior e USING (as_of)
)
SELECT business_id, as_of, township, industry_code, division, permit_item,
       COLUMNS(* EXCLUDE (business_id, as_of, township, industry_code, division, permit_item))::FLOAT
FROM rated
ORDER BY as_of, business_id
