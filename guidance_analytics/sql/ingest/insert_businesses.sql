-- The rebuilt businesses table.
WITH rebuilt AS (
    SELECT * FROM staged_businesses
)
INSERT INTO businesses BY NAME
SELECT * FROM rebuilt
