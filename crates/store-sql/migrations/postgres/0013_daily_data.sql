-- The daily attendance data for the DfE, made by the scheduler once a day's registers close:
-- the file as made (`content`, CSV), whether every register was taken, and if not, which
-- sessions were still unmarked. Made again while incomplete; the latest stands.
CREATE TABLE daily_data (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools (id),
    date DATE NOT NULL,
    complete BOOLEAN NOT NULL,
    missing TEXT NOT NULL,
    content TEXT NOT NULL,
    made_at BIGINT NOT NULL,
    UNIQUE (school_id, date)
);
