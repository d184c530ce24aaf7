-- Insert new inspections and replace updated ones (same natural key, newer content).
INSERT OR REPLACE INTO inspections BY NAME
SELECT * FROM staged
