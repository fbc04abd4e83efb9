//! The Today page's worklist: items grouped by kind and by who acts, filtered, and shown a
//! page at a time, with the rest loaded on demand.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use rollcall_core::{Permission, YearGroup};
use rollcall_store::{Casebook, SchoolId};
use serde::Deserialize;

use super::Chrome;
use super::casework::{DueLine, entry_kinds};
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

/// Items a group shows before "Show more".
const FIRST_PAGE: usize = 10;
/// Items each "Show more" loads.
const NEXT_PAGE: usize = 25;

/// The Today page's kinds of work, in order, by the rule that asks for an item.
const KINDS: [(&str, &str, &[&str]); 9] = [
    (
        "contacts",
        "Contacts and visits due",
        &["first_day.", "welfare.", "vulnerability."],
    ),
    ("escalations", "Escalations due", &["escalation."]),
    ("n-overdue", "N codes overdue", &["statutory.n_overdue"]),
    (
        "stages",
        "Stage, band and early-help steps due",
        &["stage.", "band.", "early_warning."],
    ),
    (
        "penalty",
        "Penalty-notice thresholds to consider",
        &["penalty."],
    ),
    (
        "illness",
        "Illness: sickness returns and medical evidence",
        &["illness."],
    ),
    (
        "casefile",
        "Meetings, plans and reviews",
        &["meeting.", "plan.", "part_time.", "notice_to_improve."],
    ),
    (
        "home-school",
        "Home-school notifications",
        &["home_school."],
    ),
    (
        "statutory",
        "Statutory duties, leave and lateness",
        &["statutory.", "leave.", "lateness."],
    ),
];

/// Which kind of work an item is, by its rule: an index into [`KINDS`].
fn kind_of(line: &DueLine) -> usize {
    let rule = line.item.split('@').next().unwrap_or_default();
    KINDS
        .iter()
        .position(|(_, _, prefixes)| prefixes.iter().any(|p| rule.starts_with(p)))
        .unwrap_or(KINDS.len() - 1)
}

/// What the worklist shows: from the page's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Filter {
    /// `""` for everyone's, `"mine"` for the items given to the person's position, or one
    /// position as the policy names it.
    #[serde(default)]
    pub who: String,
    /// A kind's id, or `""` for every kind.
    #[serde(default)]
    pub kind: String,
    /// A year group (`7`, `R`), or `""` for all.
    #[serde(default)]
    pub year: String,
}

impl Filter {
    fn keeps(&self, line: &DueLine, position: &str) -> bool {
        let who = match self.who.as_str() {
            "" => true,
            "mine" => line.who.eq_ignore_ascii_case(position),
            named => line.who == named,
        };
        let kind = self.kind.is_empty()
            || KINDS
                .get(kind_of(line))
                .is_some_and(|(id, _, _)| *id == self.kind);
        let year = self.year.is_empty() || line.year.to_string() == self.year;
        who && kind && year
    }

    /// The query string that reproduces it, for links and forms' return addresses.
    pub fn query(&self) -> String {
        serde_urlencoded::to_string([
            ("who", &self.who),
            ("kind", &self.kind),
            ("year", &self.year),
        ])
        .unwrap_or_default()
    }

    /// Whether it shows everything.
    pub fn is_everything(&self) -> bool {
        self.who.is_empty() && self.kind.is_empty() && self.year.is_empty()
    }
}

/// The items of one kind for one person to act on.
pub(crate) struct Group {
    pub who: String,
    pub count: usize,
    pub items: Vec<DueLine>,
    /// Where the next page of items comes from, when there are more.
    pub more: Option<More>,
}

/// A link to the next items of a group.
pub(crate) struct More {
    /// The fragment of the next items, for the page to load in place.
    pub fragment: String,
    /// The Today page filtered to the group, for a browser without scripts.
    pub page: String,
    pub left: usize,
    pub next: usize,
}

