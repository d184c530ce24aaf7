-- Empty the catalogue copy before loading an edited version (register entries keep their codes).
DELETE FROM catalog_items
