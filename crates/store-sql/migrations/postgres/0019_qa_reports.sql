-- What the senior attendance champion writes on the half-termly QA report (seed 001 Annex 4a),
-- for a school and period. Every saving is a row; the latest is shown.
CREATE TABLE qa_reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    period TEXT NOT NULL,
    evaluation TEXT NOT NULL,
    follow_up TEXT NOT NULL,
    staff TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX qa_reports_by_period ON qa_reports (school_id, period, id);
