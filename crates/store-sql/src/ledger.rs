//! The amendment ledger's hash chain.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and every field of the entry, so
//! that changing, removing or inserting an entry anywhere breaks every hash after it. The chain
//! is per school, starting from [`GENESIS`]; the head (last sequence number and hash) is stored
//! apart, so that removing entries from the end is detected too.

use sha2::{Digest, Sha256};

use crate::statements::LedgerRow;

/// The hash before a school's first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry, given the school and the previous entry's hash (in `row.prev_hash`).
pub(crate) fn hash(school: i64, row: &LedgerRow) -> String {
    let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    let fields = [
        row.prev_hash.clone(),
        school.to_string(),
        row.seq.to_string(),
        row.pupil.to_string(),
        row.date.to_string(),
        row.session.to_string(),
        row.original_code.clone().unwrap_or_default(),
        opt(row.original_minutes),
        row.new_code.clone(),
        opt(row.new_minutes),
        row.reason.clone(),
        row.at.to_string(),
        row.by_user.map(|u| u.to_string()).unwrap_or_default(),
        row.by_name.clone(),
        row.by_position.clone(),
    ];
    let mut digest = Sha256::new();
    for field in &fields {
        // Lengths first, so that no two different entries share an encoding.
        digest.update(field.len().to_le_bytes());
        digest.update(field.as_bytes());
    }
    hex::encode(digest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> LedgerRow {
        LedgerRow {
            seq: 1,
            pupil: 7,
            date: jiff::civil::date(2025, 9, 3),
            session: 0,
            original_code: Some("N".into()),
            original_minutes: None,
            new_code: "I".into(),
            new_minutes: None,
            reason: "Mother phoned: ill".into(),
            at: 1_756_890_000_000_000,
            by_user: Some(2),
            by_name: "Lisa Craven".into(),
            by_position: "Attendance Officer".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn every_field_is_in_the_hash() {
        let base = hash(1, &row());
        assert_eq!(base.len(), 64);
        type Edit = Box<dyn Fn(&mut LedgerRow)>;
        let changes: Vec<Edit> = vec![
            Box::new(|r| r.seq = 2),
            Box::new(|r| r.pupil = 8),
            Box::new(|r| r.session = 1),
            Box::new(|r| r.original_code = None),
            Box::new(|r| r.new_code = "M".into()),
            Box::new(|r| r.new_minutes = Some(3)),
            Box::new(|r| r.reason.push('.')),
            Box::new(|r| r.at += 1),
            Box::new(|r| r.by_name = "L Craven".into()),
            Box::new(|r| r.by_position = "Office".into()),
            Box::new(|r| r.prev_hash = "1".repeat(64)),
            // Moving text between fields changes the hash too.
            Box::new(|r| {
                r.by_name = "Lisa CravenAttendance".into();
                r.by_position = " Officer".into();
            }),
        ];
        for change in changes {
            let mut r = row();
            change(&mut r);
            assert_ne!(hash(1, &r), base);
        }
        assert_ne!(hash(2, &row()), base);
    }
}
