-- The credit-risk class (企业信用风险分类) of each business as of each planning date: the latest
-- classification dated strictly before it. Parameter: $dates DATE[].
WITH dates AS (
    SELECT unnest($dates::DATE[]) AS as_of
),
known AS (
    SELECT business_id, risk_class, classified_on
    FROM credit_classes
    WHERE business_id IS NOT NULL
)
SELECT k.business_id, d.as_of, arg_max(k.risk_class, k.classified_on) AS risk_class,
       max(k.classified_on) AS classified_on
FROM dates d
JOIN known k ON k.classified_on < d.as_of
GROUP BY k.business_id, d.as_of
