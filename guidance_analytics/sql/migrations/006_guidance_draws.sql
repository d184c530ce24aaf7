-- The randomised route (issue 14): every risk-weighted draw of a candidate list is kept whole —
-- drawn and not-drawn rows with their inclusion probabilities, the seed and the design — so that
-- the follow-up can compare drawn with not-drawn businesses (Horvitz–Thompson / IPW). 是否采纳
-- is recorded when the reviewed list is registered (NULL until then; drawn-but-declined stays in
-- the comparison as drawn: intention-to-treat).
CREATE TABLE IF NOT EXISTS guidance_draws (
    draw_id        VARCHAR NOT NULL,
    as_of          DATE NOT NULL,
    seed           INTEGER NOT NULL,
    design         VARCHAR NOT NULL,
    action         VARCHAR NOT NULL,
    business_id    VARCHAR NOT NULL,
    score          DOUBLE,
    inclusion_prob DOUBLE NOT NULL,
    drawn          BOOLEAN NOT NULL,
    adopted        BOOLEAN,
    decided_at     TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (draw_id, action, business_id)
);

ALTER TABLE register_entries ADD COLUMN IF NOT EXISTS draw_id VARCHAR;
ALTER TABLE register_entries ADD COLUMN IF NOT EXISTS inclusion_prob DOUBLE;
