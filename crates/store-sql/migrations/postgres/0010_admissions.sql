-- The admission register (regulation 8) beyond the pupil record: one row per version of a
-- pupil's entry, none ever changed or removed, so the register's history is kept; the latest
-- row stands. `change` says why a version was written: admitted, corrected, or notified (a
-- parent's new address or school, regulation 8(3): the leaving form).
CREATE TABLE admission_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    address TEXT NOT NULL,
    last_school TEXT NOT NULL,
    boarder BOOLEAN NOT NULL,
    registration TEXT NOT NULL,
    other_school TEXT,
    future_parent TEXT,
    future_address TEXT,
    future_from DATE,
    next_school TEXT,
    next_school_address TEXT,
    next_school_from DATE,
    change TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX admission_entries_by_pupil ON admission_entries (pupil_id);
CREATE INDEX admission_entries_by_school ON admission_entries (school_id);

-- Deletions from the admission register (regulation 9): the ground, the last day on roll, what
-- the ground needs on file, and who decided. The pupil's record, marks and ledger stay.
CREATE TABLE deletions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    ground TEXT NOT NULL,
    leaving_date DATE NOT NULL,
    other_school TEXT,
    evidence_date DATE,
    enquiries TEXT,
    note TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX deletions_by_pupil ON deletions (pupil_id);
CREATE INDEX deletions_by_school ON deletions (school_id);
