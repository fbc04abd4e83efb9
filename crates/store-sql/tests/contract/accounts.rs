use jiff::{SignedDuration, Timestamp};
use rollcall_core::TokenScope;
use rollcall_store::{Accounts as _, Directory as _, LoginFailures, NewApiToken};
use rollcall_testkit::{Backend, database, fixture};

pub async fn sessions_failures_and_tokens(backend: Backend) {
    let db = database(backend).await;
    let store = db.store().await;
    let f = fixture::school(&store, "hash").await;
    let now = Timestamp::from_second(1_757_000_000).unwrap();
    let mins = |m: i64| now + SignedDuration::from_mins(m);
    let later = now + SignedDuration::from_hours(8);
    let user_of = async |hash: &str, at: Timestamp, idle_since: Timestamp| {
        store
            .session_user(hash, at, idle_since)
            .await
            .unwrap()
            .map(|u| u.id)
    };
    store
        .create_session("token-hash", f.teacher, now, later)
        .await
        .unwrap();
    assert_eq!(user_of("token-hash", now, mins(-60)).await, Some(f.teacher));
    // Used 50 minutes in, so still alive 100 minutes in with an hour's idle limit...
    assert_eq!(
        user_of("token-hash", mins(50), mins(-10)).await,
        Some(f.teacher)
    );
    assert_eq!(
        user_of("token-hash", mins(100), mins(40)).await,
        Some(f.teacher)
    );
    // ...but not after more than an hour unused, and never after its expiry.
    assert_eq!(
        user_of("token-hash", mins(170), mins(110)).await,
        None,
        "idle"
    );
    store
        .create_session("busy", f.teacher, now, later)
        .await
        .unwrap();
    assert_eq!(user_of("busy", later, later).await, None, "expired");
    assert_eq!(user_of("other", now, mins(-60)).await, None);
    store.delete_session("busy").await.unwrap();
    assert_eq!(user_of("busy", now, mins(-60)).await, None);

    // Ending every session of one person leaves others' alone.
    for (hash, user) in [("a", f.officer), ("b", f.officer), ("c", f.head)] {
        store.create_session(hash, user, now, later).await.unwrap();
    }
    assert_eq!(store.end_sessions(f.officer).await.unwrap(), 2);
    assert_eq!(user_of("a", now, mins(-1)).await, None);
    assert_eq!(user_of("c", now, mins(-1)).await, Some(f.head));
    // A disabled account has no session; a new password ends them too.
    store.set_disabled(f.head, Some(now)).await.unwrap();
    assert!(store.user(f.head).await.unwrap().disabled);
    assert_eq!(user_of("c", now, mins(-1)).await, None);
    store.set_disabled(f.head, None).await.unwrap();
    store.create_session("d", f.head, now, later).await.unwrap();
    store.set_password(f.head, "temporary", true).await.unwrap();
    assert_eq!(user_of("d", now, mins(-1)).await, None);
    assert!(store.user(f.head).await.unwrap().must_change_password);

    // Failures are counted per username and address.
    for minutes in [0, 5, 10] {
        store
            .record_login_failure("officer", "203.0.113.9", mins(minutes))
            .await
            .unwrap();
    }
    let failures = |name: &'static str, address: &'static str, since| {
        let store = &store;
        async move { store.login_failures(name, address, since).await.unwrap() }
    };
    assert_eq!(
        failures("officer", "203.0.113.9", now).await,
        LoginFailures {
            count: 3,
            last: Some(mins(10))
        }
    );
    assert_eq!(failures("officer", "203.0.113.9", mins(5)).await.count, 2);
    assert_eq!(
        failures("officer", "10.0.0.5", now).await,
        LoginFailures::default()
    );
    assert_eq!(failures("head", "203.0.113.9", now).await.count, 0);
    store
        .clear_login_failures("officer", "203.0.113.9")
        .await
        .unwrap();
    assert_eq!(failures("officer", "203.0.113.9", now).await.count, 0);

    // Tokens: a grant while live, nothing once expired, revoked or its account disabled.
    let token = |hash, scope, expires| NewApiToken {
        token_hash: hash,
        user: f.officer,
        name: "MIS sync",
        scope,
        at: now,
        expires,
    };
    let id = store
        .create_api_token(&token("api-hash", TokenScope::Read, later))
        .await
        .unwrap();
    let other = store
        .create_api_token(&token("api-2", TokenScope::ReadWrite, later))
        .await
        .unwrap();
    let grant = store.api_token("api-hash", now).await.unwrap().unwrap();
    assert_eq!((grant.user.id, grant.scope), (f.officer, TokenScope::Read));
    assert_eq!(store.api_token("api-hash", later).await.unwrap(), None);
    assert_eq!(store.api_token("nope", now).await.unwrap(), None);
    store.set_disabled(f.officer, Some(now)).await.unwrap();
    assert_eq!(store.api_token("api-2", now).await.unwrap(), None);
    store.set_disabled(f.officer, None).await.unwrap();
    assert!(store.api_token("api-2", now).await.unwrap().is_some());
    assert!(store.revoke_api_token(other, mins(1)).await.unwrap());
    assert!(!store.revoke_api_token(other, mins(2)).await.unwrap());
    assert_eq!(store.api_token("api-2", now).await.unwrap(), None);
    let listed = store.api_tokens(Some(f.officer)).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        [other, id],
        "newest first"
    );
    assert_eq!(listed[0].revoked, Some(mins(1)));
    assert_eq!(listed[0].username, "officer");
    assert!(store.api_tokens(Some(f.head)).await.unwrap().is_empty());
    assert_eq!(store.api_tokens(None).await.unwrap().len(), 2);

    // The school's staff with their roles there.
    let staff = store.school_staff(f.school).await.unwrap();
    let names: Vec<&str> = staff.iter().map(|s| s.user.username.as_str()).collect();
    assert!(
        names.contains(&"officer") && !names.contains(&"officer2"),
        "{names:?}"
    );
}
