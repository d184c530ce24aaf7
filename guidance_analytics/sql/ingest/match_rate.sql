-- Match rate of the complaints of one source file (those naming a business at all).
WITH file_rows AS (
    SELECT business_id, target_name FROM complaints WHERE source_file = $source_file
),
named AS (
    SELECT count(*) AS named, count(business_id) AS matched
    FROM file_rows
    WHERE target_name IS NOT NULL
)
SELECT named, matched FROM named
