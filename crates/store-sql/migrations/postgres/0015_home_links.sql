-- A dual-registered learner's home school and its lead contact (an alternative provision's
-- learners each have their own). Every change is a new row; the latest is the link in force.
CREATE TABLE home_links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    school_name TEXT NOT NULL,
    la_estab TEXT,
    lead TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX home_links_by_school ON home_links (school_id, pupil_id, id);
