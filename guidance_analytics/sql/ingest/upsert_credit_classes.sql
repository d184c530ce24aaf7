-- Insert new credit-risk classes and replace updated ones (same code and date, newer content).
INSERT OR REPLACE INTO credit_classes BY NAME
SELECT * FROM staged
