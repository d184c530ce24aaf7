-- Every recorded risk-weighted draw (the whole pool: drawn and not drawn, with inclusion
-- probabilities and, once the list was registered, 是否采纳) up to $as_of.
SELECT draw_id, as_of, seed, design, action, business_id, score, inclusion_prob, drawn, adopted
FROM guidance_draws
WHERE as_of <= $as_of
ORDER BY as_of, draw_id, action, business_id
