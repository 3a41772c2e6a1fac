-- msp schema, version 5: one safeguarding case as practice records it.
--
-- Read on its own, this file is the data model as the migrations build it today
-- (msp_cli/storage/sqlite/migrations.py); tests/test_schema.py checks that they agree.
-- A change is a new migration and a matching edit here; released migrations are never edited.
--
-- Conventions, chosen so that a PostgreSQL backend is a contained change:
--   * standard SQL types and constraints; dates are ISO 'YYYY-MM-DD' text checked with
--     date(), booleans are 0/1 integers checked with IN (0, 1);
--   * every label column carries a CHECK with the exact labels of VOCABULARY.md, so a file
--     edited by another program cannot hold a label the reports would miss;
--   * history is kept in rows (reviews, closures, earlier wording, audit_log), never
--     overwritten.

-- Settings of this database: default worker and team, demo marking, pseudonymisation key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The adult at risk. Only the local reference is required: least data by default.
CREATE TABLE person (
    id                     INTEGER PRIMARY KEY,
    ref                    TEXT NOT NULL UNIQUE,
    name                   TEXT,
    age_band               TEXT CHECK (age_band IN ('18-64', '65-74', '75-84', '85-94', '95+', 'Not Known')),
    sex                    TEXT CHECK (sex IN ('Male', 'Female', 'Not Known')),
    ethnicity              TEXT CHECK (ethnicity IN ('White', 'Mixed / Multiple', 'Asian / Asian British',
                               'Black / African / Caribbean / Black British', 'Other Ethnic Group',
                               'Refused', 'Undeclared / Not Known')),
    primary_support_reason TEXT CHECK (primary_support_reason IN ('Physical Support', 'Sensory Support',
                               'Support with Memory and Cognition', 'Learning Disability Support',
                               'Mental Health Support', 'Social Support', 'No Support Reason',
                               'Not Known')),
    date_of_birth          TEXT CHECK (date(date_of_birth) = date_of_birth)
);

-- One safeguarding concern and, where one was made, its enquiry.
-- draft_step is the next wizard step while `msp case new` is unfinished, NULL once complete.
CREATE TABLE safeguarding_case (
    id                  INTEGER PRIMARY KEY,
    case_ref            TEXT NOT NULL UNIQUE,
    person_id           INTEGER NOT NULL REFERENCES person (id),
    worker              TEXT,
    team                TEXT,
    draft_step          INTEGER CHECK (draft_step BETWEEN 1 AND 20),
    -- the concern and the decision
    concern_received    TEXT CHECK (date(concern_received) = concern_received),
    enquiry_type        TEXT CHECK (enquiry_type IN ('Section 42', 'Other', 'None')),
    enquiry_started     TEXT CHECK (date(enquiry_started) = enquiry_started),
    location_of_risk    TEXT CHECK (location_of_risk IN ('Own Home', 'In the Community',
                            'Community Service', 'Care Home - Nursing', 'Care Home - Residential',
                            'Hospital - Acute', 'Hospital - Mental Health', 'Hospital - Community',
                            'Other')),
    source_of_risk      TEXT CHECK (source_of_risk IN ('Service Provider',
                            'Other - Known to individual', 'Other - Unknown to individual')),
    -- consent
    consent_sought      INTEGER CHECK (consent_sought IN (0, 1)),
    consent_given       INTEGER CHECK (consent_given IN (0, 1)),
    consent_override_reason TEXT CHECK (consent_override_reason IN ('Risk to other adults',
                            'A crime has been or may be committed', 'The person lacks capacity to consent',
                            'Coercion or undue influence', 'Vital interests', 'Public interest', 'Other')),
    consent_note        TEXT,
    -- mental capacity for the decisions about this enquiry (SG3a), best interests, advocacy
    lacked_capacity     TEXT CHECK (lacked_capacity IN ('Yes, they lacked capacity',
                            'No, they did not lack capacity', 'Don''t know', 'Not recorded')),
    capacity_support    TEXT CHECK (capacity_support IN ('Advocate', 'Family or friend', 'None')),
    best_interests_note TEXT,
    advocacy_offered    TEXT CHECK (date(advocacy_offered) = advocacy_offered),
    advocacy_started    TEXT CHECK (date(advocacy_started) = advocacy_started),
    advocacy_type       TEXT CHECK (advocacy_type IN ('Care Act advocate', 'IMCA', 'Other advocate')),
    -- Making Safeguarding Personal (SG4a)
    asked_about_outcomes TEXT CHECK (asked_about_outcomes IN (
                            'Yes they were asked and outcomes were expressed',
                            'Yes they were asked but no outcomes were expressed',
                            'No', 'Don''t Know', 'Not Recorded')),
    CHECK (enquiry_type <> 'None' OR enquiry_started IS NULL),
    CHECK (enquiry_started IS NULL OR concern_received IS NULL OR enquiry_started >= concern_received),
    CHECK (capacity_support IS NULL OR lacked_capacity = 'Yes, they lacked capacity'),
    CHECK (advocacy_started IS NULL OR advocacy_offered IS NULL OR advocacy_started >= advocacy_offered)
);
CREATE INDEX safeguarding_case_person ON safeguarding_case (person_id);
CREATE INDEX safeguarding_case_concern_received ON safeguarding_case (concern_received);
CREATE INDEX safeguarding_case_enquiry_started ON safeguarding_case (enquiry_started);

