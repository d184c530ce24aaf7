-- Complaints not yet linked to a business: the ones to (re)match.
WITH pending AS (
    SELECT order_no, target_name, address, township, content
    FROM complaints
    WHERE business_id IS NULL
)
SELECT * FROM pending