/// A kind of work, with its groups.
pub(crate) struct Kind {
    pub id: &'static str,
    pub title: &'static str,
    pub count: usize,
    pub overdue: usize,
    pub groups: Vec<Group>,
}

/// A choice in one of the filters: value, label and how many items it keeps.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub count: usize,
}

/// The worklist as the Today page shows it.
pub(crate) struct Worklist {
    pub total: usize,
    pub overdue: usize,
    /// How many items the filter keeps.
    pub shown: usize,
    pub kinds: Vec<Kind>,
    pub filter: Filter,
    pub who_choices: Vec<Choice>,
    pub kind_choices: Vec<Choice>,
    pub year_choices: Vec<Choice>,
}

/// Counts of each distinct value, in the order first met.
fn tally<T: PartialEq>(values: impl Iterator<Item = T>) -> Vec<(T, usize)> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for value in values {
        match counts.iter_mut().find(|(v, _)| *v == value) {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        }
    }
    counts
}

impl Worklist {
    /// Sorts the items (soonest first) into kinds and groups; a group shows its first page,
    /// or every item once the filter names both the kind and who acts.
    pub fn new(school: i64, lines: Vec<DueLine>, filter: Filter, position: &str) -> Worklist {
        let total = lines.len();
        let overdue = lines.iter().filter(|l| l.overdue).count();
        let mine = lines
            .iter()
            .filter(|l| l.who.eq_ignore_ascii_case(position))
            .count();
        let mut who_choices = vec![
            Choice {
                value: String::new(),
                label: "Everyone's".into(),
                count: total,
            },
            Choice {
                value: "mine".into(),
                label: format!("Mine ({position})"),
                count: mine,
            },
        ];
        let mut whos = tally(lines.iter().map(|l| l.who.clone()));
        whos.sort();
        who_choices.extend(whos.into_iter().map(|(who, count)| Choice {
            label: who.clone(),
            value: who,
            count,
        }));
        let mut kind_choices = vec![Choice {
            value: String::new(),
            label: "All kinds".into(),
            count: total,
        }];
        let mut kinds_met = tally(lines.iter().map(kind_of));
        kinds_met.sort();
        kind_choices.extend(kinds_met.into_iter().filter_map(|(at, count)| {
            let (id, title, _) = KINDS.get(at)?;
            Some(Choice {
                value: (*id).into(),
                label: (*title).into(),
                count,
            })
        }));
        let mut years = tally(lines.iter().map(|l| l.year));
        years.sort_by_key(|(year, _)| year.number());
        let mut year_choices = vec![Choice {
            value: String::new(),
            label: "All years".into(),
            count: total,
        }];
        year_choices.extend(years.into_iter().map(|(year, count)| Choice {
            value: year.to_string(),
            label: year_label(year),
            count,
        }));

        let everything = !filter.kind.is_empty() && !filter.who.is_empty();
        let mut kinds: Vec<Kind> = KINDS
            .iter()
            .map(|(id, title, _)| Kind {
                id,
                title,
                count: 0,
                overdue: 0,
                groups: Vec::new(),
            })
            .collect();
        let mut shown = 0;
        for line in lines.into_iter().filter(|l| filter.keeps(l, position)) {
            shown += 1;
            let Some(kind) = kinds.get_mut(kind_of(&line)) else {
                continue;
            };
            kind.count += 1;
            kind.overdue += usize::from(line.overdue);
            let at = match kind.groups.iter().position(|g| g.who == line.who) {
                Some(at) => at,
                None => {
                    kind.groups.push(Group {
                        who: line.who.clone(),
                        count: 0,
                        items: Vec::new(),
                        more: None,
                    });
                    kind.groups.len() - 1
                }
            };
            if let Some(group) = kind.groups.get_mut(at) {
                group.count += 1;
                if everything || group.items.len() < FIRST_PAGE {
                    group.items.push(line);
                }
            }
        }
        kinds.retain(|k| k.count > 0);
        for kind in &mut kinds {
            kind.groups.sort_by(|a, b| a.who.cmp(&b.who));
            for group in &mut kind.groups {
                group.more = More::after(school, &filter, kind.id, group);
            }
        }
        Worklist {
            total,
            overdue,
            shown,
            kinds,
            filter,
            who_choices,
            kind_choices,
            year_choices,
        }
    }
}

