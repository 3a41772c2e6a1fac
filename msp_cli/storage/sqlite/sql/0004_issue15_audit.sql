-- Issue 15: the audit trail proves itself.
-- Each entry carries a keyed seal (HMAC-SHA256 with a key kept outside the database, in the
-- user's data folder), so a chain recomputed by someone holding only the file shows.
ALTER TABLE audit_log ADD COLUMN mac TEXT;

-- INSERT OR REPLACE deletes the old row without firing the delete trigger: entries may only
-- be added at the end, numbered one after the last.
CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM audit_log)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries are added at the end, one after the last');
END;
