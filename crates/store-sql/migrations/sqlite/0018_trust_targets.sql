-- A trust's targets for its schools (attendance, persistent absence, and the amber margin, in
-- hundredths of a percentage point). Every change is a row; the latest is in force.
CREATE TABLE trust_targets (
    id INTEGER PRIMARY KEY,
    trust_id INTEGER NOT NULL REFERENCES trusts (id),
    attendance INTEGER NOT NULL,
    persistent INTEGER NOT NULL,
    amber INTEGER NOT NULL,
    at TEXT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX trust_targets_by_trust ON trust_targets (trust_id, id);
