//! SMS over a plain HTTPS (or HTTP) webhook: the operator's or an aggregator's SMS API that
//! takes one JSON POST per message.
//!
//! The body: `{"to": "138…", "text": "…", "ticket": "…", "kind": "near"}` (`ticket` and `kind`
//! only for queue notices). The token goes in a configurable header. Any 2xx is sent; anything
//! else is a failure to retry.

use std::time::Duration;

use serde::Deserialize;

use crate::channel::{Outgoing, SendError};

/// `[notify.webhook]` of hall.toml. `Debug` never shows the token.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST (https://…; http:// for a gateway on the hall's own network).
    pub url: String,
    /// The token, sent as given in `token_header`.
    #[serde(default)]
    pub token: Option<String>,
    /// The header the token goes in (default `Authorization`).
    #[serde(default = "default_header")]
    pub token_header: String,
    /// Seconds to wait for an answer.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_header() -> String {
    "Authorization".into()
}

fn default_timeout() -> u64 {
    10
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("token_header", &self.token_header)
            .finish()
    }
}

/// The webhook channel.
#[derive(Debug, Clone)]
pub struct WebhookChannel {
    config: WebhookConfig,
    http: reqwest::Client,
}

/// Why the webhook channel could not be made.
#[derive(Debug, thiserror::Error)]
#[error("[notify.webhook]: {0} / 短信接口配置错误")]
pub struct WebhookConfigError(String);

impl WebhookChannel {
    /// A channel to the webhook of `config`.
    pub fn new(config: WebhookConfig) -> Result<Self, WebhookConfigError> {
        let url = reqwest::Url::parse(&config.url)
            .map_err(|e| WebhookConfigError(format!("url {:?}: {e}", config.url)))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(WebhookConfigError(format!(
                "url {:?} is neither https nor http",
                config.url
            )));
        }
        reqwest::header::HeaderName::from_bytes(config.token_header.as_bytes())
            .map_err(|_| WebhookConfigError(format!("bad header {:?}", config.token_header)))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()
            .map_err(|e| WebhookConfigError(e.to_string()))?;
        Ok(Self { config, http })
    }

    /// One text to one number; `notice` adds its ticket and kind to the body.
    pub async fn send_sms(
        &self,
        number: &str,
        text: &str,
        notice: Option<&Outgoing>,
    ) -> Result<(), SendError> {
        let mut body = serde_json::json!({ "to": number, "text": text });
        if let Some(n) = notice {
            body["ticket"] = n.ticket.as_str().into();
            body["kind"] = n.kind.as_str().into();
        }
        let mut req = self.http.post(&self.config.url).json(&body);
        if let Some(token) = &self.config.token {
            req = req.header(self.config.token_header.as_str(), token.as_str());
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                SendError::Timeout
            } else {
                // Without the URL: reqwest's text repeats it, and a query may carry a key.
                SendError::Unreachable(e.without_url().to_string())
            }
        })?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SendError::Refused(format!("HTTP {}", status.as_u16())))
        }
    }
}
