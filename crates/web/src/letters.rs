//! Letters to parents: merged from the school's wording with the pupil's figures, printed to
//! PDF, and kept (each one a chronology entry, and in the parent portal) so that the same PDF
//! can be printed again.

use jiff::civil::{Date, DateTime};
use rollcall_core::casefile::{CaseFileRecord, NoticeToImprove, Record};
use rollcall_core::casework::{EntryKind, ItemKey};
use rollcall_core::delivery::Delivery;
use rollcall_core::requests::RequestStatus;
use rollcall_core::text::human_date;
use rollcall_core::{AcademicYear, DateRange, Opened, Permission, Rate, Tally, undo};
use rollcall_letters::{Letter, LetterKind, Letters, PdfError, Table, letters_pdf};
use rollcall_messages::Fields;
use rollcall_store::{
    ContactRecord, LetterRecord, LetterSent, NewLetter, NewLetterSent, NewMessage, PupilRecord,
    SchoolId,
};

use crate::AppState;
use crate::access::Access;
use crate::error::AppError;
use crate::pages::YearSoFar;

/// The letter a worklist step asks for: the step's id names it (`stage.listen.letter_1`).
pub(crate) fn letter_for(item: &ItemKey) -> Option<LetterKind> {
    LetterKind::parse(item.rule.rsplit('.').next()?)
}

/// A school's wording of its letters.
pub(crate) async fn library(state: &AppState, school: SchoolId) -> Result<Letters, AppError> {
    Ok(Letters::new(
        crate::outbox::saved_wordings(state, school).await?,
    ))
}

/// What a member of staff adds to a letter: a meeting, a period.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    pub meeting_date: Option<Date>,
    pub meeting_time: Option<jiff::civil::Time>,
    pub period: String,
}

impl Extra {
    /// The fields staff give, each required when the letter's wording uses it.
    fn fields(
        &self,
        library: &Letters,
        kind: LetterKind,
    ) -> Result<Vec<(&'static str, String)>, AppError> {
        let used = library
            .fields_used(kind)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", kind.title())))?;
        let given = [
            (
                "meeting_date",
                "the meeting's date",
                self.meeting_date.map(day_words),
            ),
            (
                "meeting_time",
                "the meeting's time",
                self.meeting_time.map(|t| t.strftime("%H:%M").to_string()),
            ),
            (
                "period",
                "the period it covers",
                Some(self.period.trim().to_owned()).filter(|t| !t.is_empty()),
            ),
        ];
        given
            .into_iter()
            .filter(|(name, _, _)| used.contains(*name))
            .map(|(name, label, value)| {
                value.map(|v| (name, v)).ok_or_else(|| AppError::Invalid {
                    field: name,
                    message: format!("{} needs {label}.", kind.title()),
                })
            })
            .collect()
    }
}

/// The fields a letter takes from the pupil's records: the notice to improve it serves, or the
/// leave decision it tells. Refused when the record is not there yet, so that no letter goes
/// out with a blank where its substance should be.
async fn record_fields(
    state: &AppState,
    kind: LetterKind,
    pupil: &PupilRecord,
) -> Result<Vec<(&'static str, String)>, AppError> {
    match kind {
        LetterKind::NoticeToImprove => {
            let file = state.store.case_file(pupil.key).await?;
            let notice = latest_notice_to_improve(&file).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Record the notice to improve in {}'s case file first: the letter gives its improvement period and support",
                    pupil.pupil.name()
                ))
            })?;
            Ok(vec![
                ("improvement_weeks", notice.weeks.to_string()),
                ("improvement_ends", day_words(notice.ends())),
                ("support_given", notice.support_given.clone()),
                ("support_available", notice.support_available.clone()),
                (
                    "sufficient_improvement",
                    notice.sufficient_improvement.clone(),
                ),
            ])
        }
        LetterKind::LeaveDecision => {
            let requests = state.store.pupil_leave_requests(pupil.key).await?;
            let (request, answer) = requests
                .iter()
                .filter(|r| !r.status.is_open())
                .filter_map(|r| Some((r, r.answer.as_ref()?)))
                .max_by_key(|(_, a)| a.at)
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "{} has no decided request for leave to write about",
                        pupil.pupil.name()
                    ))
                })?;
            let decision = match request.granted {
                Some((first, last, _)) if request.status == RequestStatus::PartlyGranted => {
                    format!(
                        "granted from {} to {}, and refused for the other days",
                        day_words(first),
                        day_words(last)
                    )
                }
                _ => request.status.title().to_lowercase(),
            };
            Ok(vec![
                (
                    "dates",
                    format!(
                        "{} to {}",
                        day_words(request.request.first),
                        day_words(request.request.last)
                    ),
                ),
                ("decision", decision),
                ("response", answer.response.clone()),
            ])
        }
        _ => Ok(Vec::new()),
    }
}

