//! A database written before every mark had its ledger entries is carried over when a store
//! first connects: its old chain checked, every mark given its entries.

use std::str::FromStr;

use rollcall_core::{Code, Session, SessionKey};
use rollcall_store::{Directory as _, Registers as _, SchoolId};
use rollcall_store_sql::SqlStore;
use rollcall_testkit::fixture::SCHOOL_DAY;
use rollcall_testkit::{Backend, TestDb, database};
use sha2::{Digest, Sha256};

/// The schema as it was before the journal (migrations 0001–0004).
async fn old_schema(db: &TestDb) {
    match db.backend {
        Backend::Sqlite => {
            let mut migrator = sqlx::migrate!("./migrations/sqlite");
            migrator.migrations = migrator.migrations[..4].to_vec().into();
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&db.url)
                .unwrap()
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let mut migrator = sqlx::migrate!("./migrations/postgres");
            migrator.migrations = migrator.migrations[..4].to_vec().into();
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// An entry of the old per-school chain, hashed as it was.
struct Old<'a> {
    seq: i64,
    pupil: i64,
    original: &'a str,
    new: &'a str,
    reason: &'a str,
    prev: String,
}

impl Old<'_> {
    fn hash(&self) -> String {
        let fields = [
            self.prev.clone(),
            "1".into(),
            self.seq.to_string(),
            self.pupil.to_string(),
            SCHOOL_DAY.to_string(),
            "0".into(),
            self.original.into(),
            String::new(),
            self.new.into(),
            String::new(),
            self.reason.into(),
            "1000".into(),
            String::new(),
            "Lisa Craven".into(),
            "Attendance officer".into(),
        ];
        let mut digest = Sha256::new();
        for field in &fields {
            digest.update(field.len().to_le_bytes());
            digest.update(field.as_bytes());
        }
        hex::encode(digest.finalize())
    }

    fn insert(&self, hash: &str) -> String {
        format!(
            "INSERT INTO ledger (school_id, seq, pupil_id, date, session, original_code, new_code, \
             reason, at, by_name, by_position, prev_hash, hash) VALUES (1, {}, {}, '{SCHOOL_DAY}', \
             0, '{}', '{}', '{}', 1000, 'Lisa Craven', 'Attendance officer', '{}', '{hash}')",
            self.seq, self.pupil, self.original, self.new, self.reason, self.prev
        )
    }
}

/// A school of two pupils, both marked `N` on a register; pupil 2 amended to `I`, then `M`.
async fn old_school(db: &TestDb, tamper: bool) {
    old_schema(db).await;
    let mut sql = vec![
        "INSERT INTO schools (name, policy) VALUES ('Old School', '')".to_owned(),
        "INSERT INTO reg_groups (school_id, name) VALUES (1, '5A')".to_owned(),
    ];
    for (upn, name) in [("B801200005001", "Amy"), ("Q801200005002", "Ben")] {
        sql.push(format!(
            "INSERT INTO pupils (school_id, upn, legal_surname, legal_forename, date_of_birth, \
             sex, year_group, reg_group_id, fsm, eal, sen) VALUES (1, '{upn}', 'Old', '{name}', \
             '2015-01-01', 'F', '5', 1, false, false, 'N')"
        ));
    }
    sql.push(format!(
        "INSERT INTO marks (pupil_id, date, session, code, source, recorded_by, recorded_at) \
         VALUES (1, '{SCHOOL_DAY}', 0, 'N', 'register', 'Tom Teach', 900), \
         (2, '{SCHOOL_DAY}', 0, 'M', 'office', 'Lisa Craven', 1000)"
    ));
    let genesis = "0".repeat(64);
    let first = Old {
        seq: 1,
        pupil: 2,
        original: "N",
        new: "I",
        reason: "Mother phoned",
        prev: genesis,
    };
    let first_hash = first.hash();
    let second = Old {
        seq: 2,
        pupil: 2,
        original: "I",
        new: "M",
        reason: "Dentist, card seen",
        prev: first_hash.clone(),
    };
    let second_hash = second.hash();
    sql.push(first.insert(&first_hash));
    sql.push(second.insert(if tamper { &first_hash } else { &second_hash }));
    sql.push(format!(
        "INSERT INTO ledger_heads (school_id, seq, hash) VALUES (1, 2, '{second_hash}')"
    ));
    for statement in sql {
        db.execute(&statement).await.unwrap();
    }
}

pub async fn an_old_ledger_is_carried_over(backend: Backend) {
    let db = database(backend).await;
    old_school(&db, false).await;
    let store = db.store().await;
    let check = store.verify_ledger(SchoolId(1)).await.unwrap();
    // Amy's first recording; Ben's first recording (from the first amendment) and two
    // amendments.
    assert!(check.intact(), "{check:?}");
    assert_eq!((check.entries, check.marks), (4, 2));
    let ben = store.pupils(SchoolId(1)).await.unwrap()[1].key;
    let ledger = store.ledger(ben).await.unwrap();
    let steps: Vec<_> = ledger
        .iter()
        .map(|e| {
            (
                e.version,
                e.original.map(|o| o.code),
                e.new.code,
                e.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (
                2,
                Some(Code::ReasonNotEstablished),
                Code::Illness,
                "Mother phoned"
            ),
            (3, Some(Code::Illness), Code::Medical, "Dentist, card seen"),
        ]
    );
    let marks = store.marks(ben, SCHOOL_DAY, SCHOOL_DAY).await.unwrap();
    assert_eq!((marks[0].code, marks[0].version), (Code::Medical, 3));
    // Connecting again finds nothing left to carry over.
    drop(store);
    let again = db.store().await;
    assert!(again.verify_ledger(SchoolId(1)).await.unwrap().intact());
    let sheet = again
        .register(rollcall_store::GroupId(1), SCHOOL_DAY, Session::Am)
        .await
        .unwrap();
    assert_eq!(
        sheet.key,
        SessionKey {
            date: SCHOOL_DAY,
            session: Session::Am
        }
    );
}

pub async fn a_tampered_old_ledger_is_refused(backend: Backend) {
    let db = database(backend).await;
    old_school(&db, true).await;
    let err = SqlStore::connect(&db.url).await.err().unwrap();
    assert!(
        err.to_string()
            .contains("the ledger of school 1 does not match its hash at entry 2"),
        "{err}"
    );
    // Nothing was converted: the old ledger is still there for whoever restores it.
    assert_eq!(
        db.execute("UPDATE marks SET comment = NULL").await.unwrap(),
        2
    );
    assert!(db.execute("SELECT 1 FROM ledger_legacy").await.is_ok());
}
