-- Issue 11 (licence imports re-screened every unmatched work order): each work order keeps the
-- keys its target is screened by — normalised name, name core, address key and township (given
-- or read from the address), '' where there is none, NULL until first computed — so that a licence
-- import screens the stored keys instead of normalising ~50 000 targets again. Filled lazily by
-- the first licence import that screens the work order; a replaced work order starts again at NULL.
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS match_norm VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS match_core VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS match_address VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS match_town VARCHAR;
