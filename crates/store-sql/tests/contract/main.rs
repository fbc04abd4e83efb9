//! The store contract: every test runs on SQLite and on PostgreSQL.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rollcall_testkit::on_both_backends;

// Schools, staff, roles, groups, pupils, their history and contacts.
mod directory;
// Taking registers, amending marks, bulk codes and marks entered in advance.
mod marks;
// The amendment ledger: append-only, and replayed to explain every mark.
mod ledger;
// A ledger kept before every mark had its entries, carried over.
mod legacy;
// Many writers on the same marks at once.
mod concurrency;
// Random mixes of concurrent writes.
mod interleavings;
// Imports and loading registers for reports.
mod import;
// Web sessions, login failures and API tokens.
mod accounts;
// Chronologies, circumstances and register-close jobs.
mod casework;
// Case files and letters.
mod casefiles;
// Parents' accounts, reports and leave, and the outbox's deliveries.
mod families;
// The access log and erasure after retention.
mod records;
// SQLite's log, checkpointed in the background.
mod wal;
// The admission register: entries, their versions and deletions.
mod admissions;
// Contacts kept by the school, and parents' requests to change their details.
mod contacts;
// Common transfer files out of one school and into the next.
mod transfer;
// Attendance meetings and their actions, trusts' targets, and the QA report's text.
mod meetings;

on_both_backends!(
    directory::schools_staff_and_roles,
    directory::pupils_history_and_contacts,
    marks::first_recording_then_amendment_with_reason,
    marks::a_register_needs_every_pupil_and_only_its_own,
    marks::marks_entered_in_advance,
    marks::office_amendments,
    marks::teachers_correct_only_their_own_open_register,
    marks::bulk_codes_skip_recorded_marks,
    marks::concurrent_registers_all_commit,
    ledger::append_only,
    ledger::replay_explains_every_mark,
    ledger::the_rows_are_checked_and_rebuilt,
    ledger::a_damaged_record_is_an_error_not_a_register,
    legacy::an_old_ledger_is_carried_over,
    legacy::a_tampered_old_ledger_is_refused,
    concurrency::fifty_writers_on_one_register,
    concurrency::a_hundred_amendments_of_one_mark,
    interleavings::any_interleaving_keeps_the_ledger_true,
    import::import_is_all_or_nothing,
    import::a_new_school_failing_in_its_last_mark_leaves_nothing,
    import::load_register_round_trips,
    import::earlier_schools_attendance_comes_with_the_pupils,
    transfer::a_ctf_carries_attendance_to_the_next_school,
    admissions::home_school_links_keep_every_change,
    accounts::sessions_failures_and_tokens,
    casework::chronology_is_kept_in_order_and_never_changed,
    casework::circumstances_have_dated_spells,
    casework::a_close_job_runs_once_across_processes_and_restarts,
    casefiles::records_change_with_their_trail_and_letters_are_kept,
    families::parent_accounts_links_and_sessions,
    families::reports_and_leave_are_decided_once_with_marks_and_trail,
    families::the_outbox_leases_retries_and_records,
    records::the_access_log_is_kept_and_never_changed,
    records::entries_past_retention_are_erased_deliberately,
    admissions::admit_change_delete_and_admit_again,
    admissions::the_twenty_day_ground_reads_the_register,
    contacts::contacts_keep_every_version,
    contacts::a_parents_details_change_once_confirmed,
    meetings::meetings_carry_their_actions_until_closed,
    meetings::a_trusts_targets_are_kept,
    meetings::qa_text_is_kept_by_period,
);
