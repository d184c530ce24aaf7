-- Insert permits whose natural key is not stored yet (a plain append: cheaper than INSERT OR REPLACE).
WITH new_rows AS (
    SELECT * FROM staged
)
INSERT INTO permits BY NAME
SELECT * FROM new_rows
