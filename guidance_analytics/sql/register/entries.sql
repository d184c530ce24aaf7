-- The register (登记簿): one row per entry with its document numbers and catalogue text.
WITH docs AS (
    SELECT entry_year, entry_seq,
           max(CASE WHEN doc_type = '意见书' THEN doc_no END) AS opinion_no,
           max(CASE WHEN doc_type = '文书' THEN doc_no END) AS record_no,
           max(CASE WHEN doc_type = '约谈通知书' THEN doc_no END) AS notice_no,
           string_agg(doc_type || doc_no, '；' ORDER BY
               CASE doc_type WHEN '约谈通知书' THEN 1 WHEN '意见书' THEN 2 ELSE 3 END) AS doc_no
    FROM register_documents
    GROUP BY entry_year, entry_seq
),
picked AS (
    SELECT *
    FROM register_entries
    WHERE ($year IS NULL OR year = $year)
      AND ($seq IS NULL OR seq = $seq)
      AND ($start IS NULL OR guided_on >= $start)
      AND ($end IS NULL OR guided_on <= $end)
      AND ($include_void OR status <> '已作废')
),
joined AS (
    SELECT p.*, d.opinion_no, d.record_no, d.notice_no, d.doc_no,
           c.item_name AS catalog_name, c.content AS catalog_content,
           c.contact AS catalog_contact, c.phone AS catalog_phone
    FROM picked AS p
    LEFT JOIN docs AS d ON d.entry_year = p.year AND d.entry_seq = p.seq
    LEFT JOIN catalog_items AS c ON c.item_code = p.catalog_item
)
SELECT seq, year, guided_on, matter, result, officers, method, target_name, uscc, unit,
       catalog_item, doc_no, status, business_id, township, industry_code, legal_basis, issue,
       problem, opinion, place, reasons, evidence, score, as_of, effect, remarks,
       opinion_no, record_no, notice_no, catalog_content, catalog_contact, catalog_phone,
       source, created_by, created_at, result_at, void_by, void_at, void_reason, starts_at,
       draw_id, inclusion_prob, channel, decision_no
FROM joined
ORDER BY year, seq
