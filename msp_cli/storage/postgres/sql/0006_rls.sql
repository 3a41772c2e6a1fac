-- Migration 6 (issue 13): reading under row-level security as quickly as the owner reads.
--
-- Until now each table had one read policy for everyone, `msp_reads_all() OR <the row's case is one
-- of my teams'>`: evaluated row by row, its cost (a subquery a row) swelled the planner's estimates,
-- so a manager's report got a worse plan than the owner's and, over the server's jit_above_cost,
-- a second of JIT compilation. Now each group role has read policies of its own (a policy applies
-- to the members of the roles it names, so who may read what is unchanged):
--   msp_manager, msp_auditor: every row, `true`: the planner folds it away, their plans are the owner's;
--   msp_worker: the rows of their teams' cases, as before; the index on (team, id) finds their cases'
--   ids without reading the cases (the hashed lookup each of their reads of a part of a case makes).
-- Writing is unchanged (the policies of migration 2).

CREATE INDEX safeguarding_case_team ON safeguarding_case (team, id);

DO $$
DECLARE
    part RECORD;
BEGIN
    FOR part IN SELECT * FROM (VALUES
        ('safeguarding_case', 'team = ANY ((SELECT msp_my_teams())::TEXT[])'),
        -- a person: seen with one of their cases that may be seen
        ('person', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.person_id = person.id)'),
        -- the parts of a case follow the case (the worker's read policy of safeguarding_case applies inside)
        ('case_risk_type', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('case_response', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('desired_outcome', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('outcome_review_session', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('meeting', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('feedback', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('closure', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('case_source', 'EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.id = case_id)'),
        ('meeting_attendee', 'EXISTS (SELECT 1 FROM meeting m WHERE m.id = meeting_id)'),
        ('closure_outcome', 'EXISTS (SELECT 1 FROM closure x WHERE x.id = closure_id)'),
        ('outcome_review', 'EXISTS (SELECT 1 FROM outcome_review_session s WHERE s.id = review_id)'),
        ('desired_outcome_wording', 'EXISTS (SELECT 1 FROM desired_outcome d WHERE d.id = outcome_id)'),
        -- the audit trail: a worker's own entries and those of the cases they may see
        ('audit_log', 'worker = session_user'
                      ' OR EXISTS (SELECT 1 FROM safeguarding_case c WHERE c.case_ref = audit_log.row_key)')
    ) AS t (tbl, mine) LOOP
        EXECUTE format('DROP POLICY msp_read ON %I', part.tbl);
        EXECUTE format('CREATE POLICY msp_read_all ON %I FOR SELECT TO msp_manager, msp_auditor USING (true)',
                       part.tbl);
        EXECUTE format('CREATE POLICY msp_read_team ON %I FOR SELECT TO msp_worker USING (%s)', part.tbl, part.mine);
    END LOOP;
END
$$;
