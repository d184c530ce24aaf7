-- Link complaints to businesses (method, confidence, and the reason when unmatched).
UPDATE complaints AS c
SET business_id = m.business_id,
    match_method = m.match_method,
    match_confidence = m.match_confidence,
    match_note = m.match_note
FROM staged_matches AS m
WHERE c.order_no = m.order_no
