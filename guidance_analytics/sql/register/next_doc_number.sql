-- Next number of a document type in a year (gapless: numbers are never deleted).
WITH used AS (
    SELECT coalesce(max(number), 0) AS last_number
    FROM register_documents
    WHERE doc_type = $doc_type AND year = $year
)
SELECT last_number + 1 AS next_number
FROM used
