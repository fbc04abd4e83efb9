//! The web application and API, in process and in a real browser, on both databases.

// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rollcall_testkit::on_both_backends;

// A school in a store, the application over it, a fixed clock, and requests as each user.
mod support;
// Signing in and out, throttling, sessions.
mod auth;
// Passwords, disabled accounts, API tokens' scope and expiry, the administrator's page.
mod accounts;
// Taking registers, amending marks, the office's lists, bulk codes, the pupil page.
mod pages;
// The REST API and its OpenAPI document.
mod api;
// The Today page's worklist, the register-close job and pupils' casework.
mod casework;
// The case file, letters printed one at a time and in batches, the evidence pack.
mod casefile;
// Letters in the school's words; whole-school letters.
mod letters;
// The admission register: admitting, the leaving form, deletion on a ground, through pages
// and the API.
mod admissions;
// Returns to the local authority: due, checked, sent.
mod returns;
// Common transfer files: downloaded by one office, taken in by the next.
mod transfer;
// The Analysis page, its CSV and the API.
mod analytics;
// Every table of the analysis pages through the API.
mod analytics_api;
// The weekly attendance summary emailed to the headteacher.
mod weekly;
// Every role against every route, including another school's and another class's.
mod permissions;
// Parents: the portal, what they may reach, their reports and leave, invitations, messages.
mod parents;
// Stale writes and who may change a mark: the register as a legal record.
mod integrity;
// Bounded input, the headers every answer carries, and a database that goes away.
mod hardening;
// Headless Chromium through chromedriver: the flows a person follows.
mod browser;
// The OpenAPI document against what the API answers.
mod conformance;
// The access log of pupils' records.
mod records;
// The server's own log.
mod logging;

on_both_backends!(
    auth::sign_in_and_out,
    auth::throttled_per_address,
    accounts::a_reset_password_is_replaced_at_sign_in,
    accounts::disabled_accounts_and_their_tokens,
    accounts::tokens_expire_and_are_scoped_and_revoked,
    accounts::sessions_end_when_idle_or_everywhere,
    records::who_opened_a_pupil_s_records_is_logged,
    records::a_subject_access_export_holds_everything,
    conformance::every_failure_is_documented_and_answered_with_its_body,
    auth::bad_sessions_and_tokens_are_refused,
    pages::teacher_takes_a_register,
    pages::retaking_is_an_amendment_with_a_reason,
    pages::lateness_comes_from_the_clock,
    pages::office_sees_missing_registers_and_absences,
    pages::office_amends_and_the_ledger_shows_it,
    pages::bulk_codes_from_the_office,
    pages::pupil_page,
    pages::the_attendance_board,
    casework::the_morning_worklist,
    casework::work_the_worklist_in_place,
    casefile::from_letter_to_plan,
    casefile::the_third_penalty_notice_is_refused,
    letters::a_school_words_its_own_letters,
    letters::whole_school_letters,
    api::register_through_the_api,
    api::amendments_ledger_and_lists_through_the_api,
    integrity::a_stale_write_is_refused_with_the_register_as_it_is,
    integrity::the_register_page_opened_twice,
    integrity::a_teacher_cannot_rewrite_the_record,
    integrity::a_register_sent_again_is_taken_once,
    logging::one_line_per_request_and_no_personal_data,
    hardening::every_answer_is_hardened,
    hardening::input_is_bounded,
    hardening::the_database_goes_away_and_comes_back,
    permissions::every_role_against_every_route,
    admissions::admit_notify_and_delete_from_the_office,
    admissions::the_api_keeps_the_admission_register,
    admissions::contacts_are_kept_and_parents_ask_for_changes,
    transfer::a_ctf_goes_from_one_office_to_the_next,
    returns::a_new_pupil_return_is_checked_then_sent,
    returns::the_daily_data_waits_for_every_register,
    returns::the_home_school_is_told_at_register_close,
    analytics::the_page_the_file_and_the_api_agree,
    analytics::a_trust_and_the_la_see_their_schools,
    analytics::a_teacher_sees_their_class,
    analytics::a_cohort_leads_to_its_pupils,
    analytics::a_pupils_page_shows_the_patterns_in_their_marks,
    analytics::the_attendance_meeting_carries_its_actions,
    analytics::the_qa_report_is_assembled_and_kept,
    analytics_api::every_table_is_in_the_api,
    weekly::the_weekly_summary_is_emailed_to_the_head,
    parents::parents_see_only_their_own_children,
    parents::an_absence_report_is_accepted,
    parents::leave_is_asked_for_and_decided,
    parents::a_parent_is_invited,
    browser::take_a_register_and_amend_a_mark,
    browser::take_a_class_of_thirty,
    browser::a_register_taken_offline_is_sent_once,
    browser::every_page_is_accessible_to_each_role,
    browser::admit_a_pupil,
    browser::the_register_by_keyboard,
    browser::work_the_morning_worklist,
    browser::keep_a_case_file,
    browser::a_parent_on_a_phone_and_the_office,
    browser::reset_a_password_and_choose_a_new_one,
);

#[test]
fn openapi_document() {
    let document = serde_json::to_value(rollcall_web::openapi()).unwrap();
    insta::assert_json_snapshot!(document);
}
