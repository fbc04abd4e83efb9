//! Common transfer files from and into the store: what a school sends is read from its register,
//! contacts and the years earlier schools sent; what it receives goes in as one import, all or
//! nothing. The file format is `rollcall-transfer`'s.

use jiff::Timestamp;
use jiff::civil::DateTime;
use rollcall_core::{Calendar, Contact, LaEstab, RegisterBuilder, Roll};
use rollcall_transfer::marks::school_years;
use rollcall_transfer::{Ctf, Header, Placing, SourceSchool, incoming, outgoing, received_years};

use crate::{Actor, ImportDetails, ImportSummary, PupilKey, Result, SchoolId, Store, StoreError};

/// The sending school's LA and establishment number: a CTF cannot be sent or checked without it.
async fn la_estab(store: &dyn Store, school: SchoolId) -> Result<(LaEstab, String)> {
    let record = store.school(school).await?;
    let la_estab = record.la_estab.ok_or_else(|| {
        StoreError::Invalid(
            "the school has no LA/establishment number (the policy's [school] la_estab), \
             which a common transfer file carries"
                .into(),
        )
    })?;
    Ok((la_estab, record.name))
}

/// A CTF of some of a school's pupils, made at `made` (the school's local time), for the next
/// school when it is known.
pub async fn export(
    store: &dyn Store,
    school: SchoolId,
    pupils: &[PupilKey],
    calendar: &Calendar,
    destination: Option<LaEstab>,
    made: DateTime,
) -> Result<Ctf> {
    let (from, name) = la_estab(store, school).await?;
    let register = store.load_register(school).await?;
    let mut sent = Vec::with_capacity(pupils.len());
    for &key in pupils {
        let record = store.pupil(key).await?;
        if record.school != school {
            return Err(StoreError::NotFound("pupil"));
        }
        let id = register
            .find(&record.pupil.upn)
            .ok_or(StoreError::NotFound("pupil"))?;
        let contacts: Vec<Contact> = store
            .contacts(key)
            .await?
            .into_iter()
            .map(|c| c.contact)
            .collect();
        let received = store.attendance_history(key).await?;
        let own = school_years(&register, id, calendar, from, &name);
        sent.push(outgoing(&record.pupil, contacts, &received, own));
    }
    Ok(Ctf {
        header: Header {
            version: rollcall_transfer::VERSION.to_owned(),
            made,
            full: true,
            supplier: "rollcall".to_owned(),
            source: SourceSchool {
                la_estab: from,
                name,
                year: rollcall_core::AcademicYear::of(made.date()),
            },
            destination,
        },
        pupils: sent,
    })
}

/// Takes in a CTF: each pupil is added (or, known by UPN, updated) in the placing's class from
/// its starting day, with their contacts and their years at other schools, in one transaction.
/// A file addressed to another school is refused. A contact already held under the same name
/// keeps what a CTF does not carry (whom the pupil lives with, letters, language, court orders).
pub async fn import(
    store: &dyn Store,
    school: SchoolId,
    ctf: &Ctf,
    placing: &Placing,
    actor: &Actor,
    at: Timestamp,
    local: DateTime,
) -> Result<ImportSummary> {
    let (here, _) = la_estab(store, school).await?;
    if let Some(to) = ctf.header.destination.filter(|&to| to != here) {
        return Err(StoreError::Invalid(format!(
            "this file is for school {to}; this school is {here}"
        )));
    }
    let known = store.pupils(school).await?;
    let mut pupils = Vec::with_capacity(ctf.pupils.len());
    let mut details = ImportDetails {
        at: local,
        ..ImportDetails::default()
    };
    for received in &ctf.pupils {
        let held = known.iter().find(|k| k.pupil.upn == received.upn);
        pupils.push(incoming(received, held.map(|k| &k.pupil), placing));
        let held_contacts = match held {
            Some(k) => store.contacts(k.key).await?,
            None => Vec::new(),
        };
        for contact in &received.contacts {
            let mut contact = contact.clone();
            if let Some(same) = held_contacts
                .iter()
                .find(|h| h.contact.name == contact.name)
            {
                let kept = &same.contact;
                contact.lives_with_pupil = kept.lives_with_pupil;
                contact.correspondence = kept.correspondence;
                contact.salutation.clone_from(&kept.salutation);
                contact
                    .preferred_language
                    .clone_from(&kept.preferred_language);
                contact.court_order.clone_from(&kept.court_order);
                contact.opted_out = kept.opted_out;
            }
            details.contacts.push((received.upn, contact));
        }
        details.history.extend(
            received_years(received, Some(here))
                .into_iter()
                .map(|y| (received.upn, y)),
        );
    }
    let roll = Roll::new(pupils).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let register = RegisterBuilder::new(&roll).finish(roll);
    store
        .import(&school.into(), &register, &details, actor, at, &|_| {})
        .await
}
