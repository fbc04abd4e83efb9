//! Who may do what: staff roles and the permissions each carries.
//!
//! The roles are those the seed policies give responsibilities to: teachers and tutors take
//! their groups' registers (seed 000 "Subject Tutors/Form Tutors are responsible for recording
//! attendance accurately"; seed 002 "Class Teachers"), the attendance officer completes and
//! corrects the registers and works the day's absences (seed 000 "The Attendance Officer";
//! seed 002 "Attendance Officer"), and senior leaders (the headteacher and the senior
//! attendance champion) oversee it all (seed 001 §3; seed 002 "School Attendance Champion").

use std::fmt;

/// A member of staff's role at a school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Takes the registers of their own registration groups.
    Teacher,
    /// Keeps the registers complete and correct; follows up absence.
    AttendanceOfficer,
    /// The headteacher or the senior attendance champion.
    SeniorLeader,
    /// A trust's director of attendance or trustee: the trust's schools' figures side by side,
    /// never a pupil (seed 001 "Trust Vulnerable Pupil Dashboard", reported to trustees).
    TrustDirector,
    /// A local-authority officer: its schools' figures and the returns they have made.
    LocalAuthorityOfficer,
    /// A governor (seed 004 §8.2: "monitoring attendance figures on at least a termly basis";
    /// seeds 002 and 003 name a governor for attendance): the school's figures, with cohorts
    /// small enough to pick a pupil out withheld, never a pupil.
    Governor,
}

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Take (and re-take, with a reason) the registers of one's own groups.
    TakeOwnRegisters,
    /// Take any group's register, for a teacher who cannot.
    TakeAnyRegister,
    /// See the pupils of one's own groups.
    ViewOwnPupils,
    /// See any pupil of the school.
    ViewAnyPupil,
    /// Change a mark, with a reason, for any session.
    AmendMarks,
    /// Enter one code for a group over a range of dates.
    BulkCodes,
    /// See the day's missing registers and unexplained absences with contacts.
    ViewOfficeLists,
    /// See the school's statistics.
    ViewStatistics,
    /// Work the worklist: see and add to pupils' chronologies and circumstances, complete and
    /// dismiss items (seed 000 "The Attendance Officer"; seed 001 §3).
    WorkCases,
    /// Accept parents' reports of absence, or ask them for more (seed 001 §5, seed 002
    /// "Reporting absence": the attendance officer).
    HandleAbsenceReports,
    /// Invite parents to the parent portal.
    InviteParents,
    /// Decide leave of absence: the authorised person, usually the headteacher (regulation
    /// 11(1); seed 001 §5, seed 002 "Exceptional leave").
    DecideLeave,
    /// Edit the messages the school sends.
    EditTemplates,
    /// Manage the school's staff accounts: disable and enable them, reset passwords, end
    /// sessions, revoke API tokens (the school's administrator).
    ManageAccounts,
    /// Keep the admission register: admit pupils, correct their entries, record a parent's
    /// notice of a new address or school (regulation 8; seed 003 "Deletion from Roll": the
    /// office keeps the leaving form).
    KeepAdmissionRegister,
    /// Delete a pupil's name from the admission register on a ground of regulation 9: a
    /// decision for the headteacher or a senior leader, since a pupil off roll is a child the
    /// school no longer sees (the guidance's children-missing-education safeguards).
    DeleteFromRegister,
    /// Make the school's returns to the local authority: see which are due, what each holds,
    /// and send them (seed 001 annex A; seed 003 "Deletion from Roll": the school office).
    MakeReturns,
    /// Read who opened which pupil's records, and export everything held about a pupil for a
    /// subject-access request (the headteacher, answerable for the school's data).
    ReadAccessLog,
    /// See the schools one works with side by side (a trust's, a local authority's).
    CompareSchools,
    /// See the returns a school has made to the local authority, as they were sent.
    ViewReturnsMade,
    /// Set the targets a trust's schools are rated against (the trust's director).
    SetTrustTargets,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::Teacher,
        Role::AttendanceOfficer,
        Role::SeniorLeader,
        Role::TrustDirector,
        Role::LocalAuthorityOfficer,
        Role::Governor,
    ];

    /// Whether the role carries a permission.
    pub fn permits(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Teacher => matches!(permission, TakeOwnRegisters | ViewOwnPupils),
            Role::AttendanceOfficer => !matches!(
                permission,
                DecideLeave
                    | ManageAccounts
                    | ReadAccessLog
                    | DeleteFromRegister
                    | CompareSchools
                    | SetTrustTargets
            ),
            // A school's leaders are rated by the trust's targets; they do not set them.
            Role::SeniorLeader => permission != SetTrustTargets,
            Role::TrustDirector => matches!(
                permission,
                ViewStatistics | CompareSchools | SetTrustTargets
            ),
            Role::LocalAuthorityOfficer => {
                matches!(
                    permission,
                    ViewStatistics | CompareSchools | ViewReturnsMade
                )
            }
            Role::Governor => matches!(permission, ViewStatistics),
        }
    }

    /// The role's name in data and URLs.
    pub fn id(self) -> &'static str {
        match self {
            Role::Teacher => "teacher",
            Role::AttendanceOfficer => "attendance_officer",
            Role::SeniorLeader => "senior_leader",
            Role::TrustDirector => "trust_director",
            Role::LocalAuthorityOfficer => "la_officer",
            Role::Governor => "governor",
        }
    }

    /// Reads a role's name.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == text)
    }

    /// How the role is named to people.
    pub fn title(self) -> &'static str {
        match self {
            Role::Teacher => "Teacher",
            Role::AttendanceOfficer => "Attendance officer",
            Role::SeniorLeader => "Senior leader",
            Role::TrustDirector => "Trust director",
            Role::LocalAuthorityOfficer => "Local authority officer",
            Role::Governor => "Governor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions() {
        use Permission::*;
        // (permission, teacher, attendance officer, senior leader, trust director, LA officer,
        // governor)
        let table = [
            (TakeOwnRegisters, true, true, true, false, false, false),
            (TakeAnyRegister, false, true, true, false, false, false),
            (ViewOwnPupils, true, true, true, false, false, false),
            (ViewAnyPupil, false, true, true, false, false, false),
            (AmendMarks, false, true, true, false, false, false),
            (BulkCodes, false, true, true, false, false, false),
            (ViewOfficeLists, false, true, true, false, false, false),
            (ViewStatistics, false, true, true, true, true, true),
            (HandleAbsenceReports, false, true, true, false, false, false),
            (InviteParents, false, true, true, false, false, false),
            (DecideLeave, false, false, true, false, false, false),
            (EditTemplates, false, true, true, false, false, false),
            (WorkCases, false, true, true, false, false, false),
            (ManageAccounts, false, false, true, false, false, false),
            (ReadAccessLog, false, false, true, false, false, false),
            (
                KeepAdmissionRegister,
                false,
                true,
                true,
                false,
                false,
                false,
            ),
            (DeleteFromRegister, false, false, true, false, false, false),
            (MakeReturns, false, true, true, false, false, false),
            (CompareSchools, false, false, true, true, true, false),
            (ViewReturnsMade, false, true, true, false, true, false),
            (SetTrustTargets, false, false, false, true, false, false),
        ];
        for (permission, teacher, officer, leader, trust, la, governor) in table {
            let roles = [
                (Role::Teacher, teacher),
                (Role::AttendanceOfficer, officer),
                (Role::SeniorLeader, leader),
                (Role::TrustDirector, trust),
                (Role::LocalAuthorityOfficer, la),
                (Role::Governor, governor),
            ];
            for (role, permitted) in roles {
                assert_eq!(
                    role.permits(permission),
                    permitted,
                    "{role:?} {permission:?}"
                );
            }
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.id()), Some(role));
        }
    }
}
