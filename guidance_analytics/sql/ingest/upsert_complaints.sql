-- Insert new complaints and replace updated ones (same natural key, newer content).
INSERT OR REPLACE INTO complaints BY NAME
SELECT * FROM staged
