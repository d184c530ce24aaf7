-- Keep rejected rows whole; the same raw row rejected again is stored once.
INSERT OR IGNORE INTO rejects BY NAME
SELECT * FROM staged_rejects
