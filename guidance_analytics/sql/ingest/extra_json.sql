-- The unmapped columns of each staged row as JSON text (NULL when all are empty), in row order.
WITH rows_in_order AS (
    SELECT extra FROM staged_extra
)
SELECT to_json(extra)::VARCHAR AS extra FROM rows_in_order
