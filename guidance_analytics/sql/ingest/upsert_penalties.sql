-- Insert new penalties and replace updated ones (same natural key, newer content).
INSERT OR REPLACE INTO penalties BY NAME
SELECT * FROM staged
