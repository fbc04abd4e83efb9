use jiff::civil::date;
use rollcall_core::{Code, Register, RegisterBuilder, Roll, Session, SessionKey};
use rollcall_store::{Directory as _, Registers as _};
use rollcall_store::{NewSchool, SchoolId, StoreError};
use rollcall_store_sql::SqlStore;
use rollcall_testkit::fixture::POLICY;
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, at};

fn pupil(upn: &str, surname: &str, group: &str) -> rollcall_core::Pupil {
    rollcall_core::Pupil {
        upn: rollcall_core::Upn::parse(upn).unwrap(),
        legal_surname: surname.into(),
        legal_forename: "Pat".into(),
        preferred_forename: Some("P".into()),
        date_of_birth: date(2015, 1, 2),
        sex: rollcall_core::Sex::Male,
        year_group: rollcall_core::YearGroup::year(5).unwrap(),
        reg_group: group.into(),
        entry_date: Some(date(2025, 9, 2)),
        leaving_date: None,
        fsm: true,
        eal: false,
        pupil_premium: false,
        sen: rollcall_core::SenStatus::Ehcp,
        school: None,
    }
}

/// Two pupils, a fortnight of marks, with lates.
pub fn register(last_code: Code) -> Register {
    let roll = Roll::new(vec![
        pupil("B801200005001", "Zed", "5A"),
        pupil("Q801200005002", "Young", "5B"),
    ])
    .unwrap();
    let mut builder = RegisterBuilder::new(&roll);
    for (id, _) in roll.ids().zip(roll.pupils()) {
        for day in 2..=12 {
            let d = date(2025, 9, day);
            if matches!(
                d.weekday(),
                jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
            ) {
                continue;
            }
            let am = SessionKey {
                date: d,
                session: Session::Am,
            }
            .slot();
            let pm = SessionKey {
                date: d,
                session: Session::Pm,
            }
            .slot();
            let (code, minutes) = if day == 3 {
                (Code::Late, Some(4))
            } else {
                (Code::PresentAm, None)
            };
            builder.insert(id, am, code, minutes).unwrap();
            let code = if day == 12 {
                last_code
            } else {
                Code::PresentPm
            };
            builder.insert(id, pm, code, None).unwrap();
        }
    }
    builder.finish(roll)
}

/// Each pupil's UPN, marks and minutes late.
type Marks = Vec<(String, Vec<(rollcall_core::Slot, Code)>, Vec<(i32, u16)>)>;

fn marks_of(r: &Register) -> Marks {
    r.ids()
        .map(|id| {
            let row = r.row(id);
            (
                r.pupil(id).unwrap().upn.to_string(),
                row.marks().collect(),
                row.lates.to_vec(),
            )
        })
        .collect()
}

async fn import_school(store: &SqlStore) -> SchoolId {
    store
        .create_school(&NewSchool {
            trust: None,
            name: "Import".into(),
            urn: None,
            la_estab: None,
            policy: POLICY.into(),
        })
        .await
        .unwrap()
}

pub async fn import_is_all_or_nothing(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let school = import_school(&store).await;
    let seen = std::sync::atomic::AtomicU64::new(0);
    let progress = |n: u64| seen.store(n, std::sync::atomic::Ordering::Relaxed);
    let first = register(Code::PresentPm);
    let summary = store
        .import(
            &school.into(),
            &first,
            &rollcall_store::ImportDetails::default(),
            &actor("Import", "Data manager"),
            at(18, 0),
            &progress,
        )
        .await
        .unwrap();
    assert_eq!((summary.pupils_added, summary.marks_added), (2, 36));
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 36);
    // Importing the same again changes nothing.
    let again = store
        .import(
            &school.into(),
            &first,
            &rollcall_store::ImportDetails::default(),
            &actor("Import", "Data manager"),
            at(18, 0),
            &progress,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            again.pupils_updated,
            again.marks_added,
            again.marks_unchanged
        ),
        (2, 0, 36)
    );
    // A file that would change a recorded mark is refused whole.
    let changed = register(Code::Illness);
    let err = store
        .import(
            &school.into(),
            &changed,
            &rollcall_store::ImportDetails::default(),
            &actor("Import", "Data manager"),
            at(18, 0),
            &progress,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(
        err.to_string()
            .contains("B801200005001 2025-09-12 PM holds \\, not I"),
        "{err}"
    );
    let groups = store.groups(school).await.unwrap();
    assert_eq!(
        groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["5A", "5B"]
    );
    let history = store
        .pupil_history(store.pupils(school).await.unwrap()[0].key)
        .await
        .unwrap();
    assert_eq!(history.characteristics.len(), 4);
    assert_eq!(history.enrolments[0].entry_date, Some(date(2025, 9, 2)));
}

pub async fn load_register_round_trips(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let school = import_school(&store).await;
    let original = register(Code::Holiday);
    store
        .import(
            &school.into(),
            &original,
            &rollcall_store::ImportDetails::default(),
            &actor("Import", "Data manager"),
            at(18, 0),
            &|_| {},
        )
        .await
        .unwrap();
    let loaded = store.load_register(school).await.unwrap();
    assert_eq!(loaded.pupils(), original.pupils());
    assert_eq!(marks_of(&loaded), marks_of(&original));
    assert_eq!(loaded.mark_count(), 36);
}