-- Types of risk (SG2a): several may apply, each at most once per case.
CREATE TABLE case_risk_type (
    case_id   INTEGER NOT NULL REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    risk_type TEXT NOT NULL CHECK (risk_type IN ('Physical Abuse', 'Sexual Abuse',
                  'Psychological Abuse', 'Financial or Material Abuse', 'Discriminatory Abuse',
                  'Organisational Abuse', 'Neglect and Acts of Omission', 'Domestic Abuse',
                  'Sexual Exploitation', 'Modern Slavery', 'Self-Neglect')),
    PRIMARY KEY (case_id, risk_type)
);

-- Responses from the MSP toolkit: planned in the wizard, used as recorded at closure.
CREATE TABLE case_response (
    case_id  INTEGER NOT NULL REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    stage    TEXT NOT NULL CHECK (stage IN ('planned', 'used')),
    response TEXT NOT NULL CHECK (response IN ('Mental Capacity and Best Interests',
                 'Developing an outcomes focus', 'Personalised information and advice',
                 'Advocacy and buddying', 'Supported decision making and freedom from undue influence',
                 'Dealing with risk in particular relationships, including when employing personal assistants',
                 'Support for people who have caused harm',
                 'Building resilience, confidence, assertiveness, self-esteem and respect',
                 'Achieving Best Evidence skills', 'Family and networks, including group conferences',
                 'Mediation and conflict resolution', 'Signs of Safety', 'Restorative justice',
                 'Family and domestic abuse – Cycle of Abuse Model', 'Therapeutic and counselling support',
                 'Brief interventions and Micro skills', 'Motivational interviewing and cycles of change',
                 'Peer support, survivors networks, forums and circles of support',
                 'Attachment based approaches', 'Other')),
    PRIMARY KEY (case_id, stage, response)
);

-- What the person wants, in their own words (kept verbatim), and what was negotiated.
CREATE TABLE desired_outcome (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER NOT NULL REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    position           INTEGER NOT NULL CHECK (position >= 1),
    text               TEXT NOT NULL CHECK (length(trim(text)) > 0),
    category           TEXT NOT NULL CHECK (category IN ('To be and to feel safer',
                           'To maintain key relationships',
                           'To gain or maintain control over the situation',
                           'To know that this won''t happen to anyone else',
                           'To have access to justice or an apology, or to know that disciplinary or other action has been taken',
                           'To be involved in making decisions', 'To be able to protect self in the future',
                           'To have exercised choice', 'To know where to get help', 'To get new friends',
                           'To have help to recover', 'Other')),
    expressed_by       TEXT CHECK (expressed_by IN ('Person', 'Representative')),
    negotiated_text    TEXT,
    negotiated_reason  TEXT CHECK (negotiated_reason IN ('The law',
                           'Employment law or what may be shared', 'The public interest',
                           'Risk to other adults', 'Not realistic or achievable',
                           'The person changed their mind', 'Other')),
    negotiated_note    TEXT,
    added              TEXT CHECK (date(added) = added),  -- first recorded at a review, after the concern
    UNIQUE (case_id, position),
    CHECK (negotiated_text IS NOT NULL OR (negotiated_reason IS NULL AND negotiated_note IS NULL))
);

