-- Case files: meetings, plans, part-time timetables, referrals and legal interventions, each a
-- document (JSON, as rollcall-core's casefile::Record reads it) kept up to date; every change
-- is also a chronology entry. And the letters sent, as they were printed.
-- Civil date-times (`at`, `sent`) are the school's local time.

CREATE TABLE case_files (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX case_files_by_pupil ON case_files (pupil_id);
CREATE INDEX case_files_by_school ON case_files (school_id);

CREATE TABLE letters (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    content TEXT NOT NULL,
    sent TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX letters_by_pupil ON letters (pupil_id);