impl More {
    fn after(school: i64, filter: &Filter, kind: &str, group: &Group) -> Option<More> {
        let from = group.items.len();
        let left = group.count.checked_sub(from).filter(|n| *n > 0)?;
        let narrowed = Filter {
            who: group.who.clone(),
            kind: kind.into(),
            year: filter.year.clone(),
        };
        Some(More {
            fragment: format!("/s/{school}/office/items?{}&from={from}", narrowed.query()),
            page: format!("/s/{school}/office?{}#{kind}", narrowed.query()),
            left,
            next: left.min(NEXT_PAGE),
        })
    }
}

/// "Year 7", "Reception", "Nursery 1".
pub(crate) fn year_label(year: YearGroup) -> String {
    match year.number() {
        -2 => "Nursery 1".into(),
        -1 => "Nursery 2".into(),
        0 => "Reception".into(),
        n => format!("Year {n}"),
    }
}

#[derive(Deserialize)]
pub(crate) struct ItemsQuery {
    #[serde(flatten)]
    filter: Filter,
    #[serde(default)]
    from: usize,
}

/// The next items of one group, loaded in place by "Show more".
#[derive(Template, WebTemplate)]
#[template(path = "due_more.html")]
pub(crate) struct MoreItems {
    chrome: Chrome,
    items: Vec<DueLine>,
    more: Option<More>,
    entry_kinds: Vec<(&'static str, &'static str)>,
    back: String,
}

/// Today's items for the office's worklist, soonest first.
pub(crate) async fn due_today(state: &AppState, access: &Access) -> Result<Vec<DueLine>, AppError> {
    let now = state.local_now().datetime();
    let book = Casebook::school(state.store.as_ref(), access.school.id, now.date()).await?;
    Ok(book
        .items(&access.policy, now)
        .iter()
        .map(|d| DueLine::of(d, now, &book))
        .collect())
}

