-- Issue 11 (csv import speed): three columns of the work orders are stored uncompressed.
-- DuckDB compresses each column as it writes it; for the work-order number, the content text
-- (诉求内容) and the row hash - texts that are almost all distinct - that compression was about a
-- third of the CPU of storing a 300 000-row file (0.89 -> 0.59 s) and about 0.3 s of the import's
-- wall time on 2 CPUs, for about 75 bytes a row (benchmarks/results/bench_ingest_goals.txt).
-- A county's work orders are tens of thousands a year: megabytes, not a cost worth that time.
-- DuckDB cannot alter a column's compression, so the table is rebuilt with the same columns in the
-- same order (the views over it bind by name); the other columns keep DuckDB's choice.
CREATE TABLE complaints_rebuilt (
    order_no VARCHAR USING COMPRESSION uncompressed,
    received_at TIMESTAMP,
    channel VARCHAR,
    request_type VARCHAR,
    category VARCHAR,
    category_top VARCHAR,
    title VARCHAR,
    "content" VARCHAR USING COMPRESSION uncompressed,
    target_name VARCHAR,
    address VARCHAR,
    township VARCHAR,
    handling_unit VARCHAR,
    closed_at TIMESTAMP,
    result VARCHAR,
    substantiated VARCHAR,
    satisfaction VARCHAR,
    business_id VARCHAR,
    match_method VARCHAR,
    match_confidence DOUBLE,
    match_note VARCHAR,
    source_file VARCHAR,
    row_hash VARCHAR USING COMPRESSION uncompressed,
    imported_at TIMESTAMP,
    extra VARCHAR,
    status VARCHAR,
    updated_at TIMESTAMP,
    match_norm VARCHAR,
    match_core VARCHAR,
    match_address VARCHAR,
    match_town VARCHAR
);
INSERT INTO complaints_rebuilt SELECT * FROM complaints;
DROP TABLE complaints;
ALTER TABLE complaints_rebuilt RENAME TO complaints;
