//! Messages to parents: built from the school's templates, held back when they must not go (a
//! court order, an opt-out, no valid number or address), queued with a chronology entry, and
//! delivered with retries by [`deliver_due`].

use jiff::SignedDuration;
use jiff::civil::DateTime;
use rollcall_core::{CaseEntry, EntryKind, Permission};
use rollcall_letters::{LetterKind, Letters, SAVED_PREFIX};
use rollcall_messages::{
    Fields, Kind, SendError, Templates, email_address, retry_after, uk_mobile,
};
use rollcall_store::{
    Actor, Channel, ContactRecord, Delivery, NewCaseEntry, NewMessage, PupilRecord, SchoolId,
    SchoolRecord, TemplateRecord,
};

use crate::AppState;
use crate::access::Access;
use crate::error::AppError;

/// How many messages one delivery round takes.
const BATCH: u32 = 50;
/// How long a message taken for sending is kept from other processes.
const LEASE: SignedDuration = SignedDuration::from_mins(5);

/// A school's wording of its messages.
pub(crate) async fn templates(state: &AppState, school: SchoolId) -> Result<Templates, AppError> {
    Ok(Templates::new(saved_wordings(state, school).await?))
}

/// The wordings a school has saved: name, subject and body.
pub(crate) async fn saved_wordings(
    state: &AppState,
    school: SchoolId,
) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(state
        .store
        .templates(school)
        .await?
        .into_iter()
        .map(|t| (t.name, t.subject, t.body))
        .collect())
}

/// The fields every message about a pupil has.
pub(crate) fn pupil_fields(
    school: &SchoolRecord,
    phone: Option<&str>,
    pupil: &PupilRecord,
) -> Fields {
    Fields::from([
        ("school_name", school.name.clone()),
        (
            "school_phone",
            phone.unwrap_or("the school office").to_owned(),
        ),
        ("preferred_name", pupil.pupil.known_as().to_owned()),
        ("legal_name", pupil.pupil.name()),
    ])
}

/// A message to a contact, rendered; held back, with the reason kept, when it must not go.
pub(crate) fn message_to(
    contact: &ContactRecord,
    channel: Channel,
    kind: Kind,
    templates: &Templates,
    fields: &Fields,
) -> Result<NewMessage, AppError> {
    let (subject, body) = templates
        .render(kind, fields)
        .map_err(|e| AppError::Internal(format!("the school's {:?} message: {e}", kind.title())))?;
    let (recipient, withheld) = address(contact, channel);
    Ok(NewMessage {
        pupil: Some(contact.pupil),
        contact: Some(contact.id),
        channel,
        recipient,
        subject: (channel == Channel::Email).then_some(subject),
        body,
        withheld,
    })
}

/// Where a message to a contact goes on a channel, and why it must not go, when it must not:
/// a court order, the contact opted out, or no valid number or address.
pub(crate) fn address(contact: &ContactRecord, channel: Channel) -> (String, Option<String>) {
    let c = &contact.contact;
    let (recipient, unreachable) = match channel {
        Channel::Sms => {
            let written = c.phones.first().cloned().unwrap_or_default();
            match c.phones.iter().find_map(|p| uk_mobile(p)) {
                Some(mobile) => (mobile, None),
                None => (written, Some("no valid mobile number")),
            }
        }
        Channel::Email => {
            let written = c.email.clone().unwrap_or_default();
            match email_address(&written) {
                Some(address) => (address, None),
                None => (written, Some("no valid email address")),
            }
        }
    };
    let withheld = if c.court_order.is_some() {
        Some("a court order restricts contact".to_owned())
    } else if c.opted_out {
        Some("the contact has opted out of messages".to_owned())
    } else {
        unreachable.map(str::to_owned)
    };
    (recipient, withheld)
}

