//! Delivery: one interface, two ways out. Email goes to an SMTP server (the school's or trust's
//! relay); texts go to an SMS provider's HTTP API. Both are reached over a private network or
//! loopback: rollcall speaks plain SMTP and HTTP, and a relay or proxy beside it adds TLS.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jiff::SignedDuration;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SendError {
    /// It may go later: the server was down or busy.
    #[error("{0}")]
    Transient(String),
    /// It never will: the address or number was refused.
    #[error("{0}")]
    Permanent(String),
}

/// A way to send a message.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends one message; the provider's reference for it, if it gives one.
    async fn send(
        &self,
        to: &str,
        subject: Option<&str>,
        body: &str,
    ) -> Result<Option<String>, SendError>;
}

/// How long to wait before trying a message again, after `attempts` tries have failed; `None`
/// when it is time to give up. A first-day text matters within the hour, so the first retries
/// come quickly.
pub fn retry_after(attempts: u32) -> Option<SignedDuration> {
    match attempts {
        0 | 1 => Some(SignedDuration::from_mins(1)),
        2 => Some(SignedDuration::from_mins(5)),
        3 => Some(SignedDuration::from_mins(30)),
        4 => Some(SignedDuration::from_hours(2)),
        _ => None,
    }
}

/// Email through an SMTP server.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// A server at `host:port`, sending from `from` ("Beecroft Primary <office@...>").
    pub fn new(server: &str, from: &str) -> Result<Smtp, SendError> {
        let (host, port) = server
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
            .ok_or_else(|| SendError::Permanent(format!("{server:?} is not host:port")))?;
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("the sender {from:?}: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(Smtp { transport, from })
    }
}

#[async_trait]
impl Transport for Smtp {
    async fn send(
        &self,
        to: &str,
        subject: Option<&str>,
        body: &str,
    ) -> Result<Option<String>, SendError> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("{to:?} is not an email address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject.unwrap_or_default())
            .body(body.to_owned())
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        match self.transport.send(message).await {
            Ok(response) => Ok(response.message().next().map(str::to_owned)),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

/// Texts through an SMS provider's HTTP API: a JSON `POST` of `{"to", "body"}` with a bearer
/// token; a 2xx answer is accepted (its JSON `id` kept as the reference), a 4xx is a refusal,
/// anything else is tried again later.
pub struct HttpSms {
    url: hyper::Uri,
    token: Option<String>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpSms {
    /// The provider's endpoint (`http://...`) and token.
    pub fn new(url: &str, token: Option<String>) -> Result<HttpSms, SendError> {
        let url: hyper::Uri = url
            .parse()
            .map_err(|e| SendError::Permanent(format!("{url:?} is not a URL: {e}")))?;
        if url.scheme_str() != Some("http") {
            return Err(SendError::Permanent(format!(
                "{url} is not an http:// URL: reach an https provider through a local proxy"
            )));
        }
        Ok(HttpSms {
            url,
            token,
            client: Client::builder(TokioExecutor::new()).build_http(),
        })
    }
}

#[async_trait]
impl Transport for HttpSms {
    async fn send(
        &self,
        to: &str,
        _subject: Option<&str>,
        body: &str,
    ) -> Result<Option<String>, SendError> {
        let payload = serde_json::json!({ "to": to, "body": body }).to_string();
        let mut request = hyper::Request::post(self.url.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json");
        if let Some(token) = &self.token {
            request = request.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        let response = tokio::time::timeout(Duration::from_secs(30), self.client.request(request))
            .await
            .map_err(|_| SendError::Transient("the SMS provider did not answer in 30 s".into()))?
            .map_err(|e| SendError::Transient(format!("the SMS provider: {e}")))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        if status.is_success() {
            let reference = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.get("id")
                        .map(|id| id.as_str().map_or(id.to_string(), str::to_owned))
                });
            Ok(reference)
        } else if status.is_client_error() {
            Err(SendError::Permanent(format!(
                "the SMS provider refused it ({status}): {text}"
            )))
        } else {
            Err(SendError::Transient(format!(
                "the SMS provider failed ({status}): {text}"
            )))
        }
    }
}

/// The ways out a deployment has; a message whose way is not set up waits in the outbox.
#[derive(Clone, Default)]
pub struct Transports {
    /// Email.
    pub email: Option<Arc<dyn Transport>>,
    /// Texts.
    pub sms: Option<Arc<dyn Transport>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_gives_up() {
        let mins = |n: u32| retry_after(n).map(|d| d.as_mins());
        assert_eq!(
            (1..=6).map(mins).collect::<Vec<_>>(),
            [Some(1), Some(5), Some(30), Some(120), None, None]
        );
    }

    #[test]
    fn settings_are_checked() {
        assert!(Smtp::new("localhost", "Office <office@example.org>").is_err());
        assert!(Smtp::new("localhost:25", "not an address").is_err());
        assert!(Smtp::new("localhost:25", "Office <office@example.org>").is_ok());
        assert!(HttpSms::new("https://sms.example/send", None).is_err());
        assert!(HttpSms::new("http://127.0.0.1:9/send", None).is_ok());
    }
}
