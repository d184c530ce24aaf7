-- Every business with what the comparison needs: industry division (first two digits of the
-- GB/T 4754 class), township, subject type, first record, the last day its licences run to
-- (operating_until: the latest valid_to of its permits, 2099-12-31 for 长期; NULL when it holds
-- no permit in the workspace, i.e. unknown — never inferred from later records, which would pick
-- controls on their outcome) and closed (every permit it holds is 注销/吊销/撤销/撤回: the
-- business stopped operating at a date the exports do not give).
WITH licences AS (
    SELECT business_id,
           max(coalesce(valid_to, DATE '2099-12-31')) AS operating_until,
           bool_and(coalesce(status, '') IN ('注销', '吊销', '撤销', '撤回')) AS closed
    FROM permits
    WHERE business_id IS NOT NULL
    GROUP BY business_id
)
SELECT b.business_id,
       coalesce(left(b.industry_code, 2), '') AS division,
       coalesce(b.township, '') AS township,
       coalesce(b.subject_type, '') AS subject_type,
       b.first_seen,
       l.operating_until,
       coalesce(l.closed, FALSE) AS closed
FROM businesses AS b
LEFT JOIN licences AS l USING (business_id)
ORDER BY b.business_id