/// The latest notice to improve in a case file.
fn latest_notice_to_improve(file: &[CaseFileRecord]) -> Option<&NoticeToImprove> {
    file.iter()
        .filter_map(|r| match &r.record {
            Record::NoticeToImprove(n) => Some(n),
            _ => None,
        })
        .max_by_key(|n| n.issued)
}

/// A pupil as a report's subtitle names them: registration group, year and UPN.
pub(crate) fn pupil_line(pupil: &rollcall_core::Pupil) -> String {
    format!(
        "{}, {}, UPN {}",
        pupil.reg_group, pupil.year_group, pupil.upn
    )
}

/// "Tuesday 1 December 2026".
pub(crate) fn day_words(date: Date) -> String {
    date.strftime("%A %-d %B %Y").to_string()
}

/// The learning-hours table over a whole school year of the school's own calendar.
fn learning_hours(access: &Access, rate: Option<Rate>, today: Date) -> Table {
    let year = AcademicYear::of(today);
    let days = u64::from(access.policy.calendar.school_days_in(DateRange {
        first: year.first_day(),
        last: year.last_day(),
    }));
    rollcall_letters::learning_hours(days, access.policy.learning_hours_per_day, rate)
}

/// The contacts letters go to: those flagged for correspondence, else the first with parental
/// responsibility; never one a court order keeps from the pupil's records.
pub(crate) fn recipients(contacts: &[ContactRecord]) -> Vec<&ContactRecord> {
    let open: Vec<&ContactRecord> = contacts
        .iter()
        .filter(|c| c.contact.court_order.is_none())
        .collect();
    let flagged: Vec<&ContactRecord> = open
        .iter()
        .copied()
        .filter(|c| c.contact.correspondence)
        .collect();
    if !flagged.is_empty() {
        return flagged;
    }
    open.into_iter()
        .filter(|c| c.contact.parental_responsibility)
        .min_by_key(|c| c.contact.priority)
        .into_iter()
        .collect()
}

