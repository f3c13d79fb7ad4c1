//! The channels a notice goes out on, behind one interface.
//!
//! - [`SmsChannel`]: SMS through the operator's gateway, over SMPP 3.4 ([`crate::smpp`]) or a
//!   plain HTTPS webhook ([`crate::webhook`]). [`SmsChannel::send_sms`] is also there for other
//!   parts that need one text to one number (appointments' one-time codes).
//! - The live ticket page (web push, the page itself) belongs to the phone page: it implements
//!   [`NoticeChannel`] with [`ChannelKind::Page`] and gets the notice without any number.

use hallq_proto::TicketId;
use serde::{Deserialize, Serialize};

use crate::rule::NoticeKind;

/// Which channel, as the journal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// SMS over SMPP 3.4.
    Smpp,
    /// SMS over the HTTPS webhook.
    Webhook,
    /// The live ticket page (the phone page's channel).
    Page,
}

impl ChannelKind {
    /// As in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smpp => "smpp",
            Self::Webhook => "webhook",
            Self::Page => "page",
        }
    }
}

/// One notice to deliver. `Debug` never shows the number.
#[derive(Clone)]
pub struct Outgoing {
    /// The ticket it is for.
    pub ticket: TicketId,
    /// Which notice.
    pub kind: NoticeKind,
    /// The customer's mobile number, unsealed only for this send; `None` for the page channel.
    pub phone: Option<String>,
    /// The text.
    pub text: String,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("ticket", &self.ticket)
            .field("kind", &self.kind)
            .field("phone", &self.phone.as_ref().map(|_| "***"))
            .field("text", &self.text)
            .finish()
    }
}

/// Why one attempt failed. The texts name no number; the supervisor reads them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The gateway could not be reached.
    #[error("SMS gateway unreachable: {0} / 短信网关无法连接")]
    Unreachable(String),
    /// The gateway did not accept the bind or the login in time.
    #[error("SMS gateway refused the login: {0} / 短信网关拒绝登录")]
    Bind(String),
    /// The gateway refused the message.
    #[error("SMS gateway refused the message: {0} / 短信网关拒收")]
    Refused(String),
    /// No answer in time.
    #[error("SMS gateway did not answer in time / 短信网关无应答")]
    Timeout,
    /// An SMS channel was given a notice without a number.
    #[error("no mobile number for this notice / 无手机号")]
    NoNumber,
}

/// A channel a notice can go out on.
#[async_trait::async_trait]
pub trait NoticeChannel: Send + Sync + std::fmt::Debug {
    /// Which channel this is.
    fn kind(&self) -> ChannelKind;
    /// One attempt to deliver `notice`.
    async fn deliver(&self, notice: &Outgoing) -> Result<(), SendError>;
}

/// SMS through the operator's gateway.
#[derive(Debug)]
pub enum SmsChannel {
    /// SMPP 3.4.
    Smpp(crate::smpp::SmppChannel),
    /// An HTTPS (or HTTP) webhook.
    Webhook(crate::webhook::WebhookChannel),
}

impl SmsChannel {
    /// One text to one number, one attempt.
    pub async fn send_sms(&self, number: &str, text: &str) -> Result<(), SendError> {
        match self {
            Self::Smpp(c) => c.send_sms(number, text).await,
            Self::Webhook(c) => c.send_sms(number, text, None).await,
        }
    }
}

#[async_trait::async_trait]
impl NoticeChannel for SmsChannel {
    fn kind(&self) -> ChannelKind {
        match self {
            Self::Smpp(_) => ChannelKind::Smpp,
            Self::Webhook(_) => ChannelKind::Webhook,
        }
    }

    async fn deliver(&self, notice: &Outgoing) -> Result<(), SendError> {
        let number = notice.phone.as_deref().ok_or(SendError::NoNumber)?;
        match self {
            Self::Smpp(c) => c.send_sms(number, &notice.text).await,
            Self::Webhook(c) => c.send_sms(number, &notice.text, Some(notice)).await,
        }
    }
}
