//! The readers of pupils and marks CSV and policy TOML, fed valid files with random damage and
//! plain random bytes: each answers a school or an error naming the file, and never panics.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use proptest::prelude::*;
use rollcall_files::{load_school, parse_policy};

const PUPILS: &str = "upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,reg_group,entry_date,leaving_date,fsm,eal,sen
B801200005001,Able,Amelia,Amy,2015-03-01,F,5,5A,,,false,false,N
Q801200005002,Baker,Ben,,2015-04-01,M,5,5A,,,true,false,K
E801200005003,\"Cole, Jr\",Cara,,2014-12-01,F,5,5B,2025-09-08,2025-10-24,false,true,E
";

const MARKS: &str = "upn,date,session,code,minutes_late
B801200005001,2025-09-08,AM,/,
B801200005001,2025-09-08,PM,\\,
Q801200005002,2025-09-08,AM,L,12
Q801200005002,2025-09-08,PM,N,
E801200005003,2025-09-09,AM,I,
E801200005003,2025-09-09,PM,U,40
";

const POLICY: &str = include_str!("../../../policies/002-beecroft-primary.toml");

/// A change to a file: at a position (taken modulo its length), replace, insert or delete.
#[derive(Debug, Clone)]
enum Damage {
    Replace(usize, Vec<u8>),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

/// Bytes that matter to these formats, and some that should never be there.
fn nasty_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        Just(b','),
        Just(b'"'),
        Just(b'\n'),
        Just(b'\r'),
        Just(b'\0'),
        Just(b'='),
        Just(b'['),
        Just(b']'),
        Just(b'#'),
        Just(b'-'),
        Just(b':'),
        Just(0xff),
        Just(0xc3),
        any::<u8>(),
        (b'0'..=b'9'),
    ];
    prop::collection::vec(byte, 1..12)
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), nasty_bytes()).prop_map(|(at, b)| Damage::Replace(at, b)),
        (any::<usize>(), nasty_bytes()).prop_map(|(at, b)| Damage::Insert(at, b)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Damage::Delete(at, n)),
        any::<usize>().prop_map(Damage::Truncate),
    ]
}

fn damaged(text: &str, damages: &[Damage]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for d in damages {
        let at = |i: usize| if bytes.is_empty() { 0 } else { i % bytes.len() };
        match d {
            Damage::Replace(i, with) => {
                let start = at(*i);
                let end = (start + with.len()).min(bytes.len());
                bytes.splice(start..end, with.iter().copied());
            }
            Damage::Insert(i, with) => {
                let start = at(*i);
                bytes.splice(start..start, with.iter().copied());
            }
            Damage::Delete(i, n) => {
                let start = at(*i);
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Damage::Truncate(i) => {
                let len = at(*i);
                bytes.truncate(len);
            }
        }
    }
    bytes
}

/// Loads the three files, each an error naming its file if it is refused.
fn load(pupils: &[u8], marks: &[u8], policy: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let (p, m, t) = (
        dir.path().join("pupils.csv"),
        dir.path().join("marks.csv"),
        dir.path().join("policy.toml"),
    );
    std::fs::write(&p, pupils).unwrap();
    std::fs::write(&m, marks).unwrap();
    std::fs::write(&t, policy).unwrap();
    if let Err(e) = load_school(&p, &m, Some(&t), &|_| {}) {
        let message = e.to_string();
        assert!(
            ["pupils.csv", "marks.csv", "policy.toml"]
                .iter()
                .any(|file| message.contains(file)),
            "the error names no file: {message}"
        );
    }
}

#[test]
fn the_samples_load() {
    let dir = tempfile::tempdir().unwrap();
    let (p, m, t) = (
        dir.path().join("pupils.csv"),
        dir.path().join("marks.csv"),
        dir.path().join("policy.toml"),
    );
    std::fs::write(&p, PUPILS).unwrap();
    std::fs::write(&m, MARKS).unwrap();
    std::fs::write(&t, POLICY).unwrap();
    let school = load_school(&p, &m, Some(&t), &|_| {}).unwrap();
    assert_eq!(school.register.pupils().len(), 3);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn damaged_pupils_never_panic(damages in prop::collection::vec(damage(), 1..6)) {
        load(&damaged(PUPILS, &damages), MARKS.as_bytes(), POLICY.as_bytes());
    }

    #[test]
    fn damaged_marks_never_panic(damages in prop::collection::vec(damage(), 1..6)) {
        load(PUPILS.as_bytes(), &damaged(MARKS, &damages), POLICY.as_bytes());
    }

    #[test]
    fn damaged_policies_never_panic(damages in prop::collection::vec(damage(), 1..6)) {
        let text = damaged(POLICY, &damages);
        if let Ok(text) = std::str::from_utf8(&text)
            && let Err(e) = parse_policy(Path::new("policy.toml"), text)
        {
            prop_assert!(e.to_string().contains("policy.toml"), "{e}");
        }
        load(PUPILS.as_bytes(), MARKS.as_bytes(), &text);
    }

    #[test]
    fn random_bytes_never_panic(
        pupils in prop::collection::vec(any::<u8>(), 0..400),
        marks in prop::collection::vec(any::<u8>(), 0..400),
        policy in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        load(&pupils, MARKS.as_bytes(), POLICY.as_bytes());
        load(PUPILS.as_bytes(), &marks, POLICY.as_bytes());
        load(PUPILS.as_bytes(), MARKS.as_bytes(), &policy);
    }
}
