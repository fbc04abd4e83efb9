//! The pupils behind a cohort's figures on the Analysis page: every pupil of the cohort with
//! their own figures over the period, in the order asked for, each leading to the pupil's page,
//! the cohort's codes, and the same list as CSV.

use std::collections::HashSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rollcall_analytics::{Cut, Period, PupilOrder, cohort_pupils, cohort_table};
use rollcall_core::patterns::code_counts_of;
use rollcall_core::text::human_date;
use rollcall_core::{Permission, SenStatus};
use rollcall_store::SchoolId;
use rollcall_store::analytics::SchoolData;
use serde::Deserialize;
use utoipa::IntoParams;

use super::Chrome;
use super::analytics_patterns::codes_table;
use super::analytics_tables::{Row, Table, TableBody, Tables, band};
use crate::AppState;
use crate::access::Access;
use crate::api::analytics::CohortQuery;
use crate::auth::Staff;
use crate::error::AppError;
use crate::view::percent;

/// Which cohort's pupils over which period, in which order.
#[derive(Deserialize, IntoParams)]
pub(crate) struct PupilsQuery {
    /// As for the cohorts: `week`, `half_term`, `term`, `year` (the default) or `four_weeks`.
    period: Option<String>,
    /// As for the cohorts: `all` (the default), `year_group`, `sex`, …
    cut: Option<String>,
    /// The cohort's name, as the cohorts give it; the cut's first when none or another.
    cohort: Option<String>,
    /// `class` (the default), `name`, `attendance`, `unauthorised` or `late`.
    order: Option<String>,
    /// `csv` for the list as a file (the pages only).
    #[param(ignore)]
    format: Option<String>,
}

/// A cohort's pupils and their codes, as the page, its CSV and the API give them.
struct Listing {
    period: Period,
    cut: Cut,
    order: PupilOrder,
    cohort: String,
    cohorts: Vec<String>,
    range: rollcall_core::DateRange,
    pupils: Table,
    codes: Table,
}

#[derive(Template, WebTemplate)]
#[template(path = "analytics_pupils.html")]
struct PupilsPage {
    chrome: Chrome,
    periods: Vec<(&'static str, &'static str)>,
    cuts: Vec<(&'static str, &'static str)>,
    cohorts: Vec<String>,
    orders: Vec<(&'static str, &'static str)>,
    period: &'static str,
    cut: &'static str,
    cohort: String,
    order: &'static str,
    dates: String,
    csv: String,
    pupils: Table,
    codes: Table,
}

fn order_title(order: PupilOrder) -> &'static str {
    match order {
        PupilOrder::Class => "Class, then name",
        PupilOrder::Name => "Name",
        PupilOrder::Attendance => "Lowest attendance first",
        PupilOrder::Unauthorised => "Most unauthorised absence first",
        PupilOrder::Late => "Most late marks first",
    }
}

fn yes(flag: bool) -> String {
    if flag { "Yes" } else { "" }.to_owned()
}

