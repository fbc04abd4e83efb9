//! rollcall's web application: server-rendered pages (askama templates, htmx for the parts that
//! refresh) for staff, and a REST API under `/api/v1` with bearer tokens, described at
//! `/api/openapi.json`.
//!
//! [`app`] builds the whole application as a [`Router`] so that tests call it in process;
//! [`serve`] runs it on a listener until a shutdown future completes.

mod access;
mod account;
mod admission_forms;
mod api;
mod assets;
mod auth;
mod clock;
mod daily;
mod error;
mod hardening;
mod home_schools;
mod letters;
mod limits;
mod outbox;
mod pages;
mod parents;
mod requestlog;
mod requests;
mod scheduler;
mod subject;
mod view;
mod weekly;
mod work;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use rollcall_store::Store;
use tokio::net::TcpListener;
use tower_http::csrf::CsrfLayer;

pub use api::openapi;
pub use auth::{Passwords, new_token, temporary_password, token_hash};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::AppError;
pub use outbox::deliver_due;
pub use rollcall_messages::{HttpSms, Smtp, Transports};
pub use scheduler::{run_due, run_scheduler};

/// How the application behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The time zone of the schools' clocks.
    pub time_zone: TimeZone,
    /// How long a sign-in lasts at most, however busy.
    pub session_length: SignedDuration,
    /// How long a sign-in lasts unused: a tablet left signed in on a desk stops working.
    pub session_idle: SignedDuration,
    /// The address parents reach rollcall at, for the links in their emails.
    pub public_url: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            time_zone: TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC),
            session_length: SignedDuration::from_hours(10),
            session_idle: SignedDuration::from_mins(60),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

impl Config {
    /// Whether rollcall is reached over HTTPS (behind a proxy that ends TLS): then its cookies
    /// are `Secure` and browsers are told to use nothing else (HSTS).
    pub fn https(&self) -> bool {
        url::Url::parse(&self.public_url).is_ok_and(|url| url.scheme() == "https")
    }

    /// Checks the public URL: HTTPS, or plain HTTP only on this machine (`localhost`,
    /// `127.0.0.0/8`, `[::1]`), where nothing crosses a network.
    pub fn check_public_url(&self) -> Result<(), String> {
        let url = url::Url::parse(&self.public_url)
            .map_err(|e| format!("{} is not an address: {e}", self.public_url))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(name)) => name == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => Ok(()),
            "http" if loopback => Ok(()),
            "http" => Err(format!(
                "{} is plain http on a network: parents' and staff's passwords and pupils' \
                 records would cross it unencrypted; serve it behind TLS and give the https:// \
                 address (plain http is for this machine only)",
                self.public_url
            )),
            _ => Err(format!(
                "{} is not an http:// or https:// address",
                self.public_url
            )),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Where everything is kept.
    pub store: Arc<dyn Store>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub config: Arc<Config>,
    /// Password hashing.
    pub passwords: Passwords,
    /// The ways messages go out.
    pub transports: Transports,
    /// Each school's policy as last read, so that it is parsed once, not per request.
    policies: Arc<access::PolicyCache>,
}

impl AppState {
    /// The state for a store, with the system clock, default settings and full-strength
    /// password hashing.
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            clock: Arc::new(SystemClock),
            config: Arc::new(Config::default()),
            passwords: Passwords::default(),
            transports: Transports::default(),
            policies: Arc::default(),
        }
    }

    /// With another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppState {
        self.clock = clock;
        self
    }

    /// With other settings.
    pub fn with_config(mut self, config: Config) -> AppState {
        self.config = Arc::new(config);
        self
    }

    /// With other password hashing.
    pub fn with_passwords(mut self, passwords: Passwords) -> AppState {
        self.passwords = passwords;
        self
    }

    /// With ways for messages to go out.
    pub fn with_transports(mut self, transports: Transports) -> AppState {
        self.transports = transports;
        self
    }

    /// The current time in the schools' time zone.
    pub fn local_now(&self) -> jiff::Zoned {
        self.clock.now().to_zoned(self.config.time_zone.clone())
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api_router, _) = api::router().split_for_parts();
    Router::new()
        .merge(pages::router())
        .merge(auth::router())
        .merge(account::router())
        .merge(parents::router())
        .merge(assets::router())
        .merge(api_router)
        .route("/api/openapi.json", axum::routing::get(api::openapi_json))
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .layer(axum::extract::DefaultBodyLimit::max(limits::BODY_LIMIT))
        .layer(CsrfLayer::new())
        .layer(axum::middleware::from_fn(requestlog::log_request))
        .layer(axum::middleware::from_fn_with_state(
            state.config.https(),
            hardening::headers,
        ))
        .with_state(state)
}

/// The process is up (for a supervisor's liveness check).
async fn healthz() -> &'static str {
    "ok\n"
}

/// The process can serve: its database answers (for a load balancer's readiness check).
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, AppError> {
    state.store.ready().await?;
    Ok("ready\n")
}

/// Serves the application on a listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
