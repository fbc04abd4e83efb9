//! The demo school `rollcall serve --demo` creates on first run: a year of marks, today's
//! registers, staff to sign in as, a parent, and cases under way.

use jiff::Timestamp;
use jiff::ToSpan;
use jiff::civil::Date;
use rollcall_core::casework::{CaseEntry, ItemKey};
use rollcall_core::{
    AcademicYear, ActionKind, Code, DateRange, EntryKind, Rate, RegisterBuilder, Role, Session,
    SessionKey, Tally,
};
use rollcall_demo::{DemoConfig, generate};
use rollcall_store::{
    Actor, Contact, EnteredMark, NewCaseEntry, NewSchool, NewUser, PlannedMark, PupilKey, SchoolId,
    Store, Submission,
};
use rollcall_web::{Config, Passwords};

/// The demo's staff sign in with this password.
const DEMO_PASSWORD: &str = "rollcall-demo";

/// Sign-in details for the demo, printed at start.
pub(crate) struct Demo {
    school: String,
    school_id: SchoolId,
    pupils: usize,
    group: String,
    /// The demo parent's email address.
    parent: Option<String>,
    /// The pupil whose casework has begun.
    fallen: Option<Fallen>,
}

impl std::fmt::Display for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Demo school: {} ({} pupils). Sign in as:",
            self.school, self.pupils
        )?;
        writeln!(
            f,
            "  teacher / {DEMO_PASSWORD}   Tom Teach, class teacher of {}",
            self.group
        )?;
        writeln!(
            f,
            "  officer / {DEMO_PASSWORD}   Lisa Craven, attendance officer"
        )?;
        writeln!(f, "  head    / {DEMO_PASSWORD}   June Turner, headteacher")?;
        writeln!(
            f,
            "  director / {DEMO_PASSWORD}  Priya Shah, the trust's director (its three schools)"
        )?;
        writeln!(
            f,
            "  la      / {DEMO_PASSWORD}   Sam Okafor, local authority attendance officer"
        )?;
        write!(
            f,
            "  governor / {DEMO_PASSWORD}  Pat Gradys, governor for attendance"
        )?;
        if let Some(parent) = &self.parent {
            write!(
                f,
                "\nParents sign in at /parent/login as:\n  {parent} / {DEMO_PASSWORD}"
            )?;
        }
        if let Some(fallen) = &self.fallen {
            let rate = fallen.rate.map(|r| format!(", {r}%")).unwrap_or_default();
            write!(
                f,
                "\nCasework: {} ({}{rate}) had letter 1 three weeks ago and is now below 90%:\n  /s/{}/pupils/{}",
                fallen.name, fallen.group, self.school_id, fallen.key
            )?;
        }
        Ok(())
    }
}

/// The group the demo teacher looks after.
const DEMO_GROUP: &str = "3A";
/// Another group whose register is left for the office to chase.
const UNTAKEN_GROUP: &str = "5B";

