//! One line in the log for every request: its method, its route as a pattern
//! (`/s/{school}/pupils/{pupil}`, never the path with its numbers nor the query), the status
//! answered and the time taken. Nothing a person typed, and nobody's name, reaches the log.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// The route a request matched; `-` for one that matched none (answered 404).
fn route_of(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "-".to_owned(), |path| path.as_str().to_owned())
}

pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = route_of(&request);
    let started = Instant::now();
    let response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "rollcall::request",
        %method,
        %route,
        status = response.status().as_u16(),
        ms = format_args!("{ms:.1}"),
        "request"
    );
    response
}
