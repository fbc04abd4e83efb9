-- Schools, staff, pupils, marks and the amendment ledger.
-- Times are microseconds since 1970 (UTC); sessions are 0 (AM) and 1 (PM).

CREATE TABLE trusts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE schools (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trust_id BIGINT REFERENCES trusts (id),
    name TEXT NOT NULL,
    urn TEXT UNIQUE,
    la_estab TEXT,
    policy TEXT NOT NULL
);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position TEXT NOT NULL,
    password_hash TEXT
);

CREATE TABLE staff_roles (
    user_id BIGINT NOT NULL REFERENCES users (id),
    school_id BIGINT NOT NULL REFERENCES schools (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, school_id, role)
);

CREATE TABLE reg_groups (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    name TEXT NOT NULL,
    UNIQUE (school_id, name)
);

CREATE TABLE reg_group_staff (
    group_id BIGINT NOT NULL REFERENCES reg_groups (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX reg_group_staff_by_user ON reg_group_staff (user_id);

CREATE TABLE pupils (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    upn TEXT NOT NULL,
    legal_surname TEXT NOT NULL,
    legal_forename TEXT NOT NULL,
    preferred_forename TEXT,
    date_of_birth DATE NOT NULL,
    sex TEXT NOT NULL,
    year_group TEXT NOT NULL,
    reg_group_id BIGINT REFERENCES reg_groups (id),
    entry_date DATE,
    leaving_date DATE,
    fsm BOOLEAN NOT NULL,
    eal BOOLEAN NOT NULL,
    sen TEXT NOT NULL,
    la_estab TEXT,
    UNIQUE (school_id, upn)
);
CREATE INDEX pupils_by_group ON pupils (reg_group_id);

-- Spells on roll: a pupil who leaves and returns keeps both.
CREATE TABLE enrolments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    entry_date DATE,
    leaving_date DATE
);
CREATE INDEX enrolments_by_pupil ON enrolments (pupil_id);

-- Changes of FSM, EAL and SEN status, with the date each took effect.
CREATE TABLE characteristic_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    characteristic TEXT NOT NULL,
    value TEXT NOT NULL,
    effective_from DATE
);
CREATE INDEX characteristic_changes_by_pupil ON characteristic_changes (pupil_id);

CREATE TABLE contacts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
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
    pupil_id BIGINT NOT NULL,
    date DATE NOT NULL,
    session SMALLINT NOT NULL,
    code TEXT NOT NULL,
    minutes_late INTEGER,
    comment TEXT,
    source TEXT NOT NULL,
    recorded_by TEXT,
    -- Who recorded it, as a pointer: the name beside it is the record.
    recorded_by_user BIGINT,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (pupil_id, date, session)
);
-- Marks are found through their pupils: a day's marks for a group or a school are one probe of
-- this key per pupil. (An index by date would tempt the planner, whose statistics never know
-- today, into reading every school's marks for the day to find one class's.)

CREATE TABLE register_submissions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES reg_groups (id),
    date DATE NOT NULL,
    session SMALLINT NOT NULL,
    by_name TEXT NOT NULL,
    by_user BIGINT REFERENCES users (id),
    at BIGINT NOT NULL,
    amended BOOLEAN NOT NULL
);
CREATE INDEX submissions_by_group ON register_submissions (group_id, date, session);

-- The amendment ledger: append-only, each entry hashing the one before it.
CREATE TABLE ledger_heads (
    school_id BIGINT PRIMARY KEY REFERENCES schools (id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE ledger (
    school_id BIGINT NOT NULL REFERENCES schools (id),
    seq BIGINT NOT NULL,
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    date DATE NOT NULL,
    session SMALLINT NOT NULL,
    original_code TEXT,
    original_minutes INTEGER,
    new_code TEXT NOT NULL,
    new_minutes INTEGER,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_user BIGINT REFERENCES users (id),
    by_name TEXT NOT NULL,
    by_position TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (school_id, seq)
);
CREATE INDEX ledger_by_pupil ON ledger (pupil_id, seq);

CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the amendment ledger is append-only';
END;
$$;

CREATE TRIGGER ledger_no_update_or_delete BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();

CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only();

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, at);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
