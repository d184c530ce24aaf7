-- Register issue: the workspace copy of the guidance catalogue, register entries, document
-- numbers (per type and year) and the audit trail. Entries are never deleted.
CREATE TABLE IF NOT EXISTS catalog_items (
    item_code    VARCHAR PRIMARY KEY,
    position     INTEGER,
    item_name    VARCHAR NOT NULL,
    issue        VARCHAR,
    actions      VARCHAR,
    legal_basis  VARCHAR,
    situations   VARCHAR,
    targets      VARCHAR,
    content      VARCHAR,
    unit         VARCHAR,
    contact      VARCHAR,
    phone        VARCHAR,
    permit_items VARCHAR,
    industries   VARCHAR,
    remarks      VARCHAR,
    loaded_from  VARCHAR,
    loaded_at    TIMESTAMP
);

CREATE TABLE IF NOT EXISTS register_entries (
    year          INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    guided_on     DATE NOT NULL,
    matter        VARCHAR NOT NULL,
    result        VARCHAR,
    effect        VARCHAR,
    officers      VARCHAR NOT NULL,
    method        VARCHAR NOT NULL,
    business_id   VARCHAR NOT NULL,
    target_name   VARCHAR,
    uscc          VARCHAR,
    township      VARCHAR,
    industry_code VARCHAR,
    unit          VARCHAR,
    catalog_item  VARCHAR,
    legal_basis   VARCHAR,
    issue         VARCHAR,
    problem       VARCHAR,
    opinion       VARCHAR,
    place         VARCHAR,
    reasons       VARCHAR,
    evidence      VARCHAR,
    score         DOUBLE,
    as_of         DATE,
    remarks       VARCHAR,
    dedup_key     VARCHAR NOT NULL,
    source        VARCHAR,
    status        VARCHAR NOT NULL,
    created_by    VARCHAR,
    created_at    TIMESTAMP NOT NULL,
    result_at     TIMESTAMP,
    void_by       VARCHAR,
    void_at       TIMESTAMP,
    void_reason   VARCHAR,
    PRIMARY KEY (year, seq)
);

-- One row per document number issued: unique per (doc_type, year, number), gapless by construction
-- (next = max + 1 inside the add transaction).
CREATE TABLE IF NOT EXISTS register_documents (
    doc_type    VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    doc_no      VARCHAR NOT NULL,
    entry_year  INTEGER NOT NULL,
    entry_seq   INTEGER NOT NULL,
    issued_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_type, year, number)
);

CREATE SEQUENCE IF NOT EXISTS register_audit_seq START 1;

-- Who did what, when and why: add, result, void, amend (one row per changed field).
CREATE TABLE IF NOT EXISTS register_audit (
    audit_id   BIGINT PRIMARY KEY DEFAULT nextval('register_audit_seq'),
    year       INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    action     VARCHAR NOT NULL,
    field      VARCHAR,
    old_value  VARCHAR,
    new_value  VARCHAR,
    by_whom    VARCHAR,
    reason     VARCHAR,
    changed_at TIMESTAMP NOT NULL
);
