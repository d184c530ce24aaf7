-- One document number issued for an entry.
INSERT INTO register_documents (doc_type, year, number, doc_no, entry_year, entry_seq, issued_at)
VALUES ($doc_type, $year, $number, $doc_no, $entry_year, $entry_seq, $issued_at)
