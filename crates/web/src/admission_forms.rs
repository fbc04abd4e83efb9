//! The admission register's forms read into the core's types, every field checked and each
//! problem named beside its field. The API's bodies are read by the same rules, as fields of
//! the same names.

use rollcall_core::admission::deletion::{Deletion, Ground};
use rollcall_core::admission::{Entry, FutureAddress, NextSchool, Registration};
use rollcall_core::{Pupil, SenStatus, Sex, TextKind, Upn, YearGroup, check_text};
use rollcall_store::Contact;

use crate::error::AppError;
use crate::pages::form::{Draft, FormData};

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

/// A name part: required, and within the limits of a name.
fn name(f: &FormData, field: &str, label: &str) -> Result<String, AppError> {
    let text = f.required(field, label)?;
    check_text(&text, TextKind::Name).map_err(|e| bad(format!("{label} {e}")))?;
    Ok(text)
}

fn optional(f: &FormData, field: &str) -> Option<String> {
    Some(f.get(field).to_owned()).filter(|t| !t.is_empty())
}

fn ticked(f: &FormData, field: &str) -> bool {
    f.get(field) == "yes"
}

/// An entry with nothing in it yet, for a pupil admitted now or one whose entry was never
/// completed here.
pub(crate) fn blank_entry() -> Entry {
    Entry {
        address: String::new(),
        last_school: String::new(),
        boarder: false,
        registration: Registration::Single,
        other_school: None,
        future_address: None,
        next_school: None,
    }
}

/// The pupil of the admission form: names, sex, date of birth, year and class, starting day.
pub(crate) fn pupil(f: &FormData, d: &mut Draft) -> Option<Pupil> {
    let upn = d.check(
        "upn",
        Upn::parse(f.get("upn")).map_err(|e| bad(format!("The UPN {e}"))),
    );
    let surname = d.check(
        "legal_surname",
        name(f, "legal_surname", "The legal surname"),
    );
    let forename = d.check(
        "legal_forename",
        name(f, "legal_forename", "The legal forename"),
    );
    let preferred = optional(f, "preferred_forename");
    if let Some(p) = &preferred {
        d.check(
            "preferred_forename",
            check_text(p, TextKind::Name).map_err(|e| bad(format!("The preferred forename {e}"))),
        );
    }
    let born = d.check(
        "date_of_birth",
        f.date("date_of_birth", "The date of birth"),
    );
    let sex = d.check(
        "sex",
        Sex::parse(f.get("sex")).map_err(|_| bad("Choose the pupil's sex")),
    );
    let year = d.check(
        "year_group",
        YearGroup::parse(f.get("year_group")).map_err(|e| bad(e.to_string())),
    );
    let group = d.check("reg_group", f.required("reg_group", "The class"));
    let starts = d.check("entry_date", f.date("entry_date", "The starting day"));
    let sen = d.check(
        "sen",
        SenStatus::parse(f.get("sen")).map_err(|e| bad(e.to_string())),
    );
    Some(Pupil {
        upn: upn?,
        legal_surname: surname?,
        legal_forename: forename?,
        preferred_forename: preferred,
        date_of_birth: born?,
        sex: sex?,
        year_group: year?,
        reg_group: group?,
        entry_date: Some(starts?),
        leaving_date: None,
        fsm: ticked(f, "fsm"),
        eal: ticked(f, "eal"),
        pupil_premium: ticked(f, "pupil_premium"),
        sen: sen?,
        school: None,
    })
}

/// The entry's own fields (address, last school, boarding, registration), over `base`.
pub(crate) fn entry(f: &FormData, d: &mut Draft, base: Entry) -> Option<Entry> {
    let registration = d.check(
        "registration",
        Registration::parse(f.get("registration"))
            .ok_or_else(|| bad("Choose how the pupil is registered")),
    );
    Some(Entry {
        address: f.get("address").to_owned(),
        last_school: f.get("last_school").to_owned(),
        boarder: ticked(f, "boarder"),
        registration: registration?,
        other_school: optional(f, "other_school"),
        ..base
    })
}

/// A parent's notice of a new address or school (regulation 8(3)), over `base`.
pub(crate) fn notified(f: &FormData, d: &mut Draft, base: Entry) -> Option<Entry> {
    let future_from = d.check(
        "future_from",
        f.optional_date("future_from", "The date of the move"),
    );
    let next_from = d.check(
        "next_school_from",
        f.optional_date("next_school_from", "The first day at the new school"),
    );
    let future_address = match (optional(f, "future_parent"), optional(f, "future_address")) {
        (None, None) => base.future_address.clone(),
        (parent, address) => Some(FutureAddress {
            parent: parent.unwrap_or_default(),
            address: address.unwrap_or_default(),
            from: future_from?,
        }),
    };
    let next_school = match optional(f, "next_school") {
        None if f.get("next_school_address").is_empty() => base.next_school.clone(),
        name => Some(NextSchool {
            name: name.unwrap_or_default(),
            address: f.get("next_school_address").to_owned(),
            from: next_from?,
        }),
    };
    if future_address == base.future_address && next_school == base.next_school {
        d.refuse(
            "future_parent",
            "Enter the new address or the new school the parent has told you of",
        );
        return None;
    }
    Some(Entry {
        future_address,
        next_school,
        ..base
    })
}

