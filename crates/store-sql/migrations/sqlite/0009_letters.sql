-- Printing a letter is not sending it. A letter is sent when someone records that it was
-- posted, handed over or emailed; a recording made by mistake is taken back by another row,
-- never by changing one. The latest row says where the letter stands.
-- `item` is the worklist item the letter is for, which its sending completes.
-- A contact's salutation is how letters greet them ("Mr and Mrs Khan"); without one, their name.

ALTER TABLE letters ADD COLUMN item TEXT;

CREATE TABLE letter_deliveries (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    letter_id INTEGER NOT NULL REFERENCES letters (id),
    how TEXT NOT NULL,
    at TEXT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX letter_deliveries_by_letter ON letter_deliveries (letter_id);

-- Letters kept before printing and sending were told apart counted as sent when printed.
INSERT INTO letter_deliveries (school_id, letter_id, how, at, by_name)
SELECT school_id, id, 'sent', sent, by_name FROM letters;

ALTER TABLE contacts ADD COLUMN salutation TEXT;
