//! The `rollcall` command, run as a user runs it.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// A small school and helpers to run the command on it.
mod fixture;
// `rollcall report attendance` and `rollcall report triggers` on the small school.
mod reports;
mod scenarios;
// Bad input: every problem named by file, line and field, and nothing written.
mod bad_input;
// `rollcall demo`: the files it writes and the report it prints.
mod demo;
// The seed schools' policies in `policies/`.
mod policies;
// `rollcall import`, `report --db` and `verify-ledger`, on SQLite and on PostgreSQL.
mod database;
// `rollcall pupil admit`, `delete` and `register`, on SQLite and on PostgreSQL.
mod admissions;
// `rollcall backup` and `restore`, on SQLite and on PostgreSQL.
mod backup;
// `rollcall retention`, on SQLite and on PostgreSQL.
mod records;
// `rollcall ctf export` and `import`, on SQLite and on PostgreSQL.
mod transfer;
// `rollcall report cohorts` against `report attendance`.
mod cohorts;
// `rollcall serve --demo`: the demo trust, with last year's marks.
mod demo_trust;