/// An address as a label: its lines, split at commas or new lines.
fn label(name: &str, address: Option<&str>) -> Vec<String> {
    std::iter::once(name.to_owned())
        .chain(
            address
                .unwrap_or_default()
                .split([',', '\n'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        )
        .collect()
}

/// What a letter of one kind says about a pupil, read once for all their letters.
pub(crate) struct PupilFigures {
    tally: Tally,
    today: Date,
    from_records: Vec<(&'static str, String)>,
}

impl PupilFigures {
    pub async fn load(
        state: &AppState,
        kind: LetterKind,
        pupil: &PupilRecord,
        today: Date,
    ) -> Result<PupilFigures, AppError> {
        let YearSoFar { tally, .. } = YearSoFar::load(state, pupil.key, today).await?;
        Ok(PupilFigures {
            tally,
            today,
            from_records: record_fields(state, kind, pupil).await?,
        })
    }

    /// A period's figures, for letters that take nothing from the pupil's records (the
    /// traffic-light letter, the certificate): the half term's attendance, not the year's.
    pub fn over_period(tally: Tally, today: Date) -> PupilFigures {
        PupilFigures {
            tally,
            today,
            from_records: Vec::new(),
        }
    }
}

/// One letter to one contact, merged and laid out.
pub(crate) fn compose(
    access: &Access,
    library: &Letters,
    kind: LetterKind,
    pupil: &PupilRecord,
    figures: &PupilFigures,
    contact: &ContactRecord,
    extra: &Extra,
) -> Result<Letter, AppError> {
    let school = &access.school;
    let policy = &access.policy;
    let rate = figures.tally.attendance_rate();
    let actor = access.user.actor();
    let salutation = contact.contact.greeting().to_owned();
    let mut fields: Fields = Fields::from([
        ("school_name", school.name.clone()),
        (
            "school_phone",
            policy
                .school
                .phone
                .clone()
                .unwrap_or_else(|| "the school office".into()),
        ),
        ("date", figures.today.strftime("%-d %B %Y").to_string()),
        ("contact_name", contact.contact.name.clone()),
        ("salutation", salutation.clone()),
        ("legal_name", pupil.pupil.name()),
        ("preferred_name", pupil.pupil.known_as().to_owned()),
        ("registration_group", pupil.pupil.reg_group.clone()),
        (
            "attendance_percent",
            rate.map_or_else(|| "100".into(), |r| r.to_string()),
        ),
        ("sessions_missed", figures.tally.absent().to_string()),
        (
            "unauthorised_sessions",
            figures.tally.unauthorised.to_string(),
        ),
        (
            "traffic_light",
            rate.and_then(|r| policy.procedures.band_of(r))
                .map(|b| b.name.clone())
                .unwrap_or_default(),
        ),
        ("signatory", actor.name.clone()),
        ("signatory_position", actor.position.clone()),
    ]);
    fields.extend(figures.from_records.iter().cloned());
    fields.extend(extra.fields(library, kind)?);
    let (subject, paragraphs) = library
        .merge(kind, &fields)
        .map_err(|e| AppError::BadRequest(format!("{}: {e}", kind.title())))?;
    Ok(Letter {
        layout: kind.layout(),
        school: [Some(school.name.clone()), policy.school.phone.clone()]
            .into_iter()
            .flatten()
            .collect(),
        recipient: label(&contact.contact.name, contact.contact.address.as_deref()),
        date: figures.today.strftime("%-d %B %Y").to_string(),
        salutation: format!("Dear {salutation},"),
        subject,
        about: format!("{}, {}", pupil.pupil.name(), pupil.pupil.reg_group),
        paragraphs,
        table: kind
            .has_learning_hours()
            .then(|| learning_hours(access, rate, figures.today)),
        closing: "Yours sincerely,".into(),
        signatory: vec![actor.name, actor.position],
    })
}

/// A letter ready to keep: for whom, and its chronology entry.
pub(crate) struct Printed {
    pub pupil: PupilRecord,
    pub recipient: String,
    pub kind: LetterKind,
    pub letter: Letter,
    pub item: Option<ItemKey>,
}

/// Prints letters as one PDF and keeps them, each with its entry, all or none. Printing is not
/// sending: the worklist item a letter is for stays open until it is recorded as sent.
pub(crate) async fn print_and_keep(
    state: &AppState,
    access: &Access,
    printed: &[Printed],
) -> Result<Vec<u8>, AppError> {
    access.require(Permission::WorkCases, "send letters")?;
    let letters: Vec<Letter> = printed.iter().map(|p| p.letter.clone()).collect();
    let pdf = render(letters).await?;
    let keep = printed
        .iter()
        .map(|p| {
            Ok(NewLetter {
                template: p.kind.id().to_owned(),
                recipient: p.recipient.clone(),
                subject: p.letter.subject.clone(),
                content: serde_json::to_string(&p.letter)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
                entry: {
                    let mut entry = crate::requests::entry(
                        p.pupil.key,
                        EntryKind::LetterPrinted,
                        p.recipient.clone(),
                        format!("{}: {}", p.kind.title(), p.letter.subject),
                        &access.user.actor(),
                        state,
                    );
                    entry.entry.item = p.item.clone();
                    entry
                },
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    state.store.add_letters(&keep).await?;
    for p in printed {
        let detail = format!("{}, printed", p.kind.title());
        access
            .log_opening(state, p.pupil.key, Opened::Letter, Some(&detail))
            .await?;
    }
    Ok(pdf)
}

/// A letter as an email to a contact: its subject, and its text from the greeting to the
/// signature; held back, with the reason, when it must not go (no address, opted out, a court
/// order), as every message is.
pub(crate) fn as_email(letter: &Letter, contact: &ContactRecord) -> NewMessage {
    let mut body = vec![letter.salutation.clone()];
    body.extend(letter.paragraphs.iter().map(|p| p.join("\n")));
    body.push(letter.closing.clone());
    body.push(letter.signatory.join("\n"));
    let (recipient, withheld) = crate::outbox::address(contact, rollcall_store::Channel::Email);
    NewMessage {
        pupil: Some(contact.pupil),
        contact: Some(contact.id),
        channel: rollcall_store::Channel::Email,
        recipient,
        subject: Some(letter.subject.clone()),
        body: body.join("\n\n"),
        withheld,
    }
}

/// Whether the person who recorded a letter as sent may still take it back.
pub(crate) fn may_take_back(sent: &LetterSent, by: &str, now: DateTime) -> bool {
    undo::may_take_back(&sent.by, sent.at, by, now)
}

/// Records that a kept letter was sent (posted, handed over, emailed), completing the worklist
/// item it is for; or, with [`Delivery::Undone`], takes back the person's own recording of
/// the last few minutes.
pub(crate) async fn record_sent(
    state: &AppState,
    access: &Access,
    id: i64,
    how: Delivery,
) -> Result<LetterRecord, AppError> {
    access.require(Permission::WorkCases, "send letters")?;
    let letter = state.store.letter(access.school.id, id).await?;
    access.pupil(state, letter.pupil).await?;
    let actor = access.user.actor();
    let now = state.local_now().datetime();
    let item = letter.item.as_deref().and_then(ItemKey::parse);
    let (kind, note) = match (how, &letter.sent) {
        (Delivery::Undone, Some(sent)) if may_take_back(sent, &actor.signature(), now) => {
            let note = format!("Took back: {} {}", sent.how.title(), letter.subject);
            // An undoing names the item it reopens; without one, a note says what happened.
            let kind = match item {
                Some(_) => EntryKind::Undone,
                None => EntryKind::Note,
            };
            (kind, note)
        }
        (Delivery::Undone, _) => {
            return Err(AppError::Invalid {
                field: "how",
                message: format!(
                    "Only your own recording of the last {} minutes can be taken back.",
                    undo::UNDO_MINUTES
                ),
            });
        }
        (_, Some(sent)) => {
            return Err(AppError::Invalid {
                field: "how",
                message: format!(
                    "This letter was already recorded as sent: {} {} by {}.",
                    sent.how.title().to_lowercase(),
                    human_date(&sent.at.date()),
                    sent.by
                ),
            });
        }
        (how, None) => (
            EntryKind::Letter,
            format!("{}: {}", how.title(), letter.subject),
        ),
    };
    let mut entry = crate::requests::entry(
        letter.pupil,
        kind,
        letter.recipient.clone(),
        note,
        &actor,
        state,
    );
    entry.entry.item = item;
    state
        .store
        .letter_sent(&NewLetterSent {
            school: access.school.id,
            letter: id,
            how,
            entry,
        })
        .await?;
    Ok(state.store.letter(access.school.id, id).await?)
}

/// A kept letter, printed again exactly as it was sent.
pub(crate) async fn reprint(letter: &LetterRecord) -> Result<Vec<u8>, AppError> {
    let content: Letter = serde_json::from_str(&letter.content)
        .map_err(|e| AppError::Internal(format!("letter {}: {e}", letter.id)))?;
    render(vec![content]).await
}

async fn render(letters: Vec<Letter>) -> Result<Vec<u8>, AppError> {
    typeset(move || letters_pdf(&letters)).await
}

/// Typesets on a blocking thread: a batch or an evidence pack takes long enough to hold up
/// other requests.
pub(crate) async fn typeset(
    work: impl FnOnce() -> Result<Vec<u8>, PdfError> + Send + 'static,
) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// A CSV file to save under `name`.
pub(crate) fn csv_response(csv: String, name: &str) -> axum::response::Response {
    attachment("text/csv; charset=utf-8", csv, name)
}

/// A file to save under `name`.
pub(crate) fn attachment(content_type: &str, body: String, name: &str) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// A PDF response, shown in the browser (and saved under `name`).
pub(crate) fn pdf_response(pdf: Vec<u8>, name: &str) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        pdf,
    )
        .into_response()
}
