-- Migration 4 (as the SQLite file's 0004_issue15_audit): each entry's keyed seal. On a server the
-- grants and triggers keep the trail append-only; the column keeps a file's seals through msp copy.
ALTER TABLE audit_log ADD COLUMN mac TEXT;
