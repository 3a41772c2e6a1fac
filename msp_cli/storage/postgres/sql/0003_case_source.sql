-- Migration 3 (as the SQLite file's 0003_issue19_source): where a case imported from a council's
-- extract came from, the file's name and the date; its access follows its case.
CREATE TABLE case_source (
    case_id     BIGINT PRIMARY KEY REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    file_name   TEXT COLLATE "C" NOT NULL CHECK (length(file_name) > 0),
    imported_on DATE NOT NULL
);
CREATE INDEX case_source_file_name ON case_source (file_name);

ALTER TABLE case_source ENABLE ROW LEVEL SECURITY;
CREATE POLICY msp_read ON case_source FOR SELECT
    USING ((SELECT msp_reads_all()) OR EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id));
CREATE POLICY msp_insert ON case_source FOR INSERT WITH CHECK (msp_writes_case(case_id));
CREATE POLICY msp_update ON case_source FOR UPDATE USING (msp_writes_case(case_id)) WITH CHECK (msp_writes_case(case_id));
CREATE POLICY msp_delete ON case_source FOR DELETE USING (msp_writes_case(case_id));
REVOKE ALL ON case_source FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON case_source TO msp_worker, msp_manager;
GRANT SELECT ON case_source TO msp_auditor;
