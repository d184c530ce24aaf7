-- Back to DuckDB's default thread count for the whole-file steps and the commit.
RESET threads
