-- Descriptive columns per business for features, scores and the fairness audit.
WITH known AS (
    SELECT business_id, uscc, name, coalesce(township, '其他') AS township,
           industry_code AS industry, subject_type
    FROM businesses
)
SELECT * FROM known
