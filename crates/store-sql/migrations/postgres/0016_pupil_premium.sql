-- The pupil premium (FSM6, or looked after or previously looked after), a characteristic
-- attendance is analysed by; its changes are kept with the others in `characteristic_changes`.
ALTER TABLE pupils ADD COLUMN pupil_premium BOOLEAN NOT NULL DEFAULT false;