-- Reviews of the outcomes as the enquiry goes on: a dated history, never overwritten.
CREATE TABLE outcome_review_session (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    reviewed_on TEXT NOT NULL CHECK (date(reviewed_on) = reviewed_on),
    worker      TEXT,
    note        TEXT
);
-- each case's reviews, in date order: its first review is found in the index (migration 0005_issue17_indexes)
CREATE INDEX outcome_review_session_case_reviewed ON outcome_review_session (case_id, reviewed_on);

CREATE TABLE outcome_review (
    review_id   INTEGER NOT NULL REFERENCES outcome_review_session (id) ON DELETE CASCADE,
    outcome_id  INTEGER NOT NULL REFERENCES desired_outcome (id),
    progress    TEXT NOT NULL CHECK (progress IN ('Not started', 'In progress', 'Partly achieved',
                    'Achieved', 'No longer wanted')),
    person_says TEXT,
    note        TEXT,
    PRIMARY KEY (review_id, outcome_id)
);
CREATE INDEX outcome_review_outcome ON outcome_review (outcome_id);

-- Earlier wording of a desired outcome, kept whenever a review changes it.
CREATE TABLE desired_outcome_wording (
    id          INTEGER PRIMARY KEY,
    outcome_id  INTEGER NOT NULL REFERENCES desired_outcome (id),
    text        TEXT NOT NULL,
    category    TEXT NOT NULL,
    replaced_on TEXT NOT NULL CHECK (date(replaced_on) = replaced_on),
    review_id   INTEGER REFERENCES outcome_review_session (id)
);
CREATE INDEX desired_outcome_wording_outcome ON desired_outcome_wording (outcome_id);

-- Meetings: where, whether the person chose the place, who came, was the person prepared.
CREATE TABLE meeting (
    id                        INTEGER PRIMARY KEY,
    case_id                   INTEGER NOT NULL REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    position                  INTEGER NOT NULL,
    held_on                   TEXT NOT NULL CHECK (date(held_on) = held_on),
    kind                      TEXT CHECK (kind IN ('Strategy discussion', 'Strategy meeting',
                                  'Case conference', 'Family group conference', 'Mediation',
                                  'Review meeting', 'Other')),
    location                  TEXT CHECK (location IN ('Person''s home', 'Care home', 'Hospital',
                                  'Council office', 'Community venue', 'Phone or video', 'Other')),
    location_chosen_by_person INTEGER CHECK (location_chosen_by_person IN (0, 1)),
    person_prepared           INTEGER CHECK (person_prepared IN (0, 1)),
    minutes_spent             INTEGER CHECK (minutes_spent >= 0),
    summary                   TEXT,
    UNIQUE (case_id, position)
);

CREATE TABLE meeting_attendee (
    meeting_id INTEGER NOT NULL REFERENCES meeting (id) ON DELETE CASCADE,
    attendee   TEXT NOT NULL CHECK (attendee IN ('Person', 'Family or carer', 'Advocate',
                   'Council adult social care', 'Other council departments', 'Police',
                   'Ambulance trust', 'Acute hospital', 'Primary care', 'Mental Health trust',
                   'Other NHS', 'Housing providers', 'Advocacy', 'Care providers')),
    PRIMARY KEY (meeting_id, attendee)
);

-- Feedback from the person or their representative: 1 (not at all) to 5 (completely).
CREATE TABLE feedback (
    id               INTEGER PRIMARY KEY,
    case_id          INTEGER NOT NULL REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    given_on         TEXT NOT NULL CHECK (date(given_on) = given_on),
    given_by         TEXT CHECK (given_by IN ('Person', 'Representative')),
    felt_listened_to INTEGER CHECK (felt_listened_to BETWEEN 1 AND 5),
    felt_involved    INTEGER CHECK (felt_involved BETWEEN 1 AND 5),
    feels_safer      INTEGER CHECK (feels_safer BETWEEN 1 AND 5),
    outcomes_met     INTEGER CHECK (outcomes_met BETWEEN 1 AND 5),
    note             TEXT,
    UNIQUE (case_id, position)
);

