//! A small school to test against: two registration groups, their pupils and contacts, a
//! teacher for each group, an attendance officer and a headteacher, and a second school with a
//! pupil of its own, for proving that one school's data never reaches another's staff.

use jiff::civil::{Date, date};
use rollcall_core::{Pupil, Role, SenStatus, Sex, Upn, YearGroup};
use rollcall_store::{Contact, GroupId, NewSchool, NewUser, PupilKey, SchoolId, Store, UserId};

/// The fixture school's policy: autumn 2025, registers 8.45 to 9.15 and 13.15 to 13.45.
pub const POLICY: &str = r#"
[school]
name = "Fixture Primary"
urn = "100001"
la_estab = "801/2001"
phone = "01632 960 001"

[sessions.am]
register_opens = 08:45
register_closes = 09:15
session_ends = 12:00

[sessions.pm]
register_opens = 13:15
register_closes = 13:45
session_ends = 15:15

[attendance]
target = 96

[[calendar.terms]]
name = "Autumn 2025"
first_day = 2025-09-01
last_day = 2025-12-19
half_term = { first_day = 2025-10-27, last_day = 2025-10-31 }

[[calendar.closures]]
date = 2025-09-01
reason = "INSET day"

[procedures.first_day]
source = "Fixture policy §2: parents call by 9.00; a text when the register closes, then a call"

[procedures.first_day.am]
parent_deadline = 09:00
text_at_close = { id = "text", kind = "text", what = "Text the family: absent with no reason", who = "Attendance officer" }
call = { id = "call", kind = "call", what = "Call home, then the emergency contacts", who = "Attendance officer" }

[procedures.welfare]
flags = ["social_worker", "cp_plan"]
steps = [
  { id = "home_visit", kind = "home_visit", what = "Same-day home visit", who = "Designated safeguarding lead" },
]
source = "Fixture policy §3: a same-day visit for pupils with a social worker or a protection plan"

[[procedures.escalations]]
day = 3
id = "home_visit"
kind = "home_visit"
what = "Home visit"
who = "Attendance officer"
source = "Fixture policy §4: a home visit on the third day of unexplained absence"

[procedures.leave]
notice_days = 14
who = "Headteacher"
source = "Fixture policy §5: leave asked for two weeks ahead by a parent the pupil lives with"
"#;

/// A Wednesday in the fixture's term.
pub const SCHOOL_DAY: Date = date(2025, 9, 10);

/// The password every fixture user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// The fixture, as stored.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The school.
    pub school: SchoolId,
    /// Class 5A.
    pub group: GroupId,
    /// Class 5B.
    pub other_group: GroupId,
    /// 5A's pupils.
    pub pupils: Vec<PupilKey>,
    /// 5B's pupils.
    pub other_pupils: Vec<PupilKey>,
    /// 5A's teacher (`teacher`).
    pub teacher: UserId,
    /// 5B's teacher (`teacher2`).
    pub other_teacher: UserId,
    /// The attendance officer (`officer`).
    pub officer: UserId,
    /// The headteacher (`head`).
    pub head: UserId,
    /// Another school.
    pub other_school: SchoolId,
    /// A pupil of the other school.
    pub stranger: PupilKey,
    /// The other school's attendance officer (`officer2`).
    pub stranger_officer: UserId,
}

/// A year 5 pupil of `group`, as the fixture stores them.
pub fn pupil(upn: &str, surname: &str, forename: &str, group: &str) -> Pupil {
    Pupil {
        upn: Upn::parse(upn).expect("the fixture's UPNs are valid"),
        legal_surname: surname.into(),
        legal_forename: forename.into(),
        preferred_forename: None,
        date_of_birth: date(2015, 5, 1),
        sex: Sex::Female,
        year_group: YearGroup::year(5).expect("year 5"),
        reg_group: group.into(),
        entry_date: None,
        leaving_date: None,
        fsm: false,
        eal: false,
        pupil_premium: false,
        sen: SenStatus::None,
        school: None,
    }
}

fn contact(name: &str, relationship: &str, priority: u16, phone: &str) -> Contact {
    Contact {
        name: name.into(),
        relationship: relationship.into(),
        parental_responsibility: priority == 1,
        lives_with_pupil: priority == 1,
        correspondence: priority == 1,
        salutation: None,
        priority,
        phones: vec![phone.into()],
        email: (priority == 1)
            .then(|| format!("{}@example.org", name.to_lowercase().replace(' ', "."))),
        address: None,
        preferred_language: None,
        court_order: None,
        opted_out: false,
    }
}

