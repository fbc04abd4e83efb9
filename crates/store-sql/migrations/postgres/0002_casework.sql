-- Casework: each pupil's chronology and circumstances, the scheduler's jobs and the messages
-- they queue. Civil date-times (`at`) are the school's local time.

CREATE TABLE case_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    -- For a rating override.
    rating TEXT,
    -- For a risk assessment.
    likelihood SMALLINT,
    frequency SMALLINT,
    -- The worklist item the entry completes or dismisses.
    item_rule TEXT,
    item_occasion TEXT,
    with_whom TEXT NOT NULL,
    note TEXT NOT NULL,
    by_user BIGINT REFERENCES users (id),
    by_name TEXT NOT NULL,
    by_position TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX case_entries_by_pupil ON case_entries (pupil_id, at);
CREATE INDEX case_entries_by_school ON case_entries (school_id);

-- A chronology is a record: entries are corrected by later entries, never changed.
CREATE FUNCTION chronology_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the chronology is append-only';
END;
$$;

CREATE TRIGGER case_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON case_entries
    FOR EACH ROW EXECUTE FUNCTION chronology_is_append_only();

CREATE TRIGGER case_entries_no_truncate BEFORE TRUNCATE ON case_entries
    FOR EACH STATEMENT EXECUTE FUNCTION chronology_is_append_only();

-- Circumstances (EHCP, child-protection plan, social worker ...), each for a dated spell.
CREATE TABLE pupil_flags (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    flag TEXT NOT NULL,
    from_date DATE NOT NULL,
    until_date DATE,
    note TEXT NOT NULL,
    by_name TEXT NOT NULL,
    by_position TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    ended_by TEXT
);
CREATE INDEX pupil_flags_by_pupil ON pupil_flags (pupil_id);
CREATE INDEX pupil_flags_by_school ON pupil_flags (school_id);

-- A job runs once: whoever inserts its row runs it, in the transaction that records its work.
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    kind TEXT NOT NULL,
    date DATE NOT NULL,
    session SMALLINT NOT NULL,
    runner TEXT NOT NULL,
    ran_at BIGINT NOT NULL,
    summary TEXT NOT NULL,
    UNIQUE (school_id, kind, date, session)
);

-- Messages waiting to be sent.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    contact_id BIGINT REFERENCES contacts (id),
    job_id BIGINT REFERENCES jobs (id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_by_school ON outbox (school_id, queued_at);
