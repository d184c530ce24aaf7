-- One catalogue item into the workspace copy.
INSERT INTO catalog_items (
    item_code, position, item_name, issue, actions, legal_basis, situations, targets, content, unit,
    contact, phone, permit_items, industries, triggers, remarks, loaded_from, loaded_at
) VALUES (
    $item_code, $position, $item_name, $issue, $actions, $legal_basis, $situations, $targets,
    $content, $unit, $contact, $phone, $permit_items, $industries, $triggers, $remarks, $loaded_from, $loaded_at
)
