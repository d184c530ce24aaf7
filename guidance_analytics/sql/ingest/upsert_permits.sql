-- Insert new permits and replace updated ones (same natural key, newer content).
INSERT OR REPLACE INTO permits BY NAME
SELECT * FROM staged
