-- One line of the import history.
INSERT INTO imports (kind, source_file, sha256, sheet, encoding, "read", accepted, updated, duplicates,
                     rejected, started_at, finished_at)
VALUES ($kind, $source_file, $sha256, $sheet, $encoding, $read, $accepted, $updated, $duplicates,
        $rejected, $started_at, now()::TIMESTAMP)
