//! Early help: a pupil on course to be persistently absent, at their attendance over the last
//! four weeks ([`crate::trajectory`]), once a year while the school's policy asks for it, and
//! not yet in the graduated response.

use jiff::ToSpan;

use super::{Context, Item, key, long_date};
use crate::calendar::DateRange;
use crate::stats::Tally;
use crate::trajectory::projected_persistent;

impl Context<'_> {
    pub(super) fn early_warning(&self, items: &mut Vec<Item>) {
        let Some(rule) = &self.procedures().early_warning else {
            return;
        };
        // Early help is for pupils not yet in the graduated response: one in a stage or a band,
        // or due to enter one, is followed up there.
        let in_a_stage = self.current_stage().is_some()
            || items
                .iter()
                .any(|i| i.key.rule.starts_with("stage.") || i.key.rule.starts_with("band."));
        if in_a_stage {
            return;
        }
        let Some(&(today, year)) = self.cumulative.last() else {
            return;
        };
        let recent_days = DateRange {
            first: today.checked_sub(27.days()).unwrap_or(today),
            last: today,
        };
        let mut recent = Tally::default();
        for (slot, code) in self.register.row(self.id).marks() {
            if slot <= self.asof && recent_days.contains(slot.key().date) {
                recent.add_code(code, 1);
            }
        }
        let Some(on) = projected_persistent(self.calendar, &year, &recent, today) else {
            return;
        };
        let reason = format!(
            "At {}'s attendance over the last four weeks ({}%), they would be persistently absent (90% or less this year) from {}",
            self.pupil.known_as(),
            recent
                .attendance_rate()
                .map(|r| r.to_string())
                .unwrap_or_default(),
            long_date(on)
        );
        let key = key(
            format!("early_warning.{}", rule.step.id),
            &self.year.to_string(),
        );
        items.push(self.due_today(key, &rule.step, reason, &rule.source));
    }
}
