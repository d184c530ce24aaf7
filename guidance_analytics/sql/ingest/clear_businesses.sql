-- Empty the businesses table before it is rebuilt from the record tables (same transaction).
DELETE FROM businesses
