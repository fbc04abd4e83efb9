use jiff::civil::date;
use rollcall_core::{
    AbsenceReason, CaseEntry, Code, EntryKind, LeaveKind, RequestStatus, Session, SessionKey,
};
use rollcall_store::{
    Casework as _, Channel, DecidedMarks, Decision, Delivery, DeliveryStatus, Directory as _,
    Document, Families as _, LinkPurpose, Messages as _, NewAbsenceReport, NewCaseEntry,
    NewLeaveRequest, NewMessage, PupilKey, Registers as _, StoreError, TemplateRecord,
};
use rollcall_testkit::fixture::{self, SCHOOL_DAY};
use rollcall_testkit::{Backend, database};

use crate::marks::{actor, am, at};

fn note(pupil: PupilKey, kind: EntryKind, text: &str) -> NewCaseEntry {
    NewCaseEntry {
        pupil,
        entry: CaseEntry {
            at: SCHOOL_DAY.at(8, 0, 0, 0),
            kind,
            item: None,
            with: "School office".into(),
            note: text.into(),
            by: String::new(),
        },
        actor: actor("Parent of Amy", "Mother"),
        recorded_at: at(8, 0),
    }
}

pub async fn parent_accounts_links_and_sessions(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let contact = store.contacts(f.pupils[0]).await.unwrap()[0].clone();
    let parent = store
        .ensure_parent("amy.parent@example.org", "Parent of Amy")
        .await
        .unwrap();
    // The same address is the same account.
    assert_eq!(
        store
            .ensure_parent("amy.parent@example.org", "Someone")
            .await
            .unwrap(),
        parent
    );
    store.link_parent(parent, contact.id).await.unwrap();
    store.link_parent(parent, contact.id).await.unwrap();
    assert_eq!(store.parent_contacts(parent).await.unwrap(), vec![contact]);

    // A link works once, before it expires, for its purpose only.
    store
        .create_parent_link("invite", parent, LinkPurpose::Invitation, at(10, 0))
        .await
        .unwrap();
    assert_eq!(
        store
            .use_parent_link("invite", LinkPurpose::SignIn, at(9, 0))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .use_parent_link("invite", LinkPurpose::Invitation, at(9, 0))
            .await
            .unwrap(),
        Some(parent)
    );
    assert_eq!(
        store
            .use_parent_link("invite", LinkPurpose::Invitation, at(9, 1))
            .await
            .unwrap(),
        None
    );
    store
        .create_parent_link("late", parent, LinkPurpose::SignIn, at(9, 0))
        .await
        .unwrap();
    assert_eq!(
        store
            .use_parent_link("late", LinkPurpose::SignIn, at(9, 0))
            .await
            .unwrap(),
        None
    );

    store.set_parent_password(parent, "phc").await.unwrap();
    store
        .create_parent_session("s", parent, at(12, 0))
        .await
        .unwrap();
    let signed_in = store.parent_session("s", at(11, 0)).await.unwrap().unwrap();
    assert_eq!(
        (signed_in.email.as_str(), signed_in.password_hash.as_deref()),
        ("amy.parent@example.org", Some("phc"))
    );
    assert!(
        store
            .parent_session("s", at(12, 0))
            .await
            .unwrap()
            .is_none()
    );
    store.delete_parent_session("s").await.unwrap();
    assert!(
        store
            .parent_session("s", at(11, 0))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn reports_and_leave_are_decided_once_with_marks_and_trail(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let amy = f.pupils[0];
    let contact = store.contacts(amy).await.unwrap()[0].clone();
    let parent = store
        .ensure_parent("amy.parent@example.org", "Parent of Amy")
        .await
        .unwrap();
    let pm = SessionKey {
        date: SCHOOL_DAY,
        session: Session::Pm,
    };
    let report = NewAbsenceReport {
        pupil: amy,
        contact: contact.id,
        parent,
        first: am(),
        last: pm,
        reason: AbsenceReason::Illness,
        details: "A temperature".into(),
        expected_return: Some(date(2025, 9, 11)),
        at: SCHOOL_DAY.at(8, 10, 0, 0),
        recorded_at: at(8, 10),
    };
    let id = store
        .add_absence_report(&report, &note(amy, EntryKind::AbsenceReport, "reported"))
        .await
        .unwrap();
    let reports = store.absence_reports(f.school).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(
        (
            &reports[0].report,
            reports[0].status,
            reports[0].parent_name.as_str()
        ),
        (&report, RequestStatus::Pending, "Parent of Amy")
    );
    assert!(
        store
            .absence_reports(f.other_school)
            .await
            .unwrap()
            .is_empty()
    );

    // The morning already holds N: accepting replaces it, in the ledger.
    store
        .plan_marks(
            &[rollcall_store::PlannedMark {
                pupil: amy,
                key: am(),
                code: Code::ReasonNotEstablished,
                comment: None,
            }],
            &actor("Tom Teach", "Class teacher"),
            at(9, 0),
        )
        .await
        .unwrap();
    let message = NewMessage {
        pupil: Some(amy),
        contact: Some(contact.id),
        channel: Channel::Email,
        recipient: "amy.parent@example.org".into(),
        subject: Some("Thank you".into()),
        body: "Recorded.".into(),
        withheld: None,
    };
    let decision = |school, id| Decision {
        school,
        id,
        status: RequestStatus::Accepted,
        response: String::new(),
        marks: Some(DecidedMarks {
            code: Code::Illness,
            sessions: vec![am(), pm],
            granted: None,
            reason: "Reported by Parent of Amy; accepted".into(),
        }),
        actor: actor("Lisa Craven", "Attendance officer"),
        at: at(9, 40),
        entry: note(amy, EntryKind::Decision, "accepted"),
        message: Some((message.clone(), note(amy, EntryKind::Email, "queued"))),
    };
    assert!(matches!(
        store
            .decide_absence_report(&decision(f.other_school, id))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let outcome = store
        .decide_absence_report(&decision(f.school, id))
        .await
        .unwrap();
    assert_eq!(outcome.written, 2);
    assert!(matches!(
        store.decide_absence_report(&decision(f.school, id)).await,
        Err(StoreError::Conflict(_))
    ));
    let marks = store.marks(amy, SCHOOL_DAY, SCHOOL_DAY).await.unwrap();
    assert!(marks.iter().all(|m| m.code == Code::Illness), "{marks:?}");
    let ledger = store.ledger(amy).await.unwrap();
    assert_eq!(ledger.len(), 2);
    assert_eq!(
        ledger[0].original.map(|o| o.code),
        Some(Code::ReasonNotEstablished)
    );
    assert_eq!(
        store.absence_report(f.school, id).await.unwrap().status,
        RequestStatus::Accepted
    );
    assert!(matches!(
        store.absence_report(f.other_school, id).await,
        Err(StoreError::NotFound(_))
    ));
    let decided = &store.pupil_absence_reports(amy).await.unwrap()[0];
    assert_eq!(
        (decided.status, decided.code),
        (RequestStatus::Accepted, Some(Code::Illness))
    );
    assert_eq!(decided.answer.as_ref().unwrap().by, "Lisa Craven");
    let kinds: Vec<EntryKind> = store
        .chronology(amy)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EntryKind::AbsenceReport,
            EntryKind::Decision,
            EntryKind::Email
        ]
    );
    assert_eq!(store.pupil_messages(amy).await.unwrap()[0].message, message);

    // Leave: asked for three days, granted two; the document comes back whole.
    let leave = NewLeaveRequest {
        pupil: amy,
        contact: contact.id,
        parent,
        first: date(2025, 10, 6),
        last: date(2025, 10, 8),
        kind: LeaveKind::Exceptional,
        reason: "A family funeral".into(),
        document: Some(Document {
            name: "letter.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: vec![0, 1, 2, 255],
        }),
        at: SCHOOL_DAY.at(18, 0, 0, 0),
        recorded_at: at(18, 0),
    };
    let id = store
        .add_leave_request(&leave, &note(amy, EntryKind::LeaveRequest, "asked"))
        .await
        .unwrap();
    let listed = &store.leave_requests(f.school).await.unwrap()[0];
    assert_eq!(listed.document_name.as_deref(), Some("letter.pdf"));
    assert_eq!(listed.request.document, None);
    assert_eq!(
        store.leave_document(amy, id).await.unwrap(),
        leave.document.clone().unwrap()
    );
    assert!(store.leave_document(f.pupils[1], id).await.is_err());
    let days = |d| [Session::Am, Session::Pm].map(|session| SessionKey { date: d, session });
    let mut grant = decision(f.school, id);
    grant.status = RequestStatus::PartlyGranted;
    grant.marks = Some(DecidedMarks {
        code: Code::ExceptionalLeave,
        sessions: [days(date(2025, 10, 6)), days(date(2025, 10, 7))].concat(),
        granted: Some((date(2025, 10, 6), date(2025, 10, 7))),
        reason: "Leave granted".into(),
    });
    grant.message = None;
    assert_eq!(store.decide_leave(&grant).await.unwrap().written, 4);
    assert!(store.leave_request(f.other_school, id).await.is_err());
    let decided = &store.pupil_leave_requests(amy).await.unwrap()[0];
    assert_eq!(
        (decided.status, decided.granted),
        (
            RequestStatus::PartlyGranted,
            Some((date(2025, 10, 6), date(2025, 10, 7), Code::ExceptionalLeave))
        )
    );
    let october = store
        .marks(amy, date(2025, 10, 6), date(2025, 10, 8))
        .await
        .unwrap();
    assert_eq!(october.len(), 4);
}

pub async fn the_outbox_leases_retries_and_records(backend: Backend) {
    let db = database(backend).await;
    let first = db.store().await;
    let second = db.store().await;
    let f = fixture::school(&first, "hash").await;
    let amy = f.pupils[0];
    let message = |channel, withheld: Option<&str>| NewMessage {
        pupil: Some(amy),
        contact: None,
        channel,
        recipient: "+447700900001".into(),
        subject: None,
        body: "Amy was not at registration".into(),
        withheld: withheld.map(str::to_owned),
    };
    let queued = [
        (
            message(Channel::Sms, None),
            note(amy, EntryKind::Text, "queued"),
        ),
        (
            message(Channel::Sms, Some("opted out")),
            note(amy, EntryKind::Text, "withheld"),
        ),
        (
            message(Channel::Email, None),
            note(amy, EntryKind::Email, "queued"),
        ),
    ];
    first
        .queue_messages(f.school, &queued, at(9, 30))
        .await
        .unwrap();
    assert_eq!(first.chronology(amy).await.unwrap().len(), 3);

    // Two processes claim at once: each message goes to one of them; withheld ones to none,
    // and email waits when only texts can go.
    let (a, b) = tokio::join!(
        first.claim_messages(at(9, 31), at(9, 36), 10, &[Channel::Sms]),
        second.claim_messages(at(9, 31), at(9, 36), 10, &[Channel::Sms])
    );
    let claimed: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    let (school, sms) = &claimed[0];
    assert_eq!(
        (*school, sms.attempts, sms.status),
        (f.school, 1, DeliveryStatus::Queued)
    );
    // Leased: not claimed again until the lease ends or the try is recorded.
    assert!(
        first
            .claim_messages(at(9, 32), at(9, 37), 10, &[Channel::Sms])
            .await
            .unwrap()
            .is_empty()
    );
    first
        .record_delivery(
            sms.id,
            &Delivery::Retry {
                error: "provider down".into(),
                retry_at: at(9, 40),
            },
        )
        .await
        .unwrap();
    assert!(
        first
            .claim_messages(at(9, 35), at(9, 40), 10, &[Channel::Sms])
            .await
            .unwrap()
            .is_empty()
    );
    let again = first
        .claim_messages(at(9, 40), at(9, 45), 10, &[Channel::Sms])
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1.attempts, 2);
    first
        .record_delivery(
            sms.id,
            &Delivery::Sent {
                at: at(9, 41),
                reference: Some("SM1".into()),
            },
        )
        .await
        .unwrap();
    let email = first
        .claim_messages(at(9, 42), at(9, 47), 10, &[Channel::Sms, Channel::Email])
        .await
        .unwrap();
    assert_eq!(email[0].1.message.channel, Channel::Email);
    first
        .record_delivery(
            email[0].1.id,
            &Delivery::Failed {
                error: "no such mailbox".into(),
            },
        )
        .await
        .unwrap();

    let trail = first.pupil_messages(amy).await.unwrap();
    let statuses: Vec<_> = trail
        .iter()
        .map(|m| (m.status, m.error.as_deref()))
        .collect();
    assert_eq!(
        statuses,
        [
            (DeliveryStatus::Sent, None),
            (DeliveryStatus::Withheld, Some("opted out")),
            (DeliveryStatus::Failed, Some("no such mailbox")),
        ]
    );
    assert_eq!(trail[0].sent_at, Some(at(9, 41)));
    assert_eq!(trail[1].message.withheld.as_deref(), Some("opted out"));

    // Templates: saved per school, replaced on saving again.
    let template = |body: &str| TemplateRecord {
        name: "register_close".into(),
        subject: String::new(),
        body: body.into(),
        by: "June Turner".into(),
        at: at(10, 0),
    };
    first
        .set_template(f.school, &template("one"))
        .await
        .unwrap();
    first
        .set_template(f.school, &template("two"))
        .await
        .unwrap();
    assert_eq!(
        first.templates(f.school).await.unwrap(),
        vec![template("two")]
    );
    assert!(first.templates(f.other_school).await.unwrap().is_empty());
}
