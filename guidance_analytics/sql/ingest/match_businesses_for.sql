-- The businesses of $ids (new or changed by an import), as matched against.
WITH wanted AS (
    SELECT unnest($ids::VARCHAR[]) AS business_id
)
SELECT b.business_id, b.uscc, b.name, b.name_norm, b.name_core, b.address, b.township
FROM businesses AS b
JOIN wanted USING (business_id)
