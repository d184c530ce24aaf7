-- Everything known about each business from licences, inspections and penalties; the newest
-- licence wins for descriptive fields, other records fill gaps.
--   $ids  VARCHAR[] or NULL: only these businesses (an import's new or changed ones); NULL = all
WITH all_sources AS (
    SELECT business_id, uscc, name, subject_type, legal_rep, address, township, industry_code,
           decision_date AS seen_on, 1 AS priority
    FROM permits
    UNION ALL
    SELECT business_id, uscc, name, subject_type, legal_rep, address, township, industry_code,
           decided_on, 2
    FROM penalties
    UNION ALL
    SELECT business_id, uscc, name, NULL, NULL, address, township, industry_code, inspected_on, 3
    FROM inspections
),
sources AS (
    SELECT *
    FROM all_sources
    WHERE business_id IS NOT NULL
      AND ($ids::VARCHAR[] IS NULL OR business_id IN (SELECT unnest($ids::VARCHAR[])))
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY business_id ORDER BY priority, seen_on DESC NULLS LAST) AS rn
    FROM sources
),
spans AS (
    SELECT business_id, min(seen_on) AS first_seen, max(seen_on) AS last_seen,
           arg_max(uscc, seen_on) FILTER (WHERE uscc IS NOT NULL) AS any_uscc,
           arg_max(subject_type, seen_on) FILTER (WHERE subject_type IS NOT NULL) AS any_subject,
           arg_max(legal_rep, seen_on) FILTER (WHERE legal_rep IS NOT NULL) AS any_rep,
           arg_max(address, seen_on) FILTER (WHERE address IS NOT NULL) AS any_address,
           arg_max(township, seen_on) FILTER (WHERE township IS NOT NULL) AS any_township,
           arg_max(industry_code, seen_on) FILTER (WHERE industry_code IS NOT NULL) AS any_industry
    FROM sources
    GROUP BY business_id
)
SELECT r.business_id,
       coalesce(r.uscc, s.any_uscc) AS uscc,
       r.name,
       coalesce(r.subject_type, s.any_subject) AS subject_type,
       coalesce(r.legal_rep, s.any_rep) AS legal_rep,
       coalesce(r.address, s.any_address) AS address,
       coalesce(r.township, s.any_township) AS township,
       coalesce(r.industry_code, s.any_industry) AS industry_code,
       s.first_seen::DATE AS first_seen,
       s.last_seen::DATE AS last_seen
FROM ranked AS r
JOIN spans AS s USING (business_id)
WHERE r.rn = 1
ORDER BY r.business_id
