-- The school's attendance meetings (seed 001 §7: at least fortnightly) and the actions agreed
-- at them. An action is closed by a later meeting, which is named with what came of it; until
-- then it is carried to each meeting.
CREATE TABLE attendance_meetings (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    held_on TEXT NOT NULL,
    present TEXT NOT NULL,
    notes TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX attendance_meetings_by_school ON attendance_meetings (school_id, held_on);

CREATE TABLE meeting_actions (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools (id),
    meeting_id INTEGER NOT NULL REFERENCES attendance_meetings (id),
    pupil_id INTEGER REFERENCES pupils (id),
    what TEXT NOT NULL,
    owner TEXT NOT NULL,
    due TEXT,
    closed_by_meeting INTEGER REFERENCES attendance_meetings (id),
    outcome TEXT
);
CREATE INDEX meeting_actions_by_school ON meeting_actions (school_id, id);
