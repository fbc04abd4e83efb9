//! The demo school's admission register: a pupil admitted this week whose new-pupil return is
//! due, and a leaver whose parent gave a leaving form, deleted yesterday with a deletion return
//! due (the demo year's illness and absence make sickness returns and CME referrals due on their
//! own); and the returns of earlier weeks made, as a school keeping up would have.

use jiff::civil::{Date, DateTime};
use rollcall_core::admission::deletion::{Deletion, Ground};
use rollcall_core::admission::{Entry, NextSchool, Registration, of_compulsory_age};
use rollcall_core::{Calendar, Contact, Pupil, SenStatus, Sex, Upn, YearGroup};
use rollcall_core::{CaseEntry, EntryKind};
use rollcall_store::{
    Actor, EntryChange, NewAdmission, NewCaseEntry, NewReturn, PupilKey, ReturnBook, SchoolId,
    Sent, Store, delete,
};

/// The school day `n` school days before `today`, or `today` when there is none.
fn school_days_before(calendar: &Calendar, today: Date, n: u32) -> Date {
    let mut day = today;
    let mut left = n;
    while left > 0 {
        match day.yesterday() {
            Ok(d) if calendar.span().is_some_and(|s| s.first <= d) => day = d,
            _ => return today,
        }
        if calendar.is_school_day(day) {
            left -= 1;
        }
    }
    day
}

/// Admits a pupil who started two school days ago, and deletes one who moved away yesterday.
pub async fn admit_and_delete(
    store: &dyn Store,
    school: SchoolId,
    keys: &[PupilKey],
    calendar: &Calendar,
    today: Date,
    office: &Actor,
    head: &Actor,
) -> anyhow::Result<()> {
    let started = school_days_before(calendar, today, 2);
    let recorded = |day: Date| -> DateTime { day.at(8, 30, 0, 0) };
    let upn = Upn::issue("999200500001").ok_or_else(|| anyhow::anyhow!("the demo's UPN"))?;
    let pupil = Pupil {
        upn,
        legal_surname: "Okafor".into(),
        legal_forename: "Tobi".into(),
        preferred_forename: None,
        date_of_birth: Date::new(today.year() - 8, 2, 14)?,
        sex: Sex::Male,
        year_group: YearGroup::year(3).ok_or_else(|| anyhow::anyhow!("year 3"))?,
        reg_group: "3A".into(),
        entry_date: Some(started),
        leaving_date: None,
        fsm: false,
        eal: true,
        pupil_premium: false,
        sen: SenStatus::None,
        school: None,
    };
    let address = "12 Station Road, Harlington".to_owned();
    store
        .admit(&NewAdmission {
            school,
            pupil,
            entry: Entry {
                address: address.clone(),
                last_school: "St Mary's Primary, Luton".into(),
                boarder: false,
                registration: Registration::Single,
                other_school: None,
                future_address: None,
                next_school: None,
            },
            contacts: vec![Contact {
                name: "Ada Okafor".into(),
                relationship: "Mother".into(),
                parental_responsibility: true,
                lives_with_pupil: true,
                correspondence: true,
                salutation: Some("Mrs Okafor".into()),
                priority: 1,
                phones: vec!["07700 900555".into()],
                email: Some("ada.okafor@example.org".into()),
                address: Some(address),
                preferred_language: Some("Yoruba".into()),
                court_order: None,
                opted_out: false,
            }],
            actor: office.clone(),
            at: recorded(school_days_before(calendar, today, 3)),
        })
        .await?;

    // A pupil of compulsory school age moves away: the leaving form, then the deletion.
    let yesterday = school_days_before(calendar, today, 1);
    if yesterday == today {
        return Ok(());
    }
    let mut leaver = None;
    for &key in keys.iter().rev() {
        let record = store.pupil(key).await?;
        if of_compulsory_age(&record.pupil, yesterday) && record.pupil.on_roll(yesterday) {
            leaver = Some(key);
            break;
        }
    }
    let Some(leaver) = leaver else {
        return Ok(());
    };
    let entry = Entry {
        address: "3 Mill Lane, Ampthill".into(),
        last_school: String::new(),
        boarder: false,
        registration: Registration::Single,
        other_school: None,
        future_address: None,
        next_school: Some(NextSchool {
            name: "Ampthill Park School".into(),
            address: "Ampthill, Bedfordshire".into(),
            from: today.tomorrow().ok(),
        }),
    };
    let form_day = school_days_before(calendar, today, 4);
    store
        .change_entry(
            leaver,
            &entry,
            EntryChange::Notified,
            office,
            recorded(form_day),
        )
        .await?;
    let deletion = Deletion {
        ground: Ground::OtherSchool,
        leaving_date: yesterday,
        other_school: Some("Ampthill Park School".into()),
        evidence_date: today.tomorrow().ok(),
        enquiries: None,
        confirmed: true,
        note: "Moved to Ampthill; the parent's leaving form is on file".into(),
    };
    delete(store, leaver, &deletion, calendar, head, recorded(today)).await?;
    Ok(())
}

/// The returns that fell due more than a week ago, recorded as made through the local
/// authority's portal, as a school that has kept up would have: what is due is this week's.
pub async fn returns_kept_up(
    store: &dyn Store,
    school: SchoolId,
    policy: &rollcall_core::Policy,
    today: Date,
    office: &Actor,
) -> anyhow::Result<()> {
    let book = ReturnBook::load(store, school).await?;
    let settings = &policy.procedures.statutory.returns;
    let view = book.school(&policy.calendar, settings);
    let week_ago = today.checked_sub(jiff::ToSpan::days(7))?;
    for due in book
        .due(&view, today)
        .into_iter()
        .filter(|d| d.due < week_ago)
    {
        let table = rollcall_returns::content::content(&view, &due);
        let at = due.due.at(15, 30, 0, 0);
        let mut entries = Vec::new();
        for upn in &due.pupils {
            let pupil = book.pupil(upn)?.key;
            let entry = CaseEntry {
                at,
                kind: EntryKind::Notification,
                item: None,
                with: "Local authority".into(),
                note: format!(
                    "{}: sent another way (the local authority's portal)",
                    table.title
                ),
                by: String::new(),
            };
            entries.push((
                None,
                NewCaseEntry {
                    pupil,
                    entry,
                    actor: office.clone(),
                    recorded_at: jiff::Timestamp::now(),
                },
            ));
        }
        store
            .record_return(&NewReturn {
                school,
                key: due.key,
                due: due.due,
                sent: Sent::ByHand,
                to: "the local authority's portal".into(),
                content: rollcall_returns::content::to_csv(&table)?,
                entries,
                by: office.signature(),
                at,
                recorded_at: jiff::Timestamp::now(),
            })
            .await?;
    }
    Ok(())
}
