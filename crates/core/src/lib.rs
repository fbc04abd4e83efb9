//! The attendance domain of rollcall: the national codes, the school calendar, the register,
//! statistics, the statutory triggers, a school's procedures and the worklist they give.
//!
//! This crate does no I/O and keeps no clock: files, databases and the time of day belong to the
//! crates that call it. Every rule cites the regulation, guidance or school policy it implements.
//!
//! Errors are `thiserror` enums that say what is wrong in words a school would use; callers add
//! where (file, line, field, form).

pub mod accounts;
pub mod admission;
pub mod authority;
pub mod batch;
pub mod board;
pub mod calendar;
pub mod casefile;
pub mod casework;
pub mod census;
pub mod changes;
pub mod code;
pub mod contact;
pub mod delivery;
pub mod history;
pub mod ids;
pub mod patterns;
pub mod policy;
pub mod procedures;
pub mod pupil;
pub mod records;
pub mod register;
pub mod requests;
pub mod roles;
pub mod runs;
pub mod session;
pub mod stats;
pub mod text;
pub mod trajectory;
pub mod triggers;
pub mod undo;
pub mod worklist;

pub use accounts::{PasswordRefusal, TokenScope, check_password, sign_in_wait};
pub use authority::{
    Authority, ChangeReason, MarkSource, ReasonError, Refusal, change_reason, may_change,
};
pub use calendar::{AcademicYear, Calendar, Closure, DateRange, Sessions, Term};
pub use casework::{Case, CaseEntry, EntryKind, EntryKindError, ItemKey, NoticeKind, ParentNotice};
pub use changes::{Change, Held, bulk_may_replace, change_for};
pub use code::{Category, Code, CodeError};
pub use contact::Contact;
pub use ids::{LaEstab, Upn, Urn};
pub use policy::{
    Arrival, MinutesLate, Phase, Policy, School, SessionTimes, Target, WeeklySummary,
};
pub use procedures::{
    ActionKind, Band, EarlyWarning, Escalation, FirstDay, FirstDaySession, Flag, HomeSchool,
    Illness, Lateness, Leave, Penalty, Procedures, ProceduresError, Rating, RiskScoring, Stage,
    Statutory, Step, Threshold, Vulnerability, Welfare,
};
pub use pupil::{Pupil, SenStatus, Sex, YearGroup};
pub use records::{Opened, RetentionTooShort, past_retention, retention_cutoff};
pub use register::{
    Mark, MarkError, MarkField, Occupied, PupilId, Register, RegisterBuilder, Roll, RowView,
    RunError, check_code, check_mark,
};
pub use requests::{
    AbsenceReason, LeaveKind, RequestError, RequestStatus, check_leave, check_report,
};
pub use roles::{Permission, Role};
pub use session::{Day, Session, SessionKey, Slot};
pub use stats::{
    GroupBy, GroupKey, GroupSummary, MissedTime, Rate, Tally, summarise, summarise_by,
};
pub use text::{TextError, TextKind, check_text};
pub use triggers::{Trigger, TriggerHit};
pub use worklist::{Item, Standing, pupil_items, school_items, standing};
