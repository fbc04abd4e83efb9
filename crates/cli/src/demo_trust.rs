//! The demo's trust: the demo school and two more of one trust, every school with last year's
//! marks as well as this year's (so that every comparison with last year is filled in), the
//! trust's targets, and a trust director, a local-authority officer and a governor to sign in
//! as.

use anyhow::Context;
use jiff::Timestamp;
use jiff::civil::Date;
use rollcall_analytics::Targets;
use rollcall_core::{
    AcademicYear, LaEstab, Policy, Pupil, Register, RegisterBuilder, Role, Roll, Upn, Urn,
};
use rollcall_demo::{DemoConfig, copy_marks, generate, with_last_year};
use rollcall_store::{Actor, NewSchool, NewUser, SchoolId, Store, TrustId};

/// The other schools of the demo trust: name, seed, pupils, establishment number and URN.
const OTHER_SCHOOLS: [(&str, u64, u32, u16, &str); 2] = [
    ("Rollcall Demo Infant School", 2, 180, 2001, "199998"),
    ("Rollcall Demo Junior School", 3, 240, 2002, "199997"),
];

/// The trust's policy, whose procedures every demo school follows.
const TRUST_POLICY: &str = include_str!("../../../policies/001-learning-academy-partnership.toml");

/// A demo school's policy: its own details, times and calendar, with the trust's procedures;
/// as text to store, and as read back.
pub(crate) fn demo_policy_text(policy: &Policy) -> anyhow::Result<(String, Policy)> {
    let procedures = TRUST_POLICY
        .find("\n[procedures")
        .and_then(|at| TRUST_POLICY.get(at..))
        .context("the trust's policy has no procedures")?;
    // The head is emailed the week's figures each Friday (they wait in the outbox until mail
    // is set up).
    let domain: String = policy
        .school
        .name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    let policy = Policy {
        weekly_summary: Some(rollcall_core::WeeklySummary {
            to: vec![format!("head@{domain}.example")],
            day: jiff::civil::Weekday::Friday,
        }),
        ..policy.clone()
    };
    let text = format!("{}{procedures}", rollcall_files::policy_to_toml(&policy));
    let parsed = rollcall_files::parse_policy(std::path::Path::new("the demo policy"), &text)?;
    Ok((text, parsed))
}

/// A pupil's UPN issued by another school of the same authority: the establishment's four
/// digits changed, and the check letter with them.
fn upn_at(upn: &Upn, estab: u16) -> Option<Upn> {
    let rest = upn.as_str().get(1..)?;
    let (la, tail) = (rest.get(..3)?, rest.get(7..)?);
    Upn::issue(&format!("{la}{estab:04}{tail}"))
}

/// The register with every pupil's UPN moved to another school's.
fn moved_to(register: &Register, estab: u16) -> anyhow::Result<Register> {
    let pupils: Vec<Pupil> = register
        .pupils()
        .iter()
        .map(|p| {
            let upn = upn_at(&p.upn, estab).unwrap_or(p.upn);
            Pupil { upn, ..p.clone() }
        })
        .collect();
    let roll = Roll::new(pupils)?;
    let mut builder = RegisterBuilder::new(&roll);
    for id in register.ids() {
        copy_marks(&mut builder, register, id)?;
    }
    Ok(builder.finish(roll))
}

/// The trust's other schools, each with both years' marks up to today.
pub(crate) async fn other_schools(
    store: &dyn Store,
    trust: TrustId,
    today: Date,
    office: &Actor,
) -> anyhow::Result<Vec<SchoolId>> {
    let mut schools = Vec::new();
    for (name, seed, pupils, estab, urn) in OTHER_SCHOOLS {
        let config = DemoConfig {
            pupils,
            seed,
            year: AcademicYear::of(today),
            through: Some(today),
        };
        let mut school = with_last_year(generate(&config)?, &config)?;
        school.policy.school.name = name.to_owned();
        school.policy.school.urn = Urn::parse(urn).ok();
        school.policy.school.la_estab = LaEstab::parse(&format!("801{estab:04}")).ok();
        let register = moved_to(&school.register, estab)?;
        let id = store
            .create_school(&NewSchool {
                trust: Some(trust),
                name: name.to_owned(),
                urn: school.policy.school.urn,
                la_estab: school.policy.school.la_estab,
                policy: demo_policy_text(&school.policy)?.0,
            })
            .await?;
        store
            .import(
                &id.into(),
                &register,
                &rollcall_store::ImportDetails::default(),
                office,
                Timestamp::now(),
                &|_| {},
            )
            .await?;
        schools.push(id);
    }
    Ok(schools)
}

/// The trust's people: its director (who sets its targets), the local authority's officer, and
/// the demo school's governor for attendance.
pub(crate) async fn trust_people(
    store: &dyn Store,
    trust: TrustId,
    demo_school: SchoolId,
    schools: &[SchoolId],
    hash: &str,
    now: jiff::civil::DateTime,
) -> anyhow::Result<()> {
    let people = [
        (
            "director",
            "Priya Shah",
            "Director of attendance and inclusion",
            Role::TrustDirector,
        ),
        (
            "la",
            "Sam Okafor",
            "Local authority attendance officer",
            Role::LocalAuthorityOfficer,
        ),
        (
            "governor",
            "Pat Gradys",
            "Governor for attendance",
            Role::Governor,
        ),
    ];
    for (username, name, position, role) in people {
        let user = store
            .create_user(&NewUser {
                username: username.into(),
                name: name.into(),
                position: position.into(),
                password_hash: Some(hash.to_owned()),
            })
            .await?;
        let at: Vec<SchoolId> = match role {
            Role::Governor => vec![demo_school],
            _ => schools.to_vec(),
        };
        for school in at {
            store.grant_role(user, school, role).await?;
        }
    }
    let director = Actor {
        user: None,
        name: "Priya Shah".into(),
        position: "Director of attendance and inclusion".into(),
    };
    let targets = Targets {
        attendance: 9_600,
        persistent: 1_500,
        amber: 100,
    };
    store
        .set_trust_targets(trust, &targets, &director, now)
        .await?;
    Ok(())
}
