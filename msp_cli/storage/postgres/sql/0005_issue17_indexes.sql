-- Migration 5 (as the SQLite file's 0005_issue17_indexes): the indexes the reports and the worklist
-- read by: current closures by date and by case (with the date), each case's first review.
CREATE INDEX closure_current_concluded ON closure (concluded, case_id) WHERE reopened_on IS NULL;
CREATE INDEX closure_current_case_concluded ON closure (case_id, concluded) WHERE reopened_on IS NULL;
DROP INDEX outcome_review_session_case;
CREATE INDEX outcome_review_session_case_reviewed ON outcome_review_session (case_id, reviewed_on);
