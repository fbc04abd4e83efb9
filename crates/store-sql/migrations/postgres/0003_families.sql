-- Parents on the parent portal, what they report and ask for, and messages that go out.
-- Civil date-times (`at`) are the school's local time.

ALTER TABLE contacts ADD COLUMN court_order TEXT;
ALTER TABLE contacts ADD COLUMN opted_out BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE parents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT
);

-- A parent is a contact of each of their children.
CREATE TABLE parent_contacts (
    parent_id BIGINT NOT NULL REFERENCES parents (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (parent_id, contact_id)
);

-- One-time links (invitations, sign-in by email), stored as hashes.
CREATE TABLE parent_links (
    token_hash TEXT PRIMARY KEY,
    parent_id BIGINT NOT NULL REFERENCES parents (id),
    purpose TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE parent_sessions (
    token_hash TEXT PRIMARY KEY,
    parent_id BIGINT NOT NULL REFERENCES parents (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE absence_reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    parent_id BIGINT NOT NULL REFERENCES parents (id),
    first_date DATE NOT NULL,
    first_session SMALLINT NOT NULL,
    last_date DATE NOT NULL,
    last_session SMALLINT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    expected_return DATE,
    at TIMESTAMP NOT NULL,
    recorded_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    response TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    code TEXT
);
CREATE INDEX absence_reports_by_school ON absence_reports (school_id, recorded_at);
CREATE INDEX absence_reports_by_pupil ON absence_reports (pupil_id);

CREATE TABLE leave_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    parent_id BIGINT NOT NULL REFERENCES parents (id),
    first_date DATE NOT NULL,
    last_date DATE NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    document_name TEXT,
    document_type TEXT,
    document BYTEA,
    at TIMESTAMP NOT NULL,
    recorded_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    response TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    granted_first DATE,
    granted_last DATE,
    code TEXT
);
CREATE INDEX leave_requests_by_school ON leave_requests (school_id, recorded_at);
CREATE INDEX leave_requests_by_pupil ON leave_requests (pupil_id);

-- Delivery: each message is tried until sent, with backoff, or given up; a lease
-- (`claimed_until`) keeps two processes from sending one message at once.
ALTER TABLE outbox ADD COLUMN subject TEXT;
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN error TEXT;
ALTER TABLE outbox ADD COLUMN reference TEXT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_pupil ON outbox (pupil_id);

CREATE TABLE message_templates (
    school_id BIGINT NOT NULL REFERENCES schools (id),
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (school_id, name)
);
