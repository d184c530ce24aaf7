-- Evidence for the routing rules of the candidate list, per business, as of $as_of (events strictly
-- before it). Thresholds come from config/routing.toml as parameters:
-- $order_grace_days, $order_lookback_days, $open_case_days, $repeat_after_penalty_days,
-- $repeat_min_severity, $repeat_counts_substantiated, $repeated_days, $substantiated_days,
-- $penalty_days, $warning_recent_days, $warning_clean_days, $followup_after_days,
-- $followup_within_days, $major_items (VARCHAR[]), $expiring_days; from config/contacts.toml:
-- $edu_lookback_days, $repair_enabled, $small_kinds (VARCHAR[]), $small_fine_yuan, $small_months,
-- $other_months, $long_months, $long_industries, $long_words (VARCHAR[]), $remind_days.
WITH insp AS (
    SELECT business_id, inspection_no, inspected_on AS d, coalesce(violation_type, '') AS violation_type,
           severity
    FROM inspection_severity
    WHERE business_id IS NOT NULL AND inspected_on IS NOT NULL AND inspected_on < $as_of
),
pen AS (
    SELECT business_id, decided_on AS d, coalesce(violation_type, '') AS violation_type
    FROM penalty_violations
    WHERE business_id IS NOT NULL AND decided_on IS NOT NULL AND decided_on < $as_of
),
sub AS (
    SELECT business_id, CAST(received_at AS DATE) AS d, coalesce(category_top, '其他') AS matter
    FROM complaints
    WHERE business_id IS NOT NULL AND substantiated IN ('属实', '部分属实')
      AND received_at < CAST($as_of AS TIMESTAMP)
      AND coalesce(closed_at, received_at) < CAST($as_of AS TIMESTAMP)
      AND (request_type IS NULL OR request_type IN ('投诉', '举报'))
),
-- 移送执法 (a): the latest 责令限期整改 past its grace period without a clean inspection since.
last_order AS (
    SELECT business_id, max(d) AS order_on, arg_max(violation_type, d) AS order_type
    FROM insp WHERE severity = 2 AND d >= $as_of - $order_lookback_days
    GROUP BY business_id
),
order_open AS (
    SELECT o.business_id, o.order_on, o.order_type
    FROM last_order o
    WHERE o.order_on < $as_of - $order_grace_days
      AND NOT EXISTS (SELECT 1 FROM insp i WHERE i.business_id = o.business_id AND i.d > o.order_on
                                          AND i.severity = 0)
),
-- open case: an inspection 移送立案 with no penalty decided on or after it.
open_case AS (
    SELECT i.business_id, max(i.d) AS referral_on, arg_max(i.violation_type, i.d) AS referral_type
    FROM insp i
    WHERE i.severity = 3 AND i.d >= $as_of - $open_case_days
      AND NOT EXISTS (SELECT 1 FROM pen p WHERE p.business_id = i.business_id AND p.d >= i.d)
    GROUP BY i.business_id
),
-- repeat violation after a penalty: violations after the first penalty decided within the window.
pen_window AS (
    SELECT business_id, min(d) AS first_pen_on
    FROM pen WHERE d >= $as_of - $repeat_after_penalty_days
    GROUP BY business_id
),
repeat_after AS (
    SELECT w.business_id, any_value(w.first_pen_on) AS penalty_on, count(*) AS later_violations
    FROM pen_window w
    JOIN (
        SELECT business_id, d FROM insp WHERE severity >= $repeat_min_severity
        UNION ALL SELECT business_id, d FROM sub WHERE $repeat_counts_substantiated
    ) v ON v.business_id = w.business_id AND v.d > w.first_pen_on
    GROUP BY w.business_id
),
repeated AS (
    SELECT business_id, count(*) AS problems_recent
    FROM insp WHERE severity >= 1 AND d >= $as_of - $repeated_days
    GROUP BY business_id
),
-- 约谈: substantiated complaints of one matter, or a recent penalty.
sub_matter AS (
    SELECT business_id, matter AS sub_matter, n AS sub_matter_count,
           first_d AS sub_first_on, last_d AS sub_last_on
    FROM (SELECT business_id, matter, count(*) AS n, min(d) AS first_d, max(d) AS last_d FROM sub
          WHERE d >= $as_of - $substantiated_days GROUP BY business_id, matter)
    QUALIFY row_number() OVER (PARTITION BY business_id ORDER BY n DESC, matter) = 1
),
recent_pen AS (
    SELECT business_id, max(d) AS recent_penalty_on, arg_max(violation_type, d) AS penalty_type,
           count(*) AS recent_penalties
    FROM pen WHERE d >= $as_of - $penalty_days
    GROUP BY business_id
),
-- 劝导警示: exactly one violation recently, corrected on the spot, none before it.
recent_viol AS (
    SELECT business_id, count(*) AS n_recent, max(severity) AS max_sev,
           max(d) AS onspot_on, arg_max(violation_type, d) AS onspot_type
    FROM insp WHERE severity >= 1 AND d >= $as_of - $warning_recent_days
    GROUP BY business_id
),
first_minor AS (
    SELECT r.business_id, r.onspot_on, r.onspot_type
    FROM recent_viol r
    WHERE r.n_recent = 1 AND r.max_sev = 1
      AND NOT EXISTS (SELECT 1 FROM insp i WHERE i.business_id = r.business_id AND i.severity >= 1
                        AND i.d < r.onspot_on AND i.d >= r.onspot_on - $warning_clean_days)
      AND NOT EXISTS (SELECT 1 FROM pen p WHERE p.business_id = r.business_id
                        AND p.d >= r.onspot_on - $warning_clean_days)
),
-- 案件回访: a major licence issued in the follow-up window; 提示提醒: a licence expiring soon.
major AS (
    SELECT business_id, max(decision_date) AS major_on,
           arg_max(coalesce(permit_item, certificate_name), decision_date) AS major_item
    FROM permits
    WHERE business_id IS NOT NULL
      AND decision_date < $as_of - $followup_after_days
      AND decision_date >= $as_of - $followup_within_days
      AND len(list_filter($major_items::VARCHAR[],
              lambda x: contains(coalesce(permit_item, '') || coalesce(certificate_name, ''), x))) > 0
    GROUP BY business_id
),
expiring AS (
    SELECT business_id, min(valid_to) AS expires_on,
           arg_min(coalesce(permit_item, certificate_name), valid_to) AS expiring_item
    FROM permits
    WHERE business_id IS NOT NULL AND decision_date < $as_of
      AND valid_to >= $as_of AND valid_to < $as_of + $expiring_days
    GROUP BY business_id
),
-- Education after 不予处罚 (行政处罚法 第三十三条): 不予行政处罚 decisions from the day after the
-- decision until a register entry (not voided) names the decision number (in 关联决定书文号 or its
-- evidence); the earliest open one per business, and how many are open.
waiver_due AS (
    SELECT p.business_id, arg_min(p.decision_no, p.decided_on) AS edu_no, min(p.decided_on) AS edu_on,
           arg_min(p.waiver, p.decided_on) AS edu_kind,
           arg_min(coalesce(p.violation_type, ''), p.decided_on) AS edu_type, count(*) AS edu_open
    FROM penalties p
    WHERE p.waiver IS NOT NULL AND p.business_id IS NOT NULL AND p.decided_on < $as_of
      AND p.decided_on >= $as_of - $edu_lookback_days
      AND NOT EXISTS (SELECT 1 FROM register_entries e
                      WHERE coalesce(e.status, '') <> '已作废'
                        AND (e.decision_no = p.decision_no OR contains(coalesce(e.evidence, ''), p.decision_no)))
    GROUP BY p.business_id
),
-- 信用修复: a penalty (not a 不予处罚 decision) whose minimum display period has passed on or
-- before $as_of (at most $remind_days ago), with no violation since and no register entry naming it.
repair_base AS (
    SELECT p.business_id, p.decision_no, p.decided_on, p.penalty_types,
           CASE WHEN len(list_filter($long_industries::VARCHAR[],
                         lambda x: starts_with(coalesce(p.industry_code, b.industry_code, ''), x))) > 0
                  OR len(list_filter($long_words::VARCHAR[],
                         lambda w: contains(coalesce(p.violation_type, '') || coalesce(p.facts, ''), w))) > 0
                THEN $long_months
                WHEN p.penalty_types IS NOT NULL
                  AND list_has_all($small_kinds::VARCHAR[], string_split(p.penalty_types, ';'))
                  AND coalesce(p.fine_yuan, 0) <= $small_fine_yuan
                THEN $small_months
                ELSE $other_months END AS months
    FROM penalties p
    LEFT JOIN businesses b USING (business_id)
    WHERE $repair_enabled AND p.waiver IS NULL AND p.business_id IS NOT NULL AND p.decided_on < $as_of
),
repair_due AS (
    SELECT r.business_id, r.decision_no AS repair_no, r.decided_on AS repair_decided_on,
           CAST(r.decided_on + to_months(r.months) AS DATE) AS repair_on, r.months AS repair_months,
           r.penalty_types AS repair_kinds
    FROM repair_base r
    WHERE CAST(r.decided_on + to_months(r.months) AS DATE) <= $as_of
      AND CAST(r.decided_on + to_months(r.months) AS DATE) > $as_of - $remind_days
      AND NOT EXISTS (SELECT 1 FROM insp i WHERE i.business_id = r.business_id AND i.severity >= 1
                        AND i.d > r.decided_on)
      AND NOT EXISTS (SELECT 1 FROM pen q WHERE q.business_id = r.business_id AND q.d > r.decided_on)
      AND NOT EXISTS (SELECT 1 FROM register_entries e
                      WHERE coalesce(e.status, '') <> '已作废'
                        AND (e.decision_no = r.decision_no OR contains(coalesce(e.evidence, ''), r.decision_no)))
    QUALIFY row_number() OVER (PARTITION BY r.business_id ORDER BY r.decided_on DESC, r.decision_no) = 1
),
permit_items AS (
    SELECT business_id, string_agg(DISTINCT coalesce(permit_item, certificate_name), ';') AS permit_items
    FROM permits WHERE business_id IS NOT NULL AND decision_date < $as_of
    GROUP BY business_id
)
SELECT b.business_id,
       oo.order_on, oo.order_type,
       oc.referral_on, oc.referral_type,
       ra.penalty_on AS repeat_penalty_on, ra.later_violations,
       coalesce(rp.problems_recent, 0) AS problems_recent,
       sm.sub_matter, coalesce(sm.sub_matter_count, 0) AS sub_matter_count, sm.sub_first_on, sm.sub_last_on,
       pn.recent_penalty_on, pn.penalty_type, coalesce(pn.recent_penalties, 0) AS recent_penalties,
       fm.onspot_on, fm.onspot_type,
       mj.major_on, mj.major_item,
       ex.expires_on, ex.expiring_item,
       pi.permit_items,
       wd.edu_no, wd.edu_on, wd.edu_kind, wd.edu_type, coalesce(wd.edu_open, 0) AS edu_open,
       rd.repair_no, rd.repair_decided_on, rd.repair_on, rd.repair_months, rd.repair_kinds
FROM businesses b
LEFT JOIN order_open oo USING (business_id)
LEFT JOIN open_case oc USING (business_id)
LEFT JOIN repeat_after ra USING (business_id)
LEFT JOIN repeated rp USING (business_id)
LEFT JOIN sub_matter sm USING (business_id)
LEFT JOIN recent_pen pn USING (business_id)
LEFT JOIN first_minor fm USING (business_id)
LEFT JOIN major mj USING (business_id)
LEFT JOIN expiring ex USING (business_id)
LEFT JOIN permit_items pi USING (business_id)
LEFT JOIN waiver_due wd USING (business_id)
LEFT JOIN repair_due rd USING (business_id)
