-- Cap DuckDB's memory for this connection's database while a file is imported ($limit, e.g. '256MB').
SET memory_limit = $limit
