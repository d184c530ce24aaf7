-- Record one risk-weighted draw whole (every pool row, drawn or not) from the relation draw_rows
-- registered by targeting/draws.py: draw_id, as_of, seed, design, action, business_id, score,
-- inclusion_prob, drawn, adopted. A draw recorded again (same id) replaces its rows.
WITH fresh AS (
    SELECT draw_id, as_of::DATE AS as_of, seed::INTEGER AS seed, design, action, business_id,
           score::DOUBLE AS score, inclusion_prob::DOUBLE AS inclusion_prob, drawn::BOOLEAN AS drawn,
           adopted::BOOLEAN AS adopted, NULL::TIMESTAMP AS decided_at, now()::TIMESTAMP AS created_at
    FROM draw_rows
)
INSERT OR REPLACE INTO guidance_draws
SELECT * FROM fresh
