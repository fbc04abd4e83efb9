-- Each pupil's marks as rows of bytes, as the registers are read: a block of 1024 sessions
-- (slot = day * 2 + session, block = slot / 1024) per row, one byte a session (the code's
-- number, 0 for none) and the minutes late of its late marks. Written with the marks in
-- the same transaction; `version` counts the row's writes, so two writers creating the same
-- row at once cannot both succeed.
CREATE TABLE register_rows (
    pupil_id INTEGER NOT NULL REFERENCES pupils (id),
    block INTEGER NOT NULL,
    codes BLOB NOT NULL,
    lates BLOB NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (pupil_id, block)
) WITHOUT ROWID;

-- Work the store does once, when it next connects: here, filling the rows from the marks
-- already held.
CREATE TABLE store_tasks (task TEXT PRIMARY KEY);
INSERT INTO store_tasks (task) VALUES ('register_rows');
