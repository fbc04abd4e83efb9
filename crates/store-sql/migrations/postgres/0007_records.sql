-- The access log (who opened which pupil's records, append-only) and retention: register
-- entries past the regulations' six years are erased deliberately, each erasure logged.

CREATE TABLE access_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    by_name TEXT NOT NULL,
    by_position TEXT NOT NULL,
    opened TEXT NOT NULL,
    detail TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX access_log_by_pupil ON access_log (pupil_id, id);
CREATE INDEX access_log_by_user ON access_log (user_id, school_id, id);

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % is append-only', TG_ARGV[0];
END;
$$;

CREATE TRIGGER access_log_no_update_or_delete BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION append_only('access log');
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION append_only('access log');

-- A pupil whose entries past retention are being erased, only inside the transaction that
-- erases them and logs it: the ledger refuses every other deletion.
CREATE TABLE ledger_erasing (
    pupil_id BIGINT PRIMARY KEY
);

CREATE FUNCTION ledger_deletes_only_past_retention() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM ledger_erasing WHERE pupil_id = OLD.pupil_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the amendment ledger is append-only';
END;
$$;

DROP TRIGGER ledger_no_update_or_delete ON ledger;
CREATE TRIGGER ledger_no_update_or_delete BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_deletes_only_past_retention();

CREATE TABLE erasures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    pupil_name TEXT NOT NULL,
    left_on DATE NOT NULL,
    sessions BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    first_date DATE NOT NULL,
    last_date DATE NOT NULL,
    cutoff DATE NOT NULL,
    at BIGINT NOT NULL,
    by_name TEXT NOT NULL
);

CREATE TRIGGER erasures_no_update_or_delete BEFORE UPDATE OR DELETE ON erasures
    FOR EACH ROW EXECUTE FUNCTION append_only('retention log');
CREATE TRIGGER erasures_no_truncate BEFORE TRUNCATE ON erasures
    FOR EACH STATEMENT EXECUTE FUNCTION append_only('retention log');