pub async fn a_new_school_failing_in_its_last_mark_leaves_nothing(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    // The database refuses the import's very last mark (Young's, 12 September PM).
    let plant: &[&str] = match backend {
        Backend::Sqlite => &["CREATE TRIGGER refuse_last BEFORE INSERT ON marks \
             WHEN NEW.date = '2025-09-12' AND NEW.session = 1 \
             AND NEW.pupil_id = (SELECT MAX(id) FROM pupils) \
             BEGIN SELECT RAISE(ABORT, 'the last mark is refused'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_last() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.date = '2025-09-12' AND NEW.session = 1 \
             AND NEW.pupil_id = (SELECT MAX(id) FROM pupils) THEN \
             RAISE EXCEPTION 'the last mark is refused'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_last BEFORE INSERT ON marks FOR EACH ROW \
             EXECUTE FUNCTION refuse_last()",
        ],
    };
    for sql in plant {
        db.execute(sql).await.unwrap();
    }
    let target = rollcall_store::ImportTarget::New(NewSchool {
        trust: None,
        name: "All or Nothing Primary".into(),
        urn: None,
        la_estab: None,
        policy: POLICY.into(),
    });
    let err = store
        .import(
            &target,
            &register(Code::PresentPm),
            &rollcall_store::ImportDetails::default(),
            &actor("Import", "Data manager"),
            at(18, 0),
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("the last mark is refused"),
        "{err}"
    );
    // No school, policy, group, pupil, mark or ledger entry was left behind.
    assert!(store.schools().await.unwrap().is_empty());
    for table in [
        "schools",
        "reg_groups",
        "pupils",
        "enrolments",
        "marks",
        "ledger",
    ] {
        let count = db.count(&format!("SELECT COUNT(*) FROM {table}")).await;
        assert_eq!(count, 0, "{table} kept rows from a refused import");
    }
}

fn year_at(school: &str, year: i16, possible: u32) -> rollcall_core::history::YearAttendance {
    rollcall_core::history::YearAttendance {
        year: rollcall_core::AcademicYear(year),
        school: rollcall_core::LaEstab::parse(school).unwrap(),
        school_name: format!("School {school}"),
        possible,
        attended: possible - 2,
        authorised: 1,
        unauthorised: 1,
        sessions: (year == 2024).then(|| rollcall_core::history::SessionString {
            first: date(2024, 9, 2),
            marks: "/\\IN".into(),
        }),
    }
}

/// Attendance from earlier schools comes in with the pupils, a later file replacing the same
/// school's year, and a year for a pupil the import does not hold undoes the whole import.
pub async fn earlier_schools_attendance_comes_with_the_pupils(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let school = import_school(&store).await;
    let upn = rollcall_core::Upn::parse("B801200005001").unwrap();
    let details =
        |history: Vec<rollcall_core::history::YearAttendance>| rollcall_store::ImportDetails {
            history: history.into_iter().map(|y| (upn, y)).collect(),
            at: jiff::civil::DateTime::constant(2025, 9, 12, 18, 0, 0, 0),
            ..Default::default()
        };
    let first = details(vec![
        year_at("802/4000", 2024, 4),
        year_at("802/4000", 2023, 300),
    ]);
    store
        .import(
            &school.into(),
            &register(Code::PresentPm),
            &first,
            &actor("Import", "Data manager"),
            at(18, 0),
            &|_| {},
        )
        .await
        .unwrap();
    let key = store.pupils(school).await.unwrap()[0].key;
    let held = store.attendance_history(key).await.unwrap();
    assert_eq!(
        held,
        vec![year_at("802/4000", 2023, 300), year_at("802/4000", 2024, 4)]
    );
    let later = details(vec![year_at("802/4000", 2023, 310)]);
    store
        .import(
            &school.into(),
            &register(Code::PresentPm),
            &later,
            &actor("Import", "Data manager"),
            at(18, 0),
            &|_| {},
        )
        .await
        .unwrap();
    let held = store.attendance_history(key).await.unwrap();
    assert_eq!(held[0].possible, 310);
    assert_eq!(held.len(), 2);

    let fresh = import_school(&store).await;
    let unknown = rollcall_store::ImportDetails {
        history: vec![(
            rollcall_core::Upn::parse("Q801200005002").unwrap(),
            year_at("802/4000", 2022, 10),
        )],
        ..first.clone()
    };
    let one_pupil = Roll::new(vec![pupil("B801200005001", "Zed", "5A")]).unwrap();
    let only_zed = RegisterBuilder::new(&one_pupil).finish(one_pupil);
    let err = store
        .import(
            &fresh.into(),
            &only_zed,
            &unknown,
            &actor("Import", "Data manager"),
            at(18, 0),
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Q801200005002"), "{err}");
    assert!(
        store.pupils(fresh).await.unwrap().is_empty(),
        "nothing is left behind"
    );
}
