//! SMS over SMPP 3.4, the gateways' standard protocol, with the `smpp34` crate's codec and
//! client (bind, timers, `submit_sm`).
//!
//! One session per message: bind as a transmitter, submit, unbind. A hall sends a few hundred
//! notices a day at most, and a session kept open would need its own watchdog for a gateway that
//! drops idle binds; a fresh bind per message has none of that and fails where it can be retried.
//!
//! Texts go as UCS-2 (`data_coding` 8), which every gateway takes for Chinese; up to 70
//! characters in `short_message`, longer ones in the `message_payload` parameter.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use smpp34::TlvTag;
use smpp34::client::{BIND_TYPE, SMSC, SmppClient, SmppClientListener};
use tokio::sync::{Mutex, oneshot};

use crate::channel::SendError;

/// `[notify.smpp]` of hall.toml. `Debug` never shows the password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmppConfig {
    /// The gateway's host.
    pub host: String,
    /// Its port (2775 is SMPP's usual one).
    #[serde(default = "default_port")]
    pub port: u16,
    /// The hall's account at the gateway.
    pub system_id: String,
    /// Its password.
    pub password: String,
    /// The sender address (the hall's service number).
    pub source_addr: String,
    /// Seconds to wait for the bind and for each answer.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_port() -> u16 {
    2775
}

fn default_timeout() -> u64 {
    10
}

impl std::fmt::Debug for SmppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmppConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("system_id", &self.system_id)
            .field("password", &"***")
            .field("source_addr", &self.source_addr)
            .finish()
    }
}

/// UCS-2 characters that fit in `short_message` (140 bytes).
const SHORT_CHARS: usize = 70;

/// SMPP's data coding for UCS-2.
const UCS2: u8 = 8;

/// The SMPP channel.
#[derive(Debug, Clone)]
pub struct SmppChannel {
    config: SmppConfig,
}

/// What the bind came to.
type Bound = Result<SMSC, SendError>;

/// Hands the bound session (or why there is none) to the waiting sender.
struct Binder {
    tx: Mutex<Option<oneshot::Sender<Bound>>>,
}

impl Binder {
    async fn tell(&self, b: Bound) {
        if let Some(tx) = self.tx.lock().await.take() {
            let _ = tx.send(b);
        }
    }
}

#[async_trait::async_trait]
impl SmppClientListener for Binder {
    async fn on_smsc_bound(&self, smsc: SMSC, _: &String) {
        self.tell(Ok(smsc)).await;
    }
    async fn on_smsc_unbound(&self, _: &String) {
        self.tell(Err(SendError::Bind(
            "the gateway closed the session".into(),
        )))
        .await;
    }
    async fn on_connection_failed(&self, error: &str) {
        self.tell(Err(SendError::Unreachable(error.to_owned())))
            .await;
    }
}

impl SmppChannel {
    /// A channel to the gateway of `config`.
    pub fn new(config: SmppConfig) -> Self {
        Self { config }
    }

    /// One text to one number: bind, submit, unbind.
    pub async fn send_sms(&self, number: &str, text: &str) -> Result<(), SendError> {
        let c = &self.config;
        let wait = Duration::from_secs(c.timeout_secs.max(1));
        let (tx, rx) = oneshot::channel();
        let binder = Arc::new(Binder {
            tx: Mutex::new(Some(tx)),
        });
        let ms = wait.as_millis().try_into().unwrap_or(u64::MAX);
        let mut client = SmppClient::new_with_default_timers(
            c.host.clone(),
            c.port,
            false,
            BIND_TYPE::TX,
            c.system_id.clone(),
            c.password.clone(),
            String::new(),
            0,
            0,
            String::new(),
            binder,
            ms,     // session_init: the bind must be answered by then
            30_000, // enquire_link
            300_000,
            ms, // response
            1_500,
            10,
        );
        client.start().await;
        let smsc = match tokio::time::timeout(wait, rx).await {
            Ok(Ok(Ok(smsc))) => smsc,
            Ok(Ok(Err(e))) => {
                client.stop().await;
                return Err(e);
            }
            Ok(Err(_)) | Err(_) => {
                client.stop().await;
                return Err(SendError::Bind("no bind_transmitter_resp in time".into()));
            }
        };
        let units: Vec<u16> = text.encode_utf16().collect();
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        let builder = smsc
            .submit_sm()
            .source_addr(c.source_addr.clone())
            .source_addr_ton(5) // alphanumeric or short code: the gateway's to map
            .destination_addr(number.to_owned())
            .dest_addr_ton(1) // international/national number as given
            .dest_addr_npi(1) // E.164
            .data_coding(UCS2);
        let builder = if units.len() <= SHORT_CHARS {
            builder.short_message(bytes)
        } else {
            builder.tlv(TlvTag::MessagePayload, bytes)
        };
        let sent = builder.send().await;
        let _ = smsc.send_unbind().await;
        client.stop().await;
        match sent {
            Ok(resp) if resp.is_success() => Ok(()),
            Ok(resp) => Err(SendError::Refused(format!(
                "submit_sm_resp status 0x{:08x}",
                resp.header.command_status
            ))),
            Err(e) => Err(SendError::Refused(format!("{e:?}"))),
        }
    }
}
