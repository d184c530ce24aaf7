-- One DuckDB thread while the batches are stored: the import's own threads (reading ahead,
-- checking, storing) already keep the CPUs busy, and DuckDB's extra workers only add overhead.
SET threads = 1
