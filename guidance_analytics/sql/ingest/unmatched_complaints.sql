-- Complaints not yet linked to a business, one page at a time (keyset pagination by order_no),
-- with their stored screening keys (NULL until first computed).
WITH pending AS (
    SELECT order_no, target_name, address, township, match_norm, match_core, match_address, match_town
    FROM complaints
    WHERE business_id IS NULL
      AND order_no > $after
)
SELECT * FROM pending
ORDER BY order_no
LIMIT $page_size