/// Creates the demo school if the database has none: this academic year's marks up to
/// yesterday, today's registers taken for most groups (not the demo teacher's, so that there
/// are registers to take now), planned leave and a trip, contacts, and three members of staff.
pub(crate) async fn seed_demo(store: &dyn Store, passwords: &Passwords) -> anyhow::Result<Demo> {
    if let Some(school) = store.schools().await?.into_iter().next() {
        let pupils = store.pupils(school.id).await?.len();
        let parent = demo_parent(store, school.id).await?.map(|(_, c)| c);
        let fallen = match store
            .school_chronology(school.id)
            .await?
            .into_iter()
            .find(|r| r.entry.note == DEMO_CASE_NOTE)
        {
            Some(r) => {
                let pupil = store.pupil(r.pupil).await?;
                Some(Fallen {
                    name: pupil.pupil.name(),
                    group: pupil.pupil.reg_group,
                    rate: None,
                    key: r.pupil,
                })
            }
            None => None,
        };
        return Ok(Demo {
            school: school.name,
            school_id: school.id,
            pupils,
            group: DEMO_GROUP.into(),
            parent: parent.and_then(|c| c.contact.email),
            fallen,
        });
    }
    let now = jiff::Zoned::now().with_time_zone(Config::default().time_zone);
    let today = now.date();
    let config = DemoConfig {
        pupils: 420,
        seed: 1,
        year: AcademicYear::of(today),
        through: Some(today),
    };
    let generated = rollcall_demo::with_last_year(generate(&config)?, &config)?;
    let register = &generated.register;
    // Everything before today is history; today's marks are entered as registers below.
    let mut past = RegisterBuilder::new(register.roll());
    for id in register.ids() {
        let row = register.row(id);
        let mut lates = row.lates.iter().peekable();
        for (slot, code) in row.marks() {
            while lates.next_if(|&&(s, _)| s < slot.0).is_some() {}
            let minutes = lates.next_if(|&&(s, _)| s == slot.0).map(|&(_, m)| m);
            if slot.key().date < today {
                let _ = past.insert(id, slot, code, minutes);
            }
        }
    }
    let past = past.finish(register.roll().clone());
    let policy = &generated.policy;
    let (policy_text, with_procedures) = crate::demo_trust::demo_policy_text(policy)?;
    let trust = store.create_trust("Rollcall Demo Trust").await?;
    let school = store
        .create_school(&NewSchool {
            trust: Some(trust),
            name: policy.school.name.clone(),
            urn: policy.school.urn,
            la_estab: policy.school.la_estab,
            policy: policy_text,
        })
        .await?;
    let office = Actor {
        user: None,
        name: "Lisa Craven".into(),
        position: "Attendance officer".into(),
    };
    store
        .import(
            &school.into(),
            &past,
            &rollcall_store::ImportDetails::default(),
            &office,
            Timestamp::now(),
            &|_| {},
        )
        .await?;
    let keys: Vec<PupilKey> = store.pupils(school).await?.iter().map(|p| p.key).collect();
    add_contacts(store, register, &keys).await?;
    let fallen = start_a_case(store, register, &keys, today, &with_procedures, &office).await?;
    let head = Actor {
        user: None,
        name: "June Turner".into(),
        position: "Headteacher".into(),
    };
    crate::demo_admissions::admit_and_delete(
        store,
        school,
        &keys,
        &policy.calendar,
        today,
        &office,
        &head,
    )
    .await?;
    crate::demo_admissions::returns_kept_up(store, school, &with_procedures, today, &office)
        .await?;

    let hash = passwords.hash(DEMO_PASSWORD).await?;
    let staff = [
        ("teacher", "Tom Teach", "Class teacher, 3A", Role::Teacher),
        (
            "officer",
            "Lisa Craven",
            "Attendance officer",
            Role::AttendanceOfficer,
        ),
        ("head", "June Turner", "Headteacher", Role::SeniorLeader),
    ];
    let mut ids = Vec::new();
    for (username, name, position, role) in staff {
        let user = store
            .create_user(&NewUser {
                username: username.into(),
                name: name.into(),
                position: position.into(),
                password_hash: Some(hash.clone()),
            })
            .await?;
        store.grant_role(user, school, role).await?;
        ids.push(user);
    }
    let group = store.ensure_group(school, DEMO_GROUP).await?;
    if let Some(&teacher) = ids.first() {
        store.assign_staff(group, teacher).await?;
    }
    if policy.calendar.is_school_day(today) {
        take_todays_registers(store, school, register, &keys, &now, policy).await?;
        plan_ahead(store, school, &keys, today, policy).await?;
    }
    let mut schools = vec![school];
    schools.extend(crate::demo_trust::other_schools(store, trust, today, &office).await?);
    crate::demo_trust::trust_people(store, trust, school, &schools, &hash, now.datetime()).await?;
    let mut parent = None;
    if let Some((_, contact)) = demo_parent(store, school).await?
        && let Some(email) = &contact.contact.email
    {
        let account = store.ensure_parent(email, &contact.contact.name).await?;
        store.link_parent(account, contact.id).await?;
        store.set_parent_password(account, &hash).await?;
        parent = Some(email.clone());
    }
    Ok(Demo {
        school: policy.school.name.clone(),
        school_id: school,
        pupils: keys.len(),
        group: DEMO_GROUP.into(),
        parent,
        fallen,
    })
}

/// The demo's parent: the first parent of the second pupil of the demo teacher's class (the
/// first has leave today).
async fn demo_parent(
    store: &dyn Store,
    school: SchoolId,
) -> anyhow::Result<Option<(PupilKey, rollcall_store::ContactRecord)>> {
    let group = store.ensure_group(school, DEMO_GROUP).await?;
    let today = jiff::Zoned::now().date();
    let class = store.pupils_of_group(group, today).await?;
    let Some(pupil) = class.get(1) else {
        return Ok(None);
    };
    let contact = store.contacts(pupil.key).await?.into_iter().next();
    Ok(contact.map(|c| (pupil.key, c)))
}

/// How the demo's case is noted in the chronology, and found again on later runs.
const DEMO_CASE_NOTE: &str = "Letter 1 sent home";

/// A pupil whose attendance has fallen.
struct Fallen {
    name: String,
    group: String,
    /// Their attendance when the demo began.
    rate: Option<Rate>,
    key: PupilKey,
}

