-- A register sent again with the key it was first sent with (a tablet that lost its connection
-- before it heard the answer) is recognised, and taken once.
ALTER TABLE register_submissions ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX submissions_by_idempotency_key ON register_submissions (idempotency_key);
