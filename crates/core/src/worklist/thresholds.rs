//! The worklist's thresholds counted over windows of school weeks: the national penalty-notice
//! threshold (with a notice to improve first where the school's code of conduct asks, and the
//! route after a parent's two notices), and each school's lateness rules.

use jiff::civil::Date;

use super::{
    Context, Item, join_and, key, long_date, long_date_year, plural, plus_weeks, same_day,
};
use crate::calendar::DateRange;
use crate::casefile::{NextPenalty, PenaltyNotice, Record, next_penalties};
use crate::casework::EntryKind;
use crate::code::Code;
use crate::procedures::{ActionKind, Step};
use crate::session::Slot;
use crate::stats::Tally;
use crate::triggers;

/// Where the cap on penalty notices, and the route after it, is set down.
const PENALTY_CAP_SOURCE: &str = "National Framework for Penalty Notices (2024): at most two \
    notices to a parent for the same child within three years; on a third occasion, prosecution \
    (s.444) or another legal intervention";

impl Context<'_> {
    /// The pupil's marks up to the last register closed, in order.
    fn marks_so_far(&self) -> Vec<(Slot, Code)> {
        self.register
            .row(self.id)
            .marks()
            .take_while(|&(s, _)| s <= self.asof)
            .collect()
    }

    /// Each time the national threshold is met by sessions no penalty notice has covered
    /// (National Framework for Penalty Notices 2024: they cannot be counted again). Once a
    /// time has been dealt with (a notice to improve, a decision, a dismissal), only sessions
    /// after that count towards the next.
    pub(super) fn penalties(&self, items: &mut Vec<Item>) {
        let marks = self.marks_so_far();
        let mut dealt_with: Option<Date> = None;
        loop {
            let counted = |slot: Slot| {
                self.case.penalty_notices().any(|n| n.covers(slot))
                    || dealt_with.is_some_and(|d| slot.day().date() <= d)
            };
            let Some(window) = triggers::penalty_windows(&marks, self.calendar, counted)
                .into_iter()
                .next()
            else {
                return;
            };
            let Some(last) = window.last() else { return };
            let met = last.day().date();
            let occasion = met.to_string();
            self.penalty(items, met, window.len());
            match self.case.first_for("penalty.", &occasion) {
                Some(at) => dealt_with = Some(at.date()),
                None => return,
            }
        }
    }

    fn penalty(&self, items: &mut Vec<Item>, met: Date, count: usize) {
        let p = &self.procedures().penalty;
        let occasion = &met.to_string();
        let threshold = format!(
            "{count} sessions of unauthorised absence within 10 school weeks (the national threshold, first met {})",
            long_date(met)
        );
        let on = self.asof.day().date();
        let consider = same_day(ActionKind::Decision, self.penalty_words(on), p.who.clone());
        // A parent who has had two notices for this child within three years of the first can
        // have no third, so neither a notice nor a notice to improve before one is proposed:
        // the route is prosecution or another legal intervention (statutory.md §6, "3rd
        // occasion": National Framework for Penalty Notices 2024).
        if self.no_further_notice(on) {
            let key = key("penalty.other_interventions".into(), occasion);
            items.push(self.due_today(key, &consider, threshold, PENALTY_CAP_SOURCE));
            return;
        }
        let Some(weeks) = p.notice_to_improve_weeks else {
            let key = key("penalty.consider".into(), occasion);
            items.push(self.due_today(key, &consider, threshold, &p.source));
            return;
        };
        let nti = key("penalty.notice_to_improve".into(), occasion);
        let Some(issued) = self
            .case
            .latest(|e| e.item.as_ref() == Some(&nti) && e.kind != EntryKind::Dismissed)
        else {
            if !self.case.done(&nti) {
                let step = Step {
                    what: format!("Consider a notice to improve ({weeks}-week improvement period)"),
                    ..consider
                };
                items.push(self.due_today(nti, &step, threshold, &p.source));
            }
            return;
        };
        // The notice in the case file, given since the threshold was met, sets the dates and
        // its own period (3–6 weeks); without one, the step's date and the policy's period.
        let (issued, weeks) = self
            .case
            .records
            .iter()
            .filter_map(|r| match &r.record {
                Record::NoticeToImprove(n) if met <= n.issued && n.issued <= on => Some(n),
                _ => None,
            })
            .min_by_key(|n| n.issued)
            .map_or((issued.at.date(), weeks), |n| {
                (n.issued, u32::from(n.weeks))
            });
        let ends = plus_weeks(issued, weeks);
        if self.now.date() < ends {
            return;
        }
        let period = DateRange {
            first: issued,
            last: on,
        };
        let since = Tally::of_row(self.register.row(self.id), period).unauthorised;
        if since == 0 {
            return;
        }
        let reason = format!(
            "Notice to improve {}; its {weeks}-week improvement period ended {} with {since} unauthorised session{} since",
            long_date(issued),
            long_date(ends),
            plural(u32::try_from(since).unwrap_or(u32::MAX))
        );
        let key = key("penalty.consider".into(), occasion);
        items.push(self.due_today(key, &consider, reason, &p.source));
    }

    /// Whether every parent with a notice on record for this child has reached the cap on `on`.
    fn no_further_notice(&self, on: Date) -> bool {
        let notices: Vec<&PenaltyNotice> = self.case.penalty_notices().collect();
        let next = next_penalties(&notices, on);
        !next.is_empty()
            && next
                .iter()
                .all(|(_, next)| matches!(next, NextPenalty::None { .. }))
    }

    /// Each lateness rule of the school, each time its count of late arrivals is reached within
    /// its weeks. As for penalty notices, once a time has been dealt with (any of its steps done
    /// or dismissed), only arrivals after that count towards the next.
    pub(super) fn lateness(&self, items: &mut Vec<Item>) {
        let marks = self.marks_so_far();
        for rule in &self.procedures().lateness {
            let prefix = format!("lateness.{}.", rule.id);
            let codes: Vec<&str> = rule.codes.iter().map(|c| c.symbol()).collect();
            let threshold = (
                usize::try_from(rule.count).unwrap_or(usize::MAX),
                rule.within_weeks,
            );
            let mut dealt_with: Option<Date> = None;
            loop {
                let counted = |slot: Slot| dealt_with.is_some_and(|d| slot.day().date() <= d);
                let counts = |code: Code| rule.codes.contains(&code);
                let windows =
                    triggers::threshold_windows(&marks, self.calendar, counts, threshold, counted);
                let Some(last) = windows.first().and_then(|w| w.last()) else {
                    break;
                };
                let met = last.day().date();
                let occasion = met.to_string();
                let reason = format!(
                    "{} late arrivals ({}) within {} school week{}, the last on {}",
                    rule.count,
                    codes.join(" or "),
                    rule.within_weeks,
                    plural(rule.within_weeks),
                    long_date(met)
                );
                for step in &rule.steps {
                    let key = key(format!("{prefix}{}", step.id), &occasion);
                    let due = self.due_after(met, step.within_days);
                    items.push(self.item(key, step, due, reason.clone(), &rule.source));
                }
                match self.case.first_for(&prefix, &occasion) {
                    Some(at) => dealt_with = Some(at.date()),
                    None => break,
                }
            }
        }
    }

    /// What considering a penalty notice means for this pupil's parents: a parent who has had
    /// two within three years of the first can have no third, so the route is prosecution or
    /// another legal intervention (National Framework for Penalty Notices 2024).
    fn penalty_words(&self, on: Date) -> String {
        let notices: Vec<&PenaltyNotice> = self.case.penalty_notices().collect();
        let mut capped = Vec::new();
        let mut second = Vec::new();
        for (parent, next) in next_penalties(&notices, on) {
            match next {
                NextPenalty::None { first, until } => capped.push(format!(
                    "{parent} has had two since {} (no third before {})",
                    long_date_year(first),
                    long_date_year(until)
                )),
                NextPenalty::Second { .. } => second.push(parent),
                NextPenalty::First => {}
            }
        }
        if !capped.is_empty() {
            format!(
                "No further penalty notice may be issued: {}; consider prosecution (s.444) or an education supervision order",
                capped.join("; ")
            )
        } else if !second.is_empty() {
            let second: Vec<&str> = second.iter().map(String::as_str).collect();
            format!(
                "Consider a penalty notice: a second for {} (£160, no reduction)",
                join_and(&second)
            )
        } else {
            "Consider a penalty notice".into()
        }
    }
}
