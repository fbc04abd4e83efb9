//! A class teacher's view of their own class (seed 001 §6b: the teacher reaches out; seed 002:
//! "monitored weekly by class teacher"): the class's attendance this week and this year, each
//! pupil's, and the pupils on the watch lists to reach out to. A teacher sees only the groups
//! they look after; the office and leaders any.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use rollcall_analytics::{Period, watch_list};
use rollcall_core::stats::pupil_tally;
use rollcall_core::{Permission, summarise_by};
use rollcall_store::analytics::SchoolData;
use rollcall_store::{GroupId, SchoolId};

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::percent;

/// A pupil of the class.
struct ClassPupil {
    key: i64,
    name: String,
    week: String,
    year: String,
    watch: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "class.html")]
struct ClassPage {
    chrome: Chrome,
    group: String,
    week: String,
    year: String,
    school_week: String,
    pupils: Vec<ClassPupil>,
}

async fn class(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path((school, group)): Path<(i64, i64)>,
) -> Result<ClassPage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let record = state
        .store
        .groups(access.school.id)
        .await?
        .into_iter()
        .find(|g| g.id == GroupId(group))
        .ok_or(AppError::NotFound("class"))?;
    let own = access.groups.iter().any(|g| g.id == record.id);
    if !(own || access.permits(Permission::ViewAnyPupil)) {
        return Err(AppError::Forbidden(
            "You can see the classes you look after.".into(),
        ));
    }
    let today = state.local_now().date();
    let calendar = &access.policy.calendar;
    let data = SchoolData::load(state.store.as_ref(), access.school.id).await?;
    let (week, year) = (
        Period::Week.range(calendar, today),
        Period::YearToDate.range(calendar, today),
    );
    // The class, and everyone, by the statistics' one grouping function.
    let rate_of = |range, class_only: bool| {
        summarise_by(&data.register, range, |_, p| {
            (!class_only || p.reg_group == record.name).then_some(())
        })
        .first()
        .and_then(|g| g.tally.attendance_rate())
    };
    let watched = watch_list(&data.register, calendar, today);
    let mut pupils: Vec<ClassPupil> = data
        .register
        .ids()
        .zip(data.register.pupils())
        .filter(|(_, p)| p.reg_group == record.name && p.on_roll(today))
        .filter_map(|(id, p)| {
            Some(ClassPupil {
                key: data.key_of(id)?.0,
                name: p.name(),
                week: percent(pupil_tally(&data.register, id, week).attendance_rate()),
                year: percent(pupil_tally(&data.register, id, year).attendance_rate()),
                watch: watched
                    .iter()
                    .find(|w| w.id == id)
                    .map_or("", |w| w.watch.title()),
            })
        })
        .collect();
    // Those to reach out to first, then by name.
    pupils.sort_by(|a, b| (a.watch.is_empty(), &a.name).cmp(&(b.watch.is_empty(), &b.name)));
    Ok(ClassPage {
        chrome: Chrome::new(&access, "registers"),
        week: percent(rate_of(week, true)),
        year: percent(rate_of(year, true)),
        school_week: percent(rate_of(week, false)),
        group: record.name,
        pupils,
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/s/{school}/classes/{group}", get(class))
}
