-- The businesses work orders are matched against.
WITH known AS (
    SELECT business_id, uscc, name, name_norm, name_core, address, township
    FROM businesses
)
SELECT * FROM known
