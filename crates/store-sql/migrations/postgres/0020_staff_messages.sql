-- A message may go to the school's staff rather than about a pupil (the weekly attendance
-- summary to the headteacher): the outbox's pupil becomes optional.
ALTER TABLE outbox ALTER COLUMN pupil_id DROP NOT NULL;
