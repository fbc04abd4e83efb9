//! The stylesheet and scripts, compiled into the binary so that rollcall runs from anywhere and
//! never loads anything from a CDN.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

/// htmx 2.0.11, from the npm package `htmx.org`.
const HTMX: &str = include_str!("../static/htmx.min.js");
const CSS: &str = include_str!("../static/app.css");
const REGISTER_JS: &str = include_str!("../static/register.js");
const SERVICE_WORKER: &str = include_str!("../static/sw.js");

fn asset(body: &'static str, content_type: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/static/htmx.min.js",
            get(|| async { asset(HTMX, "text/javascript") }),
        )
        .route(
            "/static/register.js",
            get(|| async { asset(REGISTER_JS, "text/javascript") }),
        )
        .route("/static/app.css", get(|| async { asset(CSS, "text/css") }))
        // At the root, so that it may keep pages from all of the site; checked at every visit,
        // so that a new version replaces the old at once.
        .route(
            "/sw.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript"),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    SERVICE_WORKER,
                )
            }),
        )
}
