-- Who may read and write what, enforced by the server for msp and for any other program.
--
-- Three group roles (cluster-wide, created if missing); each login is a member of one, and of
-- one or more teams (msp_team_member, per database):
--   msp_worker   reads and writes the cases of their own team(s) only;
--   msp_manager  reads every team's cases, writes their own team's;
--   msp_auditor  reads cases for reports, the worklist and pseudonymised exports (not names:
--                dates of birth, yes, for the ages of SG1), and writes nothing.
-- The database owner (who ran `msp init`) is not subject to row-level security: it is the
-- administrator's account, for `msp user` and `msp copy`, not for day-to-day work.

DO $$
DECLARE
    name TEXT;
BEGIN
    FOREACH name IN ARRAY ARRAY['msp_worker', 'msp_manager', 'msp_auditor'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', name);
        END IF;
    END LOOP;
END
$$;

CREATE TABLE msp_team_member (
    login TEXT COLLATE "C" NOT NULL,
    team  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (login, team)
);
REVOKE ALL ON msp_team_member FROM PUBLIC;

-- The teams of the login connected (session_user: SET ROLE does not change it).
CREATE FUNCTION msp_my_teams() RETURNS TEXT[] LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
AS $$ SELECT coalesce(array_agg(team), '{}') FROM msp_team_member WHERE login = session_user $$;

CREATE FUNCTION msp_reads_all() RETURNS BOOLEAN LANGUAGE sql STABLE
AS $$ SELECT pg_has_role(session_user, 'msp_manager', 'MEMBER') OR pg_has_role(session_user, 'msp_auditor', 'MEMBER') $$;

-- May the login connected change this case? (A case of one of their teams.)
CREATE FUNCTION msp_writes_case(case_id BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE
AS $$ SELECT EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id AND c.team = ANY (msp_my_teams())) $$;

-- The newest audit entry's number and hash: every writer chains onto it, whatever it may read.
CREATE FUNCTION msp_audit_head(OUT id BIGINT, OUT hash TEXT) LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$ SELECT a.id, a.hash FROM audit_log a ORDER BY a.id DESC LIMIT 1 $$;

-- cases: read by team (or all, for managers and auditors); written by team
ALTER TABLE safeguarding_case ENABLE ROW LEVEL SECURITY;
CREATE POLICY msp_read ON safeguarding_case FOR SELECT
    USING ((SELECT msp_reads_all()) OR team = ANY ((SELECT msp_my_teams())::TEXT[]));
CREATE POLICY msp_insert ON safeguarding_case FOR INSERT WITH CHECK (team = ANY ((SELECT msp_my_teams())::TEXT[]));
CREATE POLICY msp_update ON safeguarding_case FOR UPDATE
    USING (team = ANY ((SELECT msp_my_teams())::TEXT[])) WITH CHECK (team = ANY ((SELECT msp_my_teams())::TEXT[]));
CREATE POLICY msp_delete ON safeguarding_case FOR DELETE USING (team = ANY ((SELECT msp_my_teams())::TEXT[]));

-- a person: seen with one of their cases that may be seen; anyone who records may add one
ALTER TABLE person ENABLE ROW LEVEL SECURITY;
CREATE POLICY msp_read ON person FOR SELECT
    USING ((SELECT msp_reads_all()) OR EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.person_id = person.id));
CREATE POLICY msp_insert ON person FOR INSERT WITH CHECK (true);
CREATE POLICY msp_update ON person FOR UPDATE
    USING (EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.person_id = person.id AND msp_writes_case(c.id)));

-- the parts of a case follow the case
DO $$
DECLARE
    part RECORD;
BEGIN
    FOR part IN SELECT * FROM (VALUES
        ('case_risk_type', 'case_id'), ('case_response', 'case_id'), ('desired_outcome', 'case_id'),
        ('outcome_review_session', 'case_id'), ('meeting', 'case_id'), ('feedback', 'case_id'),
        ('closure', 'case_id'),
        ('meeting_attendee', '(SELECT m.case_id FROM meeting m WHERE m.id = meeting_id)'),
        ('closure_outcome', '(SELECT x.case_id FROM closure x WHERE x.id = closure_id)'),
        ('outcome_review', '(SELECT s.case_id FROM outcome_review_session s WHERE s.id = review_id)'),
        ('desired_outcome_wording', '(SELECT d.case_id FROM desired_outcome d WHERE d.id = outcome_id)')
    ) AS t (tbl, case_of) LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part.tbl);
        EXECUTE format('CREATE POLICY msp_read ON %I FOR SELECT USING ((SELECT msp_reads_all())'
                       ' OR EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = %s))', part.tbl, part.case_of);
        -- writing, by command: a FOR ALL policy would also be OR-ed into every read, row by row
        EXECUTE format('CREATE POLICY msp_insert ON %I FOR INSERT WITH CHECK (msp_writes_case(%s))',
                       part.tbl, part.case_of);
        EXECUTE format('CREATE POLICY msp_update ON %I FOR UPDATE USING (msp_writes_case(%s))'
                       ' WITH CHECK (msp_writes_case(%s))', part.tbl, part.case_of, part.case_of);
        EXECUTE format('CREATE POLICY msp_delete ON %I FOR DELETE USING (msp_writes_case(%s))',
                       part.tbl, part.case_of);
    END LOOP;
END
$$;

-- the audit trail: anyone who writes appends, as themselves; managers and auditors read it all,
-- a worker their own entries and those of the cases they may see
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
-- (an identifiable export is logged before the file is written: refusing its entry refuses the export)
CREATE POLICY msp_append ON audit_log FOR INSERT WITH CHECK (
    worker = session_user
    AND (action <> 'export.identifiable' OR pg_has_role(session_user, 'msp_manager', 'MEMBER')));
CREATE POLICY msp_read ON audit_log FOR SELECT
    USING ((SELECT msp_reads_all()) OR worker = session_user
           OR EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.case_ref = audit_log.row_key));

-- grants: nothing for PUBLIC; each group role exactly what it needs
DO $$
DECLARE
    tbl TEXT;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['person', 'safeguarding_case', 'case_risk_type', 'case_response', 'desired_outcome',
        'desired_outcome_wording', 'outcome_review_session', 'outcome_review', 'meeting', 'meeting_attendee',
        'feedback', 'closure', 'closure_outcome'] LOOP
        EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', tbl);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO msp_worker, msp_manager', tbl);
        IF tbl <> 'person' THEN
            EXECUTE format('GRANT SELECT ON %I TO msp_auditor', tbl);
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO msp_worker, msp_manager, msp_auditor', current_schema());
    -- ids come from the tables' identity sequences
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO msp_worker, msp_manager', current_schema());
END
$$;
-- an auditor never sees a person's name (the date of birth gives SG1 its ages)
GRANT SELECT (id, ref, age_band, sex, ethnicity, primary_support_reason, date_of_birth) ON person TO msp_auditor;
REVOKE ALL ON settings, audit_log, msp_schema_version FROM PUBLIC;
GRANT SELECT ON settings, msp_schema_version TO msp_worker, msp_manager, msp_auditor;
GRANT INSERT, UPDATE ON settings TO msp_manager;
GRANT SELECT, INSERT ON audit_log TO msp_worker, msp_manager, msp_auditor;
