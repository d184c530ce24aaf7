-- Back to DuckDB's default memory cap once the import is done.
RESET memory_limit