-- Closure. A case has at most one current closure (reopened_on IS NULL); a reopened case
-- keeps its earlier closures here, with why it was reopened.
CREATE TABLE closure (
    id                      INTEGER PRIMARY KEY,
    case_id                 INTEGER NOT NULL REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    concluded               TEXT NOT NULL CHECK (date(concluded) = concluded),
    risk_assessment_outcome TEXT CHECK (risk_assessment_outcome IN (
                                'Risk identified and action taken', 'Risk identified and no action taken',
                                'Risk Assessment inconclusive and action taken',
                                'Risk Assessment inconclusive and no action taken',
                                'No risk identified and action taken', 'No risk identified and no action taken',
                                'Enquiry ceased at individual''s request and no action taken')),
    risk_outcome            TEXT CHECK (risk_outcome IN ('Risk remained', 'Risk reduced', 'Risk removed')),
    outcomes_achieved       TEXT CHECK (outcomes_achieved IN ('Fully Achieved', 'Partially Achieved',
                                'Not Achieved')),
    note                    TEXT,
    reopened_on             TEXT CHECK (date(reopened_on) = reopened_on),
    reopen_reason           TEXT,
    CHECK (risk_outcome IS NULL OR risk_assessment_outcome = 'Risk identified and action taken'),
    CHECK (reopened_on IS NULL OR reopen_reason IS NOT NULL)
);
CREATE UNIQUE INDEX closure_current ON closure (case_id) WHERE reopened_on IS NULL;
CREATE INDEX closure_concluded ON closure (concluded);
-- current closures by date (reports: enquiries concluded in a period) and by case with the date
-- (re-referrals, the worklist), read from the index alone; migration 0005_issue17_indexes
CREATE INDEX closure_current_concluded ON closure (concluded, case_id) WHERE reopened_on IS NULL;
CREATE INDEX closure_current_case_concluded ON closure (case_id, concluded) WHERE reopened_on IS NULL;
CREATE INDEX closure_case ON closure (case_id);

-- Whether each desired outcome was achieved, as judged at one closure.
CREATE TABLE closure_outcome (
    closure_id INTEGER NOT NULL REFERENCES closure (id) ON DELETE CASCADE,
    outcome_id INTEGER NOT NULL REFERENCES desired_outcome (id),
    achieved   TEXT NOT NULL CHECK (achieved IN ('Fully Achieved', 'Partially Achieved', 'Not Achieved')),
    PRIMARY KEY (closure_id, outcome_id)
);
CREATE INDEX closure_outcome_outcome ON closure_outcome (outcome_id);

-- Where an imported case came from (`msp import --map`): the extract's file name (never its
-- folder, which can name a person or a team drive) and the date it was imported. Added by
-- migration 0003_issue19_source.
CREATE TABLE case_source (
    case_id     INTEGER PRIMARY KEY REFERENCES safeguarding_case (id) ON DELETE CASCADE,
    file_name   TEXT NOT NULL CHECK (length(file_name) > 0),
    imported_on TEXT NOT NULL CHECK (date(imported_on) = imported_on)
);
CREATE INDEX case_source_file_name ON case_source (file_name);

-- The audit trail: append-only, written in the same transaction as the change it records.
-- Each entry's hash covers its fields and the previous entry's hash, so an edited or
-- removed entry breaks the chain (`msp check` verifies it). mac is the entry's keyed seal:
-- HMAC-SHA256 of its number and hash with a key kept outside the database (the user's data
-- folder), written 'key id:hex'; entries written before version 3 have none.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,   -- UTC, ISO 8601
    worker     TEXT,            -- the worker name given to msp
    os_user    TEXT,            -- the operating-system account that ran msp
    action     TEXT NOT NULL,   -- for example 'case.create', 'case.update', 'export.identifiable'
    table_name TEXT,
    row_key    TEXT,            -- the case_ref (or other key) of the row changed
    changes    TEXT,            -- JSON: {field: [old, new]}
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    mac        TEXT
);
CREATE INDEX audit_log_row_key ON audit_log (row_key);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted');
END;

-- INSERT OR REPLACE deletes the old row without firing the delete trigger: entries may only
-- be added at the end, numbered one after the last.
CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM audit_log)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries are added at the end, one after the last');
END;