pub(crate) async fn more_items(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(query): Query<ItemsQuery>,
) -> Result<MoreItems, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(Permission::WorkCases, "work the attendance worklist")?;
    let position = access.user.position.clone();
    let filter = query.filter;
    let mut items: Vec<DueLine> = due_today(&state, &access)
        .await?
        .into_iter()
        .filter(|l| filter.keeps(l, &position))
        .skip(query.from)
        .collect();
    let left = items.len();
    items.truncate(NEXT_PAGE);
    let from = query.from + items.len();
    let more = (left > items.len()).then(|| More {
        fragment: format!("/s/{school}/office/items?{}&from={from}", filter.query()),
        page: format!("/s/{school}/office?{}#{}", filter.query(), filter.kind),
        left: left - items.len(),
        next: (left - items.len()).min(NEXT_PAGE),
    });
    Ok(MoreItems {
        chrome: Chrome::new(&access, "office"),
        items,
        more,
        entry_kinds: entry_kinds(),
        back: format!("/s/{school}/office?{}", filter.query()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, rule: &str, who: &str, year: i8) -> DueLine {
        DueLine {
            pupil: i64::try_from(n).unwrap_or_default(),
            name: format!("Pupil {n}"),
            group: "5A".into(),
            item: format!("{rule}@2026/27"),
            what: "Letter".into(),
            who: who.into(),
            due: "by 09:30".into(),
            overdue: n.is_multiple_of(2),
            reason: String::new(),
            source: String::new(),
            entry_kind: "letter",
            letter: None,
            printed: None,
            year: YearGroup::parse(&year.to_string()).unwrap(),
            status: None,
            error: None,
            undo: false,
            closed: false,
        }
    }

    /// 23 letters for the attendance officer (Year 5), 3 for the head (Year 6), 2 calls.
    fn lines() -> Vec<DueLine> {
        let mut lines: Vec<DueLine> = (0..23)
            .map(|n| line(n, "stage.listen.letter_1", "Attendance officer", 5))
            .collect();
        lines.extend((23..26).map(|n| line(n, "stage.listen.meeting", "Headteacher", 6)));
        lines.extend((26..28).map(|n| line(n, "first_day.call", "Attendance officer", 6)));
        lines
    }

    /// A kind as "id count (overdue): who count shown+left, ...".
    fn outline(kind: &Kind) -> String {
        let groups: Vec<String> = kind
            .groups
            .iter()
            .map(|g| {
                let left = g.more.as_ref().map_or(0, |m| m.left);
                format!("{} {} {}+{left}", g.who, g.count, g.items.len())
            })
            .collect();
        format!(
            "{} {} ({}): {}",
            kind.id,
            kind.count,
            kind.overdue,
            groups.join(", ")
        )
    }

    #[test]
    fn items_are_grouped_counted_filtered_and_paged() {
        let filter = |who: &str, kind: &str, year: &str| Filter {
            who: who.into(),
            kind: kind.into(),
            year: year.into(),
        };
        // (filter, items kept, each kind's outline)
        let table: [(Filter, usize, &[&str]); 5] = [
            (
                Filter::default(),
                28,
                &[
                    "contacts 2 (1): Attendance officer 2 2+0",
                    "stages 26 (13): Attendance officer 23 10+13, Headteacher 3 3+0",
                ],
            ),
            (
                filter("mine", "", ""),
                25,
                &[
                    "contacts 2 (1): Attendance officer 2 2+0",
                    "stages 23 (12): Attendance officer 23 10+13",
                ],
            ),
            (
                filter("Headteacher", "", ""),
                3,
                &["stages 3 (1): Headteacher 3 3+0"],
            ),
            (
                filter("", "", "6"),
                5,
                &[
                    "contacts 2 (1): Attendance officer 2 2+0",
                    "stages 3 (1): Headteacher 3 3+0",
                ],
            ),
            // Naming both the kind and who acts shows the whole group.
            (
                filter("Attendance officer", "stages", ""),
                23,
                &["stages 23 (12): Attendance officer 23 23+0"],
            ),
        ];
        for (filter, shown, expected) in table {
            let described = format!("{filter:?}");
            let list = Worklist::new(1, lines(), filter, "Attendance Officer");
            assert_eq!((list.total, list.overdue), (28, 14));
            assert_eq!(list.shown, shown, "{described}");
            let kinds: Vec<String> = list.kinds.iter().map(outline).collect();
            assert_eq!(kinds, expected, "{described}");
        }
    }

    #[test]
    fn the_filters_count_every_item() {
        let list = Worklist::new(1, lines(), Filter::default(), "Attendance officer");
        let labels = |choices: &[Choice]| -> Vec<String> {
            choices
                .iter()
                .map(|c| format!("{} ({})", c.label, c.count))
                .collect()
        };
        assert_eq!(
            labels(&list.who_choices),
            [
                "Everyone's (28)",
                "Mine (Attendance officer) (25)",
                "Attendance officer (25)",
                "Headteacher (3)"
            ]
        );
        assert_eq!(
            labels(&list.kind_choices),
            [
                "All kinds (28)",
                "Contacts and visits due (2)",
                "Stage, band and early-help steps due (26)"
            ]
        );
        assert_eq!(
            labels(&list.year_choices),
            ["All years (28)", "Year 5 (23)", "Year 6 (5)"]
        );
        let more = list
            .kinds
            .iter()
            .flat_map(|k| &k.groups)
            .find_map(|g| g.more.as_ref())
            .map(|m| (m.fragment.as_str(), m.page.as_str(), m.next));
        assert_eq!(
            more,
            Some((
                "/s/1/office/items?who=Attendance+officer&kind=stages&year=&from=10",
                "/s/1/office?who=Attendance+officer&kind=stages&year=#stages",
                13
            ))
        );
    }
}
