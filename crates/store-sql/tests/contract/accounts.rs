use jiff::{SignedDuration, Timestamp};
use rollcall_store::Accounts as _;
use rollcall_testkit::{Backend, database, fixture};

pub async fn sessions_failures_and_tokens(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let now = Timestamp::from_second(1_757_000_000).unwrap();
    let later = now + SignedDuration::from_hours(8);
    store
        .create_session("token-hash", f.teacher, later)
        .await
        .unwrap();
    assert_eq!(
        store
            .session_user("token-hash", now)
            .await
            .unwrap()
            .map(|u| u.id),
        Some(f.teacher)
    );
    assert_eq!(
        store
            .session_user("token-hash", later)
            .await
            .unwrap()
            .map(|u| u.id),
        None,
        "expired"
    );
    assert!(store.session_user("other", now).await.unwrap().is_none());
    store.delete_session("token-hash").await.unwrap();
    assert!(
        store
            .session_user("token-hash", now)
            .await
            .unwrap()
            .is_none()
    );

    for minutes in [0, 5, 10] {
        store
            .record_login_failure("officer", now + SignedDuration::from_mins(minutes))
            .await
            .unwrap();
    }
    assert_eq!(store.login_failures_since("officer", now).await.unwrap(), 3);
    assert_eq!(
        store
            .login_failures_since("officer", now + SignedDuration::from_mins(5))
            .await
            .unwrap(),
        2
    );
    assert_eq!(store.login_failures_since("head", now).await.unwrap(), 0);
    store.clear_login_failures("officer").await.unwrap();
    assert_eq!(store.login_failures_since("officer", now).await.unwrap(), 0);

    store
        .create_api_token("api-hash", f.officer, "MIS sync", now)
        .await
        .unwrap();
    assert_eq!(
        store.api_token_user("api-hash").await.unwrap(),
        Some(f.officer)
    );
    assert_eq!(store.api_token_user("nope").await.unwrap(), None);
}