/// Starts one pupil's casework: the pupil below 90% whose rate is highest, with the first
/// stage's steps (seed 001 §6b: letter 1, the teacher's contact) done three weeks ago, so that
/// the second stage is due now: letter 2, an attendance support meeting and a plan.
async fn start_a_case(
    store: &dyn Store,
    register: &rollcall_core::Register,
    keys: &[PupilKey],
    today: Date,
    policy: &rollcall_core::Policy,
    office: &Actor,
) -> anyhow::Result<Option<Fallen>> {
    let year = AcademicYear::of(today);
    let (Ok(yesterday), Some(first_stage)) = (today.yesterday(), policy.procedures.stages.first())
    else {
        return Ok(None);
    };
    let range = DateRange {
        first: year.first_day(),
        last: yesterday,
    };
    let Some((pupil, key, rate)) = register
        .ids()
        .zip(register.pupils())
        .zip(keys)
        .filter_map(|((id, pupil), key)| {
            let tally = Tally::of_row(register.row(id), range);
            let rate = tally.attendance_rate()?;
            (tally.possible >= policy.procedures.minimum_sessions && !rate.at_least(9000))
                .then_some((pupil, *key, rate))
        })
        .max_by_key(|(_, _, rate)| *rate)
    else {
        return Ok(None);
    };
    let at = today.checked_sub(21.days())?.at(10, 0, 0, 0);
    for step in &first_stage.steps {
        store
            .add_case_entry(&NewCaseEntry {
                pupil: key,
                entry: CaseEntry {
                    at,
                    kind: EntryKind::recording(step.kind),
                    item: Some(ItemKey {
                        rule: format!("stage.{}.{}", first_stage.id, step.id),
                        occasion: year.to_string(),
                    }),
                    with: String::new(),
                    note: if step.kind == ActionKind::Letter {
                        DEMO_CASE_NOTE.into()
                    } else {
                        format!("{}: done", step.what)
                    },
                    by: String::new(),
                },
                actor: office.clone(),
                recorded_at: Timestamp::now(),
            })
            .await?;
    }
    Ok(Some(Fallen {
        name: pupil.name(),
        group: pupil.reg_group.clone(),
        rate: Some(rate),
        key,
    }))
}

/// The streets of the demo's families, for letters' addresses.
const DEMO_STREETS: [&str; 6] = [
    "Station Road",
    "Church Lane",
    "Park Avenue",
    "Mill Street",
    "Victoria Road",
    "The Green",
];

async fn add_contacts(
    store: &dyn Store,
    register: &rollcall_core::Register,
    keys: &[PupilKey],
) -> anyhow::Result<()> {
    for (i, (pupil, key)) in register.pupils().iter().zip(keys).enumerate() {
        let (title, relationship) = if i % 3 == 0 {
            ("Mr", "Father")
        } else {
            ("Ms", "Mother")
        };
        let phone = |n: usize| format!("07700 900{:03}", (i * 2 + n) % 1000);
        let street = DEMO_STREETS.iter().cycle().nth(i).unwrap_or(&"High Street");
        let address = format!(
            "{} {street}\nLowfield\nLF{} {}AB",
            i % 97 + 1,
            i % 9 + 1,
            i % 10
        );
        let contacts = [
            Contact {
                name: format!("{title} {}", pupil.legal_surname),
                relationship: relationship.into(),
                parental_responsibility: true,
                lives_with_pupil: true,
                correspondence: true,
                // Some households are greeted as both parents: "Dear Mr and Mrs Khan".
                salutation: (i % 3 == 0).then(|| format!("Mr and Mrs {}", pupil.legal_surname)),
                priority: 1,
                phones: vec![phone(0)],
                email: Some(format!(
                    "{}.{}@families.example",
                    pupil.legal_surname.to_ascii_lowercase(),
                    i + 1
                )),
                address: Some(address),
                preferred_language: None,
                court_order: None,
                opted_out: false,
            },
            Contact {
                name: format!("Grandparent {}", pupil.legal_surname),
                relationship: "Grandparent (emergency contact)".into(),
                parental_responsibility: false,
                lives_with_pupil: false,
                correspondence: false,
                salutation: None,
                priority: 2,
                phones: vec![phone(1)],
                email: None,
                address: None,
                preferred_language: None,
                court_order: None,
                opted_out: false,
            },
        ];
        for contact in &contacts {
            store.add_contact(*key, contact).await?;
        }
    }
    Ok(())
}