/// The chronology entry that records a message queued.
pub(crate) fn entry_for(
    message: &NewMessage,
    contact: &ContactRecord,
    at: DateTime,
    actor: &Actor,
    recorded_at: jiff::Timestamp,
) -> NewCaseEntry {
    let kind = match message.channel {
        Channel::Sms => EntryKind::Text,
        Channel::Email => EntryKind::Email,
    };
    let note = match &message.withheld {
        Some(why) => format!("Not sent ({why}): \"{}\"", message.body),
        None => format!(
            "Queued: \"{}\"",
            message.subject.as_deref().unwrap_or(&message.body)
        ),
    };
    NewCaseEntry {
        pupil: contact.pupil,
        entry: CaseEntry {
            at,
            kind,
            item: None,
            with: contact.contact.name.clone(),
            note,
            by: String::new(),
        },
        actor: actor.clone(),
        recorded_at,
    }
}

/// Sends what is due in the outbox through the transports set up; returns how many were tried.
/// A message whose way out is not set up waits.
pub async fn deliver_due(state: &AppState) -> Result<usize, AppError> {
    let transports = &state.transports;
    let channels: Vec<Channel> = [
        (Channel::Email, transports.email.is_some()),
        (Channel::Sms, transports.sms.is_some()),
    ]
    .into_iter()
    .filter_map(|(c, set)| set.then_some(c))
    .collect();
    if channels.is_empty() {
        return Ok(0);
    }
    let now = state.clock.now();
    let until = now.checked_add(LEASE).unwrap_or(now);
    let claimed = state
        .store
        .claim_messages(now, until, BATCH, &channels)
        .await?;
    for (_, message) in &claimed {
        let m = &message.message;
        let transport = match m.channel {
            Channel::Email => transports.email.as_ref(),
            Channel::Sms => transports.sms.as_ref(),
        };
        let Some(transport) = transport else { continue };
        let outcome = transport
            .send(&m.recipient, m.subject.as_deref(), &m.body)
            .await;
        let delivery = match outcome {
            Ok(reference) => Delivery::Sent {
                at: state.clock.now(),
                reference,
            },
            Err(SendError::Transient(error)) => match retry_after(message.attempts) {
                Some(wait) => Delivery::Retry {
                    error,
                    retry_at: now.checked_add(wait).unwrap_or(now),
                },
                None => Delivery::Failed { error },
            },
            Err(SendError::Permanent(error)) => Delivery::Failed { error },
        };
        if let Delivery::Failed { error } = &delivery {
            tracing::warn!(message = message.id, %error, "a message could not be delivered");
        }
        state.store.record_delivery(message.id, &delivery).await?;
    }
    Ok(claimed.len())
}

/// Saves the school's wording of a message or (named `letter.{id}`) a letter, once it renders
/// with that template's fields; what it was saved as.
pub(crate) async fn save_template(
    state: &AppState,
    access: &Access,
    name: &str,
    subject: &str,
    body: &str,
) -> Result<&'static str, AppError> {
    access.require(Permission::EditTemplates, "edit the school's messages")?;
    let (title, checked) = match name.strip_prefix(SAVED_PREFIX) {
        Some(id) => {
            let kind = LetterKind::parse(id).ok_or_else(|| {
                AppError::BadRequest(format!("{id:?} is not one of rollcall's letters"))
            })?;
            (kind.title(), Letters::check(subject, body))
        }
        None => {
            let kind = Kind::parse(name).map_err(|e| AppError::BadRequest(e.to_string()))?;
            (kind.title(), Templates::check(kind, subject, body))
        }
    };
    checked.map_err(|e| AppError::BadRequest(crate::view::sentence(&e.to_string())))?;
    state
        .store
        .set_template(
            access.school.id,
            &TemplateRecord {
                name: name.to_owned(),
                subject: subject.to_owned(),
                body: body.to_owned(),
                by: access.user.name.clone(),
                at: state.clock.now(),
            },
        )
        .await?;
    Ok(title)
}
