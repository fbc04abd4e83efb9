-- The ledger becomes the journal of every mark: each session's marks form a chain of entries
-- (version 1 is the first recording, each later one an amendment), and the mark keeps the
-- version and hash of its latest entry, so that replaying the entries gives every mark.
-- The ledger kept before (amendments only, one chain per school) is converted by the store
-- when it first connects, after checking its chain, and then dropped.

DROP TRIGGER ledger_no_update;
DROP TRIGGER ledger_no_delete;
ALTER TABLE ledger RENAME TO ledger_legacy;
ALTER TABLE ledger_heads RENAME TO ledger_legacy_heads;
DROP INDEX ledger_by_pupil;

-- 0 marks a mark written before the journal, until the conversion gives it its entries.
ALTER TABLE marks ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE marks ADD COLUMN entry_hash BLOB;

CREATE TABLE ledger (
    pupil_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    session SMALLINT NOT NULL,
    version INTEGER NOT NULL,
    original_code TEXT,
    original_minutes INTEGER,
    new_code TEXT NOT NULL,
    new_minutes INTEGER,
    source TEXT NOT NULL,
    -- Why; every amendment has one, a first recording from a register, a plan or an import none.
    reason TEXT,
    at BIGINT NOT NULL,
    by_user INTEGER,
    by_name TEXT NOT NULL,
    by_position TEXT NOT NULL,
    -- SHA-256 over the previous entry's hash, the school and every field.
    hash BLOB NOT NULL
);
-- Entries are appended at the end of the table, and found through this narrow index, which
-- also refuses two entries for one version of a mark; a table clustered on the key instead
-- would write each entry into the middle of a wide b-tree, doubling a register's cost.
CREATE UNIQUE INDEX ledger_by_session ON ledger (pupil_id, date, session, version);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the amendment ledger is append-only');
END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the amendment ledger is append-only');
END;
