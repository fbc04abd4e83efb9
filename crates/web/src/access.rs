//! What a member of staff may see and do at a school.
//!
//! Every request about a school loads an [`Access`]: the member of staff, the school and its
//! policy, their roles there and the groups they look after. A school they have no role at is
//! "not found", so that one school's pupils and groups cannot even be confirmed to exist by
//! another's staff; within their school, what their roles do not permit is forbidden.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rollcall_core::{Opened, Permission, Policy, Role};
use rollcall_store::{
    GroupId, GroupRecord, NewAccess, PupilKey, PupilRecord, SchoolId, SchoolRecord, StaffUser,
};

use crate::AppState;
use crate::error::AppError;

/// Schools' parsed policies, each kept with the text it was parsed from.
#[derive(Default)]
pub(crate) struct PolicyCache(Mutex<HashMap<SchoolId, (String, Arc<Policy>)>>);

impl PolicyCache {
    /// The school's policy, parsed again only when its text has changed.
    pub(crate) fn get(&self, school: &SchoolRecord) -> Result<Arc<Policy>, AppError> {
        if let Ok(cache) = self.0.lock()
            && let Some((text, policy)) = cache.get(&school.id)
            && *text == school.policy
        {
            return Ok(policy.clone());
        }
        let policy = rollcall_files::parse_policy(Path::new("the school's policy"), &school.policy)
            .map_err(|e| AppError::Internal(format!("the school's policy cannot be read: {e}")))?;
        let policy = Arc::new(policy);
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(school.id, (school.policy.clone(), policy.clone()));
        }
        Ok(policy)
    }
}

/// A member of staff at a school.
pub(crate) struct Access {
    pub user: StaffUser,
    pub school: SchoolRecord,
    pub policy: Arc<Policy>,
    pub roles: Vec<Role>,
    /// The registration groups they look after.
    pub groups: Vec<GroupRecord>,
}

impl Access {
    pub async fn load(
        state: &AppState,
        user: StaffUser,
        school: SchoolId,
    ) -> Result<Access, AppError> {
        let roles: Vec<Role> = state
            .store
            .roles(user.id)
            .await?
            .into_iter()
            .filter(|(s, _)| *s == school)
            .map(|(_, r)| r)
            .collect();
        if roles.is_empty() {
            return Err(AppError::NotFound("school"));
        }
        let record = state.store.school(school).await?;
        let policy = state.policies.get(&record)?;
        let groups = state.store.groups_of_staff(user.id, school).await?;
        Ok(Access {
            user,
            school: record,
            policy,
            roles,
            groups,
        })
    }

    /// Whether any of their roles permits something.
    pub fn permits(&self, permission: Permission) -> bool {
        self.roles.iter().any(|r| r.permits(permission))
    }

    /// Refuses unless permitted.
    pub fn require(&self, permission: Permission, what: &str) -> Result<(), AppError> {
        if self.permits(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role at {} does not allow you to {what}.",
                self.school.name
            )))
        }
    }

    /// Whether they look after a group.
    pub fn looks_after(&self, group: GroupId) -> bool {
        self.groups.iter().any(|g| g.id == group)
    }

    /// Whether they may take a group's register.
    pub fn may_take(&self, group: &GroupRecord) -> bool {
        group.school == self.school.id
            && (self.permits(Permission::TakeAnyRegister)
                || (self.permits(Permission::TakeOwnRegisters) && self.looks_after(group.id)))
    }

    /// Whether they may see a pupil.
    pub fn may_view(&self, pupil: &PupilRecord) -> bool {
        pupil.school == self.school.id
            && (self.permits(Permission::ViewAnyPupil)
                || (self.permits(Permission::ViewOwnPupils)
                    && pupil.group.is_some_and(|g| self.looks_after(g))))
    }

    /// A group of this school they may take the register of.
    pub async fn group_to_take(
        &self,
        state: &AppState,
        group: GroupId,
    ) -> Result<GroupRecord, AppError> {
        if let Some(own) = self.groups.iter().find(|g| g.id == group)
            && self.may_take(own)
        {
            return Ok(own.clone());
        }
        let record = state.store.group(group).await?;
        if record.school != self.school.id {
            return Err(AppError::NotFound("registration group"));
        }
        if !self.may_take(&record) {
            return Err(AppError::Forbidden(format!(
                "Only {}'s staff and the attendance office take its register.",
                record.name
            )));
        }
        Ok(record)
    }

    /// Logs that they opened a pupil's records. A record whose opening cannot be logged is not
    /// shown: the log is how the school answers who has seen a child's data.
    pub async fn log_opening(
        &self,
        state: &AppState,
        pupil: PupilKey,
        opened: Opened,
        detail: Option<&str>,
    ) -> Result<(), AppError> {
        state
            .store
            .record_access(&NewAccess {
                pupil,
                user: self.user.id,
                by_name: &self.user.name,
                by_position: &self.user.position,
                opened,
                detail,
                at: state.clock.now(),
            })
            .await?;
        Ok(())
    }

    /// A pupil of this school they may see.
    pub async fn pupil(&self, state: &AppState, key: PupilKey) -> Result<PupilRecord, AppError> {
        let record = state.store.pupil(key).await?;
        if record.school != self.school.id {
            return Err(AppError::NotFound("pupil"));
        }
        if !self.may_view(&record) {
            return Err(AppError::Forbidden(
                "You can see the pupils of your own registration groups.".into(),
            ));
        }
        Ok(record)
    }
}