/// Stores the fixture; `password_hash` is the hash of [`PASSWORD`] to give every user.
pub async fn school(store: &dyn Store, password_hash: &str) -> Fixture {
    // Both schools are in one trust, as a trust's are.
    let trust = store.create_trust("Fixture Trust").await.expect("trust");
    let new_school = |name: &str, urn: &str, la_estab: &str| NewSchool {
        trust: Some(trust),
        name: name.into(),
        urn: rollcall_core::Urn::parse(urn).ok(),
        la_estab: rollcall_core::LaEstab::parse(la_estab).ok(),
        policy: POLICY.into(),
    };
    let school = store
        .create_school(&new_school("Fixture Primary", "100001", "801/2001"))
        .await
        .expect("school");
    let other_school = store
        .create_school(&new_school("Elsewhere Academy", "100002", "801/2002"))
        .await
        .expect("school");
    let user = |username: &str, name: &str, position: &str| NewUser {
        username: username.into(),
        name: name.into(),
        position: position.into(),
        password_hash: Some(password_hash.into()),
    };
    let teacher = store
        .create_user(&user("teacher", "Tom Teach", "Class teacher, 5A"))
        .await
        .expect("user");
    let other_teacher = store
        .create_user(&user("teacher2", "Tara Tutor", "Class teacher, 5B"))
        .await
        .expect("user");
    let officer = store
        .create_user(&user("officer", "Lisa Craven", "Attendance officer"))
        .await
        .expect("user");
    let head = store
        .create_user(&user("head", "June Turner", "Headteacher"))
        .await
        .expect("user");
    let stranger_officer = store
        .create_user(&user("officer2", "Owen Other", "Attendance officer"))
        .await
        .expect("user");
    for (who, role) in [
        (teacher, Role::Teacher),
        (other_teacher, Role::Teacher),
        (officer, Role::AttendanceOfficer),
        (head, Role::SeniorLeader),
    ] {
        store.grant_role(who, school, role).await.expect("role");
    }
    store
        .grant_role(stranger_officer, other_school, Role::AttendanceOfficer)
        .await
        .expect("role");
    let a = [
        ("B801200005001", "Able", "Amy"),
        ("Q801200005002", "Baker", "Ben"),
        ("E801200005003", "Cole", "Cara"),
    ];
    let b = [
        ("U801200005004", "Dale", "Dan"),
        ("H801200005005", "Evans", "Eve"),
    ];
    let mut pupils = Vec::new();
    for (upn, surname, forename) in a {
        let key = store
            .add_pupil(school, &pupil(upn, surname, forename, "5A"))
            .await
            .expect("pupil");
        let mut parent = contact(
            &format!("Parent of {forename}"),
            "Mother",
            1,
            "07700 900001",
        );
        // Ben's letters greet both his parents.
        if forename == "Ben" {
            parent.salutation = Some(format!("Mr and Mrs {surname}"));
        }
        store.add_contact(key, &parent).await.expect("contact");
        store
            .add_contact(
                key,
                &contact("A Neighbour", "Emergency contact", 2, "07700 900002"),
            )
            .await
            .expect("contact");
        pupils.push(key);
    }
    let mut other_pupils = Vec::new();
    for (upn, surname, forename) in b {
        let key = store
            .add_pupil(school, &pupil(upn, surname, forename, "5B"))
            .await
            .expect("pupil");
        other_pupils.push(key);
    }
    let stranger = store
        .add_pupil(
            other_school,
            &pupil("B801200005001", "Stranger", "Sam", "6X"),
        )
        .await
        .expect("pupil");
    let groups = store.groups(school).await.expect("groups");
    let group_id = |name: &str| {
        groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.id)
            .expect("the group exists")
    };
    let (group, other_group) = (group_id("5A"), group_id("5B"));
    store.assign_staff(group, teacher).await.expect("staff");
    store
        .assign_staff(other_group, other_teacher)
        .await
        .expect("staff");
    Fixture {
        school,
        group,
        other_group,
        pupils,
        other_pupils,
        teacher,
        other_teacher,
        officer,
        head,
        other_school,
        stranger,
        stranger_officer,
    }
}
