-- Schools, staff, pupils, marks and the amendment ledger.
-- Times are microseconds since 1970 (UTC); dates are YYYY-MM-DD; sessions are 0 (AM) and 1 (PM).

CREATE TABLE trusts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE schools (
    id INTEGER PRIMARY KEY,
    trust_id INTEGER REFERENCES trusts (id),
    name TEXT NOT NULL,
    urn TEXT UNIQUE,
    la_estab TEXT,
    policy TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position TEXT NOT NULL,
    password_hash TEXT
);

CREATE TABLE staff_roles (
    user_id INTEGER NOT NULL REFERENCES users (id),
    school_id INTEGER NOT NULL REFERENCES schools (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, school_id, role)
);

CREATE TABLE reg_groups (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    name TEXT NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE reg_group_staff (
    group_id INTEGER NOT NULL REFERENCES reg_groups (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX reg_group_staff_by_user ON reg_group_staff (user_id);

CREATE TABLE pupils (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    upn TEXT NOT NULL,
    legal_surname TEXT NOT NULL,
    legal_forename TEXT NOT NULL,
    preferred_forename TEXT,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    year_group TEXT NOT NULL,
    reg_group_id INTEGER REFERENCES reg_groups (id),
    entry_date TEXT,
    leaving_date TEXT,
    fsm BOOLEAN NOT NULL,
    eal BOOLEAN NOT NULL,
    sen TEXT NOT NULL,
    la_estab TEXT,
    UNIQUE (school_id, upn)
);
CREATE INDEX pupils_by_group ON pupils (reg_group_id);

-- Spells on roll: a pupil who leaves and returns keeps both.
CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    entry_date TEXT,
    leaving_date TEXT
);
CREATE INDEX enrolments_by_pupil ON enrolments (pupil_id);

-- Changes of FSM, EAL and SEN status, with the date each took effect.
CREATE TABLE characteristic_changes (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    characteristic TEXT NOT NULL,
    value TEXT NOT NULL,
    effective_from TEXT
);
CREATE INDEX characteristic_changes_by_pupil ON characteristic_changes (pupil_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    parental_responsibility BOOLEAN NOT NULL,
    lives_with_pupil BOOLEAN NOT NULL,
    correspondence BOOLEAN NOT NULL,
    priority INTEGER NOT NULL,
    phones TEXT NOT NULL,
    email TEXT,
    address TEXT,
    preferred_language TEXT
);
CREATE INDEX contacts_by_pupil ON contacts (pupil_id, priority);

-- Marks have no foreign keys: every operation that writes one has read its pupil in the same
-- transaction, and pupils are never deleted, so a key check per mark (thirty a register) would
-- guard nothing and cost a quarter of a register's time.
CREATE TABLE marks (
    pupil_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    session SMALLINT NOT NULL,
    code TEXT NOT NULL,
    minutes_late INTEGER,
    comment TEXT,
    source TEXT NOT NULL,
    recorded_by TEXT,
    -- Who recorded it, as a pointer: the name beside it is the record.
    recorded_by_user INTEGER,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (pupil_id, date, session)
) WITHOUT ROWID;
-- Marks are found through their pupils: a day's marks for a group or a school are one probe of
-- this key per pupil. (An index by date would tempt the planner, whose statistics never know
-- today, into reading every school's marks for the day to find one class's.)

CREATE TABLE register_submissions (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES reg_groups (id),
    date TEXT NOT NULL,
    session SMALLINT NOT NULL,
    by_name TEXT NOT NULL,
    by_user INTEGER REFERENCES users (id),
    at BIGINT NOT NULL,
    amended BOOLEAN NOT NULL
);
CREATE INDEX submissions_by_group ON register_submissions (group_id, date, session);

-- The amendment ledger: append-only, each entry hashing the one before it.
CREATE TABLE ledger_heads (
    school_id INTEGER PRIMARY KEY REFERENCES schools (id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE ledger (
    school_id INTEGER NOT NULL REFERENCES schools (id),
    seq BIGINT NOT NULL,
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    date TEXT NOT NULL,
    session SMALLINT NOT NULL,
    original_code TEXT,
    original_minutes INTEGER,
    new_code TEXT NOT NULL,
    new_minutes INTEGER,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_user INTEGER REFERENCES users (id),
    by_name TEXT NOT NULL,
    by_position TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (school_id, seq)
);
CREATE INDEX ledger_by_pupil ON ledger (pupil_id, seq);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the amendment ledger is append-only');
END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the amendment ledger is append-only');
END;

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, at);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