async fn listing(
    state: &AppState,
    access: &Access,
    choice: &PupilsQuery,
) -> Result<Listing, AppError> {
    access.require(Permission::ViewStatistics, "see the school's attendance")?;
    access.require(Permission::ViewAnyPupil, "see pupils' attendance")?;
    let school = access.school.id.0;
    let (period, cut) = CohortQuery::read(choice.period.as_deref(), choice.cut.as_deref())?;
    let order = match choice.order.as_deref().filter(|o| !o.is_empty()) {
        None => PupilOrder::Class,
        Some(id) => PupilOrder::parse(id)
            .ok_or_else(|| AppError::BadRequest(format!("{id:?} is not an order")))?,
    };
    let now = state.local_now().datetime();
    let data = SchoolData::load_for(
        state.store.as_ref(),
        access.school.id,
        &access.policy,
        cut,
        now,
    )
    .await?;
    let register = &data.register;
    let range = period.range(&access.policy.calendar, now.date());
    let circumstances = |id, range| data.circumstances(id, range);
    let cohorts: Vec<String> = cohort_table(register, cut, range, range, &circumstances)
        .into_iter()
        .map(|row| row.cohort)
        .collect();
    // A cohort the cut does not have (the cut was just changed) shows the cut's first.
    let cohort = choice
        .cohort
        .clone()
        .filter(|c| cohorts.contains(c))
        .or_else(|| cohorts.first().cloned())
        .unwrap_or_default();
    let listed = cohort_pupils(register, cut, &cohort, range, &circumstances, order);
    let rows = listed
        .iter()
        .filter_map(|g| {
            let pupil = register.pupil(g.key)?;
            let key = data.key_of(g.key)?;
            let rate = g.tally.attendance_rate();
            let mut row = Row::new(vec![
                pupil.name(),
                pupil.upn.to_string(),
                pupil.reg_group.clone(),
                pupil.year_group.to_string(),
                yes(pupil.fsm),
                yes(pupil.pupil_premium),
                yes(pupil.eal),
                match pupil.sen {
                    SenStatus::None => String::new(),
                    sen => sen.code().to_owned(),
                },
                g.tally.possible.to_string(),
                percent(rate),
                percent(g.tally.authorised_rate()),
                percent(g.tally.unauthorised_rate()),
                g.tally.late_before_close.to_string(),
                g.tally.late_after_close.to_string(),
                match (g.severe, g.persistent) {
                    (1.., _) => "Severe".to_owned(),
                    (_, 1..) => "Persistent".to_owned(),
                    _ => String::new(),
                },
            ])
            .linked(format!("/s/{school}/pupils/{}", key.0));
            row.band = band(&access.policy, rate);
            Some(row)
        })
        .collect();
    let table = Table {
        id: "pupils",
        caption: format!("{cohort}: each pupil's attendance over the period"),
        columns: vec![
            "Pupil",
            "UPN",
            "Class",
            "Year",
            "FSM",
            "Pupil premium",
            "EAL",
            "SEN",
            "Possible sessions",
            "Attendance",
            "Authorised",
            "Unauthorised",
            "Late before close (L)",
            "Late after close (U)",
            "Absence",
        ],
        rows,
        band_column: Some(9),
    };
    let chosen: HashSet<_> = listed.iter().map(|g| g.key).collect();
    let codes = codes_table(
        code_counts_of(register, range, |id| chosen.contains(&id)),
        &format!("{cohort}: sessions by code over the period"),
    );
    Ok(Listing {
        period,
        cut,
        order,
        cohort,
        cohorts,
        range,
        pupils: table,
        codes,
    })
}

/// A cohort's pupils and their codes, for the API.
pub(crate) async fn pupil_tables(
    state: &AppState,
    access: &Access,
    choice: &PupilsQuery,
) -> Result<Tables, AppError> {
    let l = listing(state, access, choice).await?;
    Ok(Tables {
        from: l.range.first.to_string(),
        to: l.range.last.to_string(),
        tables: [&l.pupils, &l.codes].map(TableBody::from).into(),
    })
}

async fn pupils(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
    Query(choice): Query<PupilsQuery>,
) -> Result<Response, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    let l = listing(&state, &access, &choice).await?;
    if choice.format.as_deref() == Some("csv") {
        let name = format!(
            "pupils-{}-{}-{}.csv",
            l.cut.id(),
            l.range.first,
            l.range.last
        );
        return Ok(crate::letters::csv_response(l.pupils.to_csv()?, &name));
    }
    let query = serde_urlencoded::to_string([
        ("period", l.period.id()),
        ("cut", l.cut.id()),
        ("cohort", l.cohort.as_str()),
        ("order", l.order.id()),
    ])
    .unwrap_or_default();
    Ok(PupilsPage {
        chrome: Chrome::new(&access, "analytics"),
        periods: Period::NAMED.iter().map(|p| (p.id(), p.title())).collect(),
        cuts: Cut::ALL.iter().map(|c| (c.id(), c.title())).collect(),
        orders: PupilOrder::ALL
            .iter()
            .map(|o| (o.id(), order_title(*o)))
            .collect(),
        cohorts: l.cohorts,
        period: l.period.id(),
        cut: l.cut.id(),
        cohort: l.cohort,
        order: l.order.id(),
        dates: format!(
            "{} to {}",
            human_date(&l.range.first),
            human_date(&l.range.last)
        ),
        csv: format!("/s/{school}/analytics/pupils?{query}&format=csv"),
        pupils: l.pupils,
        codes: l.codes,
    }
    .into_response())
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/s/{school}/analytics/pupils", get(pupils))
}