/// The parents entered on the admission form: the first, and a second if named.
pub(crate) fn parents(f: &FormData, d: &mut Draft, address: &str) -> Option<Vec<Contact>> {
    let mut contacts = Vec::new();
    for (n, prefix) in [(1u16, "parent"), (2, "parent2")] {
        let field = |part: &str| format!("{prefix}_{part}");
        let named = f.get(&field("name"));
        if named.is_empty() && n > 1 {
            continue;
        }
        let label = if n == 1 {
            "The parent's name"
        } else {
            "The second parent's name"
        };
        let name_field = if n == 1 {
            "parent_name"
        } else {
            "parent2_name"
        };
        let name = d.check(name_field, name(f, name_field, label))?;
        let lives_with = ticked(f, &field("lives_with"));
        contacts.push(Contact {
            name,
            relationship: f.get(&field("relationship")).to_owned(),
            parental_responsibility: ticked(f, &field("responsibility")),
            lives_with_pupil: lives_with,
            correspondence: n == 1,
            salutation: None,
            priority: n,
            phones: optional(f, &field("phone")).into_iter().collect(),
            email: optional(f, &field("email")),
            address: lives_with.then(|| address.to_owned()),
            preferred_language: None,
            court_order: None,
            opted_out: false,
        });
    }
    Some(contacts)
}

/// A deletion as the form records it.
pub(crate) fn deletion(f: &FormData, d: &mut Draft) -> Option<Deletion> {
    let ground = d.check(
        "ground",
        Ground::parse(f.get("ground")).ok_or_else(|| bad("Choose the ground for deletion")),
    );
    let leaving = d.check(
        "leaving_date",
        f.date("leaving_date", "The last day on roll"),
    );
    let evidence = d.check(
        "evidence_date",
        f.optional_date("evidence_date", "The date"),
    );
    Some(Deletion {
        ground: ground?,
        leaving_date: leaving?,
        other_school: optional(f, "other_school"),
        evidence_date: evidence?,
        enquiries: optional(f, "enquiries"),
        confirmed: ticked(f, "confirmed"),
        note: f.get("note").to_owned(),
    })
}

/// A contact as the office keeps it: every detail the store holds, each checked.
pub(crate) fn contact(f: &FormData, d: &mut Draft) -> Option<Contact> {
    let name = d.check("name", name(f, "name", "The contact's name"));
    let line = |d: &mut Draft, field: &'static str, label: &str| {
        let text = f.get(field);
        d.check(
            field,
            check_text(text, TextKind::Line).map_err(|e| bad(format!("{label} {e}"))),
        );
        optional(f, field)
    };
    let relationship = line(d, "relationship", "The relationship").unwrap_or_default();
    let salutation = line(d, "salutation", "The greeting");
    let language = line(d, "preferred_language", "The language");
    let court_order = line(d, "court_order", "The court order");
    let priority = d.check(
        "priority",
        match f.get("priority") {
            "" => Ok(1),
            _ => f
                .number::<u16>("priority", "The order to call them in")
                .and_then(|p| match p {
                    1..=99 => Ok(p),
                    _ => Err(bad("The order to call them in is 1 to 99")),
                }),
        },
    );
    let phones = f.lines("phones");
    for phone in &phones {
        d.check(
            "phones",
            check_text(phone, TextKind::Line).map_err(|e| bad(format!("A telephone number {e}"))),
        );
    }
    let email = optional(f, "email");
    if let Some(e) = &email
        && rollcall_messages::email_address(e).is_none()
    {
        d.refuse("email", format!("{e:?} is not an email address"));
    }
    let address = optional(f, "address");
    if let Some(a) = &address {
        d.check(
            "address",
            check_text(a, TextKind::Note).map_err(|e| bad(format!("The address {e}"))),
        );
    }
    if d.is_refused() {
        return None;
    }
    Some(Contact {
        name: name?,
        relationship,
        parental_responsibility: ticked(f, "parental_responsibility"),
        lives_with_pupil: ticked(f, "lives_with_pupil"),
        correspondence: ticked(f, "correspondence"),
        salutation,
        priority: priority?,
        phones,
        email,
        address,
        preferred_language: language,
        court_order,
        opted_out: ticked(f, "opted_out"),
    })
}

/// A contact as the form's fields, to show it for editing.
pub(crate) fn contact_values(c: &Contact) -> Vec<(String, String)> {
    let mut values = vec![
        ("name".to_owned(), c.name.clone()),
        ("relationship".to_owned(), c.relationship.clone()),
        (
            "salutation".to_owned(),
            c.salutation.clone().unwrap_or_default(),
        ),
        ("priority".to_owned(), c.priority.to_string()),
        ("phones".to_owned(), c.phones.join("\n")),
        ("email".to_owned(), c.email.clone().unwrap_or_default()),
        ("address".to_owned(), c.address.clone().unwrap_or_default()),
        (
            "preferred_language".to_owned(),
            c.preferred_language.clone().unwrap_or_default(),
        ),
        (
            "court_order".to_owned(),
            c.court_order.clone().unwrap_or_default(),
        ),
    ];
    for (field, on) in [
        ("parental_responsibility", c.parental_responsibility),
        ("lives_with_pupil", c.lives_with_pupil),
        ("correspondence", c.correspondence),
        ("opted_out", c.opted_out),
    ] {
        if on {
            values.push((field.to_owned(), "yes".to_owned()));
        }
    }
    values
}
