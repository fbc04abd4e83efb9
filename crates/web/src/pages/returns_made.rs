//! The returns a school has made, as the local authority sees them: which, when, how, to whom
//! and by whom, each downloadable as it was sent. Read only.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use rollcall_core::Permission;
use rollcall_store::SchoolId;

use super::Chrome;
use crate::AppState;
use crate::access::Access;
use crate::auth::Staff;
use crate::error::AppError;

/// A return made.
struct Made {
    id: i64,
    title: &'static str,
    key: String,
    due: String,
    sent: String,
    by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "returns_made.html")]
struct MadePage {
    chrome: Chrome,
    made: Vec<Made>,
}

async fn made(
    State(state): State<AppState>,
    Staff(user): Staff,
    Path(school): Path<i64>,
) -> Result<MadePage, AppError> {
    let access = Access::load(&state, user, SchoolId(school)).await?;
    access.require(
        Permission::ViewReturnsMade,
        "see the returns the school has made",
    )?;
    let mut made: Vec<Made> = state
        .store
        .returns_made(access.school.id)
        .await?
        .into_iter()
        .map(|m| Made {
            id: m.id,
            title: m.key.kind.title(),
            key: m.key.to_string(),
            due: rollcall_core::text::human_date(&m.due),
            sent: format!(
                "{} to {} on {}",
                m.sent.title(),
                m.to,
                m.at.strftime("%a %-d %b %Y %H:%M")
            ),
            by: m.by,
        })
        .collect();
    made.reverse();
    Ok(MadePage {
        chrome: Chrome::new(&access, "returns"),
        made,
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/s/{school}/returns/made", get(made))
}