/// Takes today's registers that are due by now, except the demo teacher's and one other.
async fn take_todays_registers(
    store: &dyn Store,
    school: SchoolId,
    register: &rollcall_core::Register,
    keys: &[PupilKey],
    now: &jiff::Zoned,
    policy: &rollcall_core::Policy,
) -> anyhow::Result<()> {
    let today = now.date();
    let actor = Actor {
        user: None,
        name: "Lisa Craven".into(),
        position: "Attendance officer".into(),
    };
    for session in Session::BOTH {
        if now.time() < policy.times(session).register_opens {
            continue;
        }
        let key = SessionKey {
            date: today,
            session,
        };
        for group in store.groups(school).await? {
            if group.name == DEMO_GROUP || group.name == UNTAKEN_GROUP {
                continue;
            }
            let sheet = store.register(group.id, today, session).await?;
            let marks = sheet
                .rows
                .iter()
                .map(|row| {
                    let generated = keys.iter().position(|k| *k == row.pupil.key).and_then(|i| {
                        register.mark(
                            rollcall_core::PupilId(u32::try_from(i).unwrap_or(0)),
                            key.slot(),
                        )
                    });
                    let (code, minutes_late) = match generated {
                        Some(mark) if mark.code != Code::PlannedClosure => {
                            (mark.code, mark.minutes_late)
                        }
                        _ if session == Session::Am => (Code::PresentAm, None),
                        _ => (Code::PresentPm, None),
                    };
                    EnteredMark {
                        pupil: row.pupil.key,
                        code,
                        minutes_late,
                        comment: None,
                        seen: None,
                    }
                })
                .collect();
            store
                .submit_register(&Submission {
                    group: group.id,
                    key,
                    marks,
                    reason: None,
                    authority: rollcall_core::Authority::AMEND_ANY,
                    actor: actor.clone(),
                    at: Timestamp::now(),
                    idempotency_key: None,
                })
                .await?;
        }
    }
    Ok(())
}

/// Marks the demo teacher's register will show already entered: leave granted for one pupil,
/// a part-time timetable for another, and a class trip on the next school day.
async fn plan_ahead(
    store: &dyn Store,
    school: SchoolId,
    keys: &[PupilKey],
    today: Date,
    policy: &rollcall_core::Policy,
) -> anyhow::Result<()> {
    let group = store.ensure_group(school, DEMO_GROUP).await?;
    let class = store.pupils_of_group(group, today).await?;
    let head = Actor {
        user: None,
        name: "June Turner".into(),
        position: "Headteacher".into(),
    };
    let mut plans = Vec::new();
    if let [first, second, ..] = class.as_slice() {
        for session in Session::BOTH {
            plans.push(PlannedMark {
                pupil: first.key,
                key: SessionKey {
                    date: today,
                    session,
                },
                code: Code::ExceptionalLeave,
                comment: Some("Leave granted by the headteacher: family funeral".into()),
            });
        }
        plans.push(PlannedMark {
            pupil: second.key,
            key: SessionKey {
                date: today,
                session: Session::Pm,
            },
            code: Code::PartTimeTimetable,
            comment: Some("Part-time timetable: mornings only until half term".into()),
        });
    }
    if let Some(next) = policy.calendar.nth_school_day_after(today, 1) {
        for pupil in &class {
            for session in Session::BOTH {
                plans.push(PlannedMark {
                    pupil: pupil.key,
                    key: SessionKey {
                        date: next,
                        session,
                    },
                    code: Code::Visit,
                    comment: Some("Class trip to the Natural History Museum".into()),
                });
            }
        }
    }
    let _ = keys;
    store.plan_marks(&plans, &head, Timestamp::now()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rollcall_store::{Casebook, Directory as _};

    use super::*;

    /// The case the demo announces at start is where it says: letter 1 three weeks ago, and
    /// letter 2 due now on the officer's worklist.
    #[test]
    fn the_announced_case_has_its_next_letter_due() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("demo.sqlite").display());
        crate::runtime()
            .unwrap()
            .block_on(async {
                let store = crate::admin::open(&url).await?;
                let demo = seed_demo(&store, &Passwords::default()).await?;
                // Early in a school year no pupil has enough sessions for a case, and the demo
                // announces none.
                let Some(fallen) = demo.fallen else {
                    return anyhow::Ok(());
                };
                let school = store.school(demo.school_id).await?;
                let policy = rollcall_files::parse_policy(
                    std::path::Path::new("the stored policy"),
                    &school.policy,
                )?;
                let now = jiff::Zoned::now().with_time_zone(Config::default().time_zone);
                let book = Casebook::school(&store, school.id, now.date()).await?;
                let due: Vec<String> = book
                    .items(&policy, now.datetime())
                    .iter()
                    .filter(|d| d.pupil.key == fallen.key)
                    .map(|d| d.item.key.rule.clone())
                    .collect();
                assert!(
                    due.iter().any(|rule| rule == "stage.facilitate.letter_2"),
                    "{due:?}"
                );
                store.close().await;
                anyhow::Ok(())
            })
            .unwrap();
    }
}
