//! `rollcall serve`: the web application, and on first run with `--demo`, a demo school.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use rollcall_store::Store;
use rollcall_web::{AppState, Config, HttpSms, Passwords, Smtp, Transports};

use crate::admin::{open, redact};

#[derive(Args)]
pub struct ServeArgs {
    /// The database: sqlite:PATH or postgres://... (default: a SQLite file in --data-dir).
    #[arg(long, value_name = "URL", env = "ROLLCALL_DB")]
    db: Option<String>,
    /// Where the SQLite database is kept when --db is not given.
    #[arg(long, value_name = "DIR", default_value = "rollcall-data")]
    data_dir: PathBuf,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// On first run, create a demo school, with today in term, and staff to sign in as.
    #[arg(long)]
    demo: bool,
    /// The address people reach rollcall at, for links in emails (default: http://LISTEN): an
    /// https:// one behind a proxy that ends TLS (cookies are then Secure, with HSTS), or plain
    /// http on this machine only.
    #[arg(long, value_name = "URL", env = "ROLLCALL_PUBLIC_URL")]
    public_url: Option<String>,
    /// The SMTP server emails go through, host:port (a relay that adds TLS if it is needed).
    #[arg(long, value_name = "HOST:PORT", env = "ROLLCALL_SMTP")]
    smtp: Option<String>,
    /// Who emails come from.
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "ROLLCALL_MAIL_FROM",
        default_value = "rollcall <rollcall@localhost>"
    )]
    mail_from: String,
    /// The SMS provider's HTTP endpoint texts are posted to.
    #[arg(long, value_name = "URL", env = "ROLLCALL_SMS_URL")]
    sms_url: Option<String>,
    /// The SMS provider's bearer token.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "ROLLCALL_SMS_TOKEN",
        hide_env_values = true
    )]
    sms_token: Option<String>,
}

/// The ways messages go out, from the settings; without them, messages wait in the outbox.
fn transports(args: &ServeArgs) -> anyhow::Result<Transports> {
    let mut transports = Transports::default();
    if let Some(server) = &args.smtp {
        transports.email = Some(Arc::new(
            Smtp::new(server, &args.mail_from).context("--smtp")?,
        ));
    }
    if let Some(url) = &args.sms_url {
        transports.sms = Some(Arc::new(
            HttpSms::new(url, args.sms_token.clone()).context("--sms-url")?,
        ));
    }
    Ok(transports)
}

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    crate::runtime()?.block_on(async {
        let url = args.db.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                args.data_dir.join("rollcall.sqlite").display()
            )
        });
        let store: Arc<dyn Store> = Arc::new(open(&url).await?);
        let passwords = Passwords::default();
        let demo = if args.demo {
            Some(crate::demo_school::seed_demo(store.as_ref(), &passwords).await?)
        } else {
            None
        };
        let config = Config {
            public_url: args
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", args.listen)),
            ..Config::default()
        };
        config
            .check_public_url()
            .map_err(anyhow::Error::msg)
            .context("--public-url")?;
        let state = AppState::new(store)
            .with_config(config)
            .with_passwords(passwords)
            .with_transports(transports(args)?);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        println!("rollcall is serving {} at http://{address}", redact(&url));
        if args.smtp.is_none() || args.sms_url.is_none() {
            println!("Messages without --smtp or --sms-url wait in the outbox until one is given.");
        }
        if let Some(demo) = demo {
            println!("{demo}");
        }
        println!("Stop it with Ctrl-C.");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let scheduler = tokio::spawn(rollcall_web::run_scheduler(state.clone()));
        let served = rollcall_web::serve(listener, state, shutdown).await;
        scheduler.abort();
        served.context("the server stopped")
    })
}
