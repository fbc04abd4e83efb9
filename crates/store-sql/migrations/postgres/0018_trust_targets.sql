-- A trust's targets for its schools (attendance, persistent absence, and the amber margin, in
-- hundredths of a percentage point). Every change is a row; the latest is in force.
CREATE TABLE trust_targets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trust_id BIGINT NOT NULL REFERENCES trusts (id),
    attendance BIGINT NOT NULL,
    persistent BIGINT NOT NULL,
    amber BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX trust_targets_by_trust ON trust_targets (trust_id, id);
