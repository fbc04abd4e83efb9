-- A message may go to the school's staff rather than about a pupil (the weekly attendance
-- summary to the headteacher): the outbox's pupil becomes optional. SQLite cannot drop a NOT
-- NULL constraint, so the table is made again with its rows.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    pupil_id INTEGER REFERENCES pupils (id),
    contact_id INTEGER REFERENCES contacts (id),
    job_id INTEGER REFERENCES jobs (id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    sent_at BIGINT,
    subject TEXT,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    claimed_until BIGINT,
    error TEXT,
    reference TEXT
);
INSERT INTO outbox_new (id, school_id, pupil_id, contact_id, job_id, channel, recipient, body,
    queued_at, sent_at, subject, status, attempts, next_attempt_at, claimed_until, error,
    reference)
SELECT id, school_id, pupil_id, contact_id, job_id, channel, recipient, body, queued_at,
    sent_at, subject, status, attempts, next_attempt_at, claimed_until, error, reference
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_school ON outbox (school_id, queued_at);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_pupil ON outbox (pupil_id);
