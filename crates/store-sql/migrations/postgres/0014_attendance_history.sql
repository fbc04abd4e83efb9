-- A pupil's attendance at earlier schools, as their common transfer files sent it: one row per
-- school and academic year, with the marks string when the school sent one. A later file for
-- the same year and school replaces the row; who imported it and when is kept.
CREATE TABLE attendance_history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    pupil_id BIGINT NOT NULL REFERENCES pupils (id),
    year INTEGER NOT NULL,
    la_estab TEXT NOT NULL,
    school_name TEXT NOT NULL,
    possible BIGINT NOT NULL,
    attended BIGINT NOT NULL,
    authorised BIGINT NOT NULL,
    unauthorised BIGINT NOT NULL,
    marks_from DATE,
    marks TEXT,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL,
    UNIQUE (pupil_id, year, la_estab)
);
