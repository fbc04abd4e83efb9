-- Returns made to the local authority: which (its key, as `rollcall_returns::Key` writes it),
-- when it was due, how it went and to whom, what it held (the CSV as sent), who and when. A
-- return is made once.
CREATE TABLE returns_made (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    key TEXT NOT NULL,
    due DATE NOT NULL,
    sent TEXT NOT NULL,
    recipient TEXT NOT NULL,
    content TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_name TEXT NOT NULL,
    UNIQUE (school_id, key)
);
