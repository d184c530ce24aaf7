-- Amend the editable fields of an entry; a NULL parameter leaves the field as it is.
UPDATE register_entries
SET guided_on = coalesce($guided_on, guided_on),
    matter = coalesce($matter, matter),
    officers = coalesce($officers, officers),
    place = coalesce($place, place),
    problem = coalesce($problem, problem),
    opinion = coalesce($opinion, opinion),
    legal_basis = coalesce($legal_basis, legal_basis),
    unit = coalesce($unit, unit),
    catalog_item = coalesce($catalog_item, catalog_item),
    result = coalesce($result, result),
    effect = coalesce($effect, effect),
    remarks = coalesce($remarks, remarks)
WHERE year = $year AND seq = $seq
