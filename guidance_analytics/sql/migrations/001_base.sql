-- Ingest tables: businesses, the four record kinds, rejects and the import log.
CREATE TABLE IF NOT EXISTS businesses (
    business_id    VARCHAR PRIMARY KEY,
    uscc           VARCHAR,
    uscc_check_ok  BOOLEAN,
    name           VARCHAR,
    name_norm      VARCHAR,
    name_core      VARCHAR,
    subject_type   VARCHAR,
    legal_rep      VARCHAR,
    address        VARCHAR,
    township       VARCHAR,
    industry_code  VARCHAR,
    first_seen     DATE,
    last_seen      DATE
);

CREATE TABLE IF NOT EXISTS permits (
    permit_key        VARCHAR PRIMARY KEY,
    business_id       VARCHAR,
    name              VARCHAR,
    subject_type      VARCHAR,
    uscc              VARCHAR,
    legal_rep         VARCHAR,
    decision_doc_name VARCHAR,
    decision_doc_no   VARCHAR,
    permit_category   VARCHAR,
    certificate_name  VARCHAR,
    permit_item       VARCHAR,
    permit_no         VARCHAR,
    content           VARCHAR,
    decision_date     DATE,
    valid_from        DATE,
    valid_to          DATE,
    authority         VARCHAR,
    status            VARCHAR,
    address           VARCHAR,
    township          VARCHAR,
    industry_code     VARCHAR,
    source_file       VARCHAR,
    row_hash          VARCHAR,
    imported_at       TIMESTAMP
);

CREATE TABLE IF NOT EXISTS complaints (
    order_no         VARCHAR PRIMARY KEY,
    received_at      TIMESTAMP,
    channel          VARCHAR,
    request_type     VARCHAR,
    category         VARCHAR,
    category_top     VARCHAR,
    title            VARCHAR,
    content          VARCHAR,
    target_name      VARCHAR,
    address          VARCHAR,
    township         VARCHAR,
    handling_unit    VARCHAR,
    closed_at        TIMESTAMP,
    result           VARCHAR,
    substantiated    VARCHAR,
    satisfaction     VARCHAR,
    business_id      VARCHAR,
    match_method     VARCHAR,
    match_confidence DOUBLE,
    match_note       VARCHAR,
    source_file      VARCHAR,
    row_hash         VARCHAR,
    imported_at      TIMESTAMP
);

CREATE TABLE IF NOT EXISTS inspections (
    inspection_no   VARCHAR PRIMARY KEY,
    inspected_on    DATE,
    business_id     VARCHAR,
    name            VARCHAR,
    uscc            VARCHAR,
    inspection_type VARCHAR,
    result          VARCHAR,
    problems        VARCHAR,
    problem_count   INTEGER,
    violation_type  VARCHAR,
    inspectors      VARCHAR,
    address         VARCHAR,
    township        VARCHAR,
    industry_code   VARCHAR,
    source_file     VARCHAR,
    row_hash        VARCHAR,
    imported_at     TIMESTAMP
);

CREATE TABLE IF NOT EXISTS penalties (
    decision_no       VARCHAR PRIMARY KEY,
    business_id       VARCHAR,
    name              VARCHAR,
    subject_type      VARCHAR,
    uscc              VARCHAR,
    legal_rep         VARCHAR,
    violation_type    VARCHAR,
    facts             VARCHAR,
    basis             VARCHAR,
    penalty_types     VARCHAR,
    content           VARCHAR,
    fine_yuan         DOUBLE,
    confiscation_yuan DOUBLE,
    decided_on        DATE,
    authority         VARCHAR,
    data_source       VARCHAR,
    address           VARCHAR,
    township          VARCHAR,
    industry_code     VARCHAR,
    source_file       VARCHAR,
    row_hash          VARCHAR,
    imported_at       TIMESTAMP
);

CREATE TABLE IF NOT EXISTS rejects (
    kind        VARCHAR,
    source_file VARCHAR,
    row_number  BIGINT,
    reason      VARCHAR,
    raw         VARCHAR,
    row_hash    VARCHAR,
    imported_at TIMESTAMP,
    PRIMARY KEY (kind, row_hash)
);

CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

CREATE TABLE IF NOT EXISTS imports (
    import_id   BIGINT PRIMARY KEY DEFAULT nextval('import_id_seq'),
    kind        VARCHAR,
    source_file VARCHAR,
    sha256      VARCHAR,
    sheet       VARCHAR,
    encoding    VARCHAR,
    "read"      BIGINT,
    accepted    BIGINT,
    updated     BIGINT,
    duplicates  BIGINT,
    rejected    BIGINT,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP
);

-- Natural key, content hash and version (newer-content rule) of every stored record, by kind.
CREATE OR REPLACE VIEW record_versions AS
SELECT 'permits' AS kind, permit_key AS key, row_hash, NULL::TIMESTAMP AS version FROM permits
UNION ALL
SELECT 'complaints', order_no, row_hash, closed_at FROM complaints
UNION ALL
SELECT 'inspections', inspection_no, row_hash, NULL::TIMESTAMP FROM inspections
UNION ALL
SELECT 'penalties', decision_no, row_hash, NULL::TIMESTAMP FROM penalties;
