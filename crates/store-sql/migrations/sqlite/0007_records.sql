-- The access log (who opened which pupil's records, append-only) and retention: register
-- entries past the regulations' six years are erased deliberately, each erasure logged.

CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    by_name TEXT NOT NULL,
    by_position TEXT NOT NULL,
    opened TEXT NOT NULL,
    detail TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX access_log_by_pupil ON access_log (pupil_id, id);
CREATE INDEX access_log_by_user ON access_log (user_id, school_id, id);

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

-- A pupil whose entries past retention are being erased, only inside the transaction that
-- erases them and logs it: the ledger refuses every other deletion.
CREATE TABLE ledger_erasing (
    pupil_id INTEGER PRIMARY KEY
);

DROP TRIGGER ledger_no_delete;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
WHEN NOT EXISTS (SELECT 1 FROM ledger_erasing WHERE pupil_id = OLD.pupil_id)
BEGIN
    SELECT RAISE(ABORT, 'the amendment ledger is append-only');
END;

CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    pupil_name TEXT NOT NULL,
    left_on TEXT NOT NULL,
    sessions BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    first_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    cutoff TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_name TEXT NOT NULL
);

CREATE TRIGGER erasures_no_update BEFORE UPDATE ON erasures
BEGIN
    SELECT RAISE(ABORT, 'the retention log is append-only');
END;

CREATE TRIGGER erasures_no_delete BEFORE DELETE ON erasures
BEGIN
    SELECT RAISE(ABORT, 'the retention log is append-only');
END;
