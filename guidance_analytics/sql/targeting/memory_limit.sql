-- Cap DuckDB's memory while features are computed ($limit, e.g. '2GB'; [model] duckdb_memory_limit).
SET memory_limit = $limit
