use jiff::civil::{DateTime, date};
use rollcall_store::{Meetings as _, NewAction, NewMeeting, StoreError};
use rollcall_testkit::fixture;
use rollcall_testkit::{Backend, database};

use crate::marks::actor;

fn at(day: i8) -> DateTime {
    date(2025, 9, day).at(15, 30, 0, 0)
}

fn meeting(day: i8, actions: Vec<NewAction>, closed: Vec<(i64, String)>) -> NewMeeting {
    NewMeeting {
        held_on: date(2025, 9, day),
        present: "June Turner\nLisa Craven".into(),
        notes: "Reviewed the caseload.".into(),
        actions,
        closed,
    }
}

/// A meeting keeps its actions; a later one closes them with what came of them, once; an
/// action for another school's pupil, or one already closed, leaves nothing written.
pub async fn meetings_carry_their_actions_until_closed(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let champion = actor("June Turner", "Headteacher");
    let call = NewAction {
        pupil: Some(f.pupils[1]),
        what: "Class teacher to call home".into(),
        owner: "Mr Hill".into(),
        due: Some(date(2025, 9, 12)),
    };
    let assembly = NewAction {
        pupil: None,
        what: "Assembly on punctuality".into(),
        owner: "June Turner".into(),
        due: None,
    };
    let first = store
        .record_meeting(
            f.school,
            &meeting(10, vec![call.clone(), assembly], Vec::new()),
            &champion,
            at(10),
        )
        .await
        .unwrap();
    let actions = store.meeting_actions(f.school).await.unwrap();
    assert_eq!(actions.len(), 2);
    assert!(
        actions
            .iter()
            .all(|a| a.meeting == first && a.closed.is_none())
    );
    assert_eq!(actions[0].pupil, Some(f.pupils[1]));
    assert_eq!(actions[0].due, Some(date(2025, 9, 12)));

    // Another school's pupil: refused, and no meeting is written.
    let stranger = NewAction {
        pupil: Some(f.stranger),
        ..call.clone()
    };
    let refused = store
        .record_meeting(
            f.school,
            &meeting(24, vec![stranger], Vec::new()),
            &champion,
            at(24),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
    assert_eq!(store.meetings(f.school).await.unwrap().len(), 1);

    let second = store
        .record_meeting(
            f.school,
            &meeting(
                24,
                Vec::new(),
                vec![(actions[0].id, "Spoke to mother".into())],
            ),
            &champion,
            at(24),
        )
        .await
        .unwrap();
    let after = store.meeting_actions(f.school).await.unwrap();
    assert_eq!(after[0].closed, Some((second, "Spoke to mother".into())));
    assert!(after[1].closed.is_none(), "carried to the next meeting");
    let held: Vec<_> = store
        .meetings(f.school)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.by))
        .collect();
    assert_eq!(
        held,
        [
            (second, "June Turner, Headteacher".to_owned()),
            (first, "June Turner, Headteacher".to_owned())
        ]
    );

    // Closing it again, or from another school, is refused and writes nothing.
    let again = store
        .record_meeting(
            f.school,
            &meeting(25, Vec::new(), vec![(actions[0].id, "Again".into())]),
            &champion,
            at(25),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let elsewhere = store
        .record_meeting(
            f.other_school,
            &meeting(25, Vec::new(), vec![(actions[1].id, "Not ours".into())]),
            &champion,
            at(25),
        )
        .await;
    assert!(matches!(elsewhere, Err(StoreError::Conflict(_))));
    assert_eq!(store.meetings(f.school).await.unwrap().len(), 2);
    assert!(store.meetings(f.other_school).await.unwrap().is_empty());
}

/// A trust's targets: every change kept, the latest in force; a target that is not a
/// percentage is refused.
pub async fn a_trusts_targets_are_kept(backend: Backend) {
    use rollcall_analytics::Targets;
    use rollcall_store::{Directory as _, Trusts as _};
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let trust = store.school(f.school).await.unwrap().trust.unwrap();
    assert_eq!(store.trust_name(trust).await.unwrap(), "Fixture Trust");
    assert!(store.trust_targets(trust).await.unwrap().is_none());
    let director = actor("Dee Rector", "Trust director");
    let first = Targets {
        attendance: 9_600,
        persistent: 1_500,
        amber: 100,
    };
    store
        .set_trust_targets(trust, &first, &director, at(1))
        .await
        .unwrap();
    let second = Targets {
        attendance: 9_550,
        ..first
    };
    store
        .set_trust_targets(trust, &second, &director, at(2))
        .await
        .unwrap();
    let held = store.trust_targets(trust).await.unwrap().unwrap();
    assert_eq!(held.targets, second);
    assert_eq!(held.by, "Dee Rector, Trust director");
    let bad = Targets {
        attendance: 12_000,
        ..first
    };
    let refused = store.set_trust_targets(trust, &bad, &director, at(3)).await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.trust_targets(trust).await.unwrap().unwrap().targets,
        second
    );
}

/// The QA report's text is kept for each school and period, every saving a version, the
/// latest shown; another period or school has its own.
pub async fn qa_text_is_kept_by_period(backend: Backend) {
    use rollcall_store::{QaReports as _, QaText};
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let champion = actor("June Turner", "Headteacher");
    let text = |evaluation: &str| QaText {
        evaluation: evaluation.into(),
        follow_up: "Meet families".into(),
        staff: "June Turner".into(),
    };
    let period = "half_term:2025-09-01";
    assert!(store.qa_text(f.school, period).await.unwrap().is_none());
    for (day, words) in [(10, "First draft"), (11, "Attendance fell in 5A")] {
        store
            .save_qa_text(f.school, period, &text(words), &champion, at(day))
            .await
            .unwrap();
    }
    let held = store.qa_text(f.school, period).await.unwrap().unwrap();
    assert_eq!(held.text, text("Attendance fell in 5A"));
    assert_eq!(held.at, at(11));
    assert!(
        store
            .qa_text(f.school, "term:2025-09-01")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .qa_text(f.other_school, period)
            .await
            .unwrap()
            .is_none()
    );
}
