-- Keep the screening keys of work orders (staged_keys: order_no and the four keys, '' for none).
UPDATE complaints AS c
SET match_norm = k.match_norm,
    match_core = k.match_core,
    match_address = k.match_address,
    match_town = k.match_town
FROM staged_keys AS k
WHERE c.order_no = k.order_no
