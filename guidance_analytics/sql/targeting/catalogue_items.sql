-- The workspace copy of the guidance catalogue (目录清单), in publication order.
WITH items AS (
    SELECT *
    FROM catalog_items
)
SELECT item_code, item_name, issue, actions, legal_basis, situations, targets, content, unit,
       contact, phone, permit_items, industries, triggers, remarks, loaded_from, loaded_at
FROM items
ORDER BY position, item_code
