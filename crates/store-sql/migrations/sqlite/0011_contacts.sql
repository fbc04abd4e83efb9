-- Contacts kept by the school. Every change to a contact is a row here, the contact as it then
-- stood, with why, when and who; the contacts table holds each one as it stands. A contact who
-- no longer is one is ended, never deleted: their history and what was sent to them stay.
ALTER TABLE contacts ADD COLUMN ended BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE contact_versions (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    parental_responsibility BOOLEAN NOT NULL,
    lives_with_pupil BOOLEAN NOT NULL,
    correspondence BOOLEAN NOT NULL,
    salutation TEXT,
    priority INTEGER NOT NULL,
    phones TEXT NOT NULL,
    email TEXT,
    address TEXT,
    preferred_language TEXT,
    court_order TEXT,
    opted_out BOOLEAN NOT NULL,
    change TEXT NOT NULL,
    at TEXT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX contact_versions_by_pupil ON contact_versions (pupil_id);

-- A parent's request to change their own telephone number, email or address, which the office
-- confirms (every one of their contact records at the school then changes) or declines.
CREATE TABLE details_requests (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    parent_id INTEGER NOT NULL REFERENCES parents (id),
    phone TEXT,
    email TEXT,
    address TEXT,
    asked_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    reason TEXT
);
CREATE INDEX details_requests_by_school ON details_requests (school_id);
CREATE INDEX details_requests_by_parent ON details_requests (parent_id);
