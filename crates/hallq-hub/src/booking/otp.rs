//! One-time codes (验证码) at the hub: the sender `[booking] otp` chooses. The codes' guard
//! and the demo's sender are shared with HQ (hallq-booking's `web::otp`).
//!
//! [`SmsOtpSender`] (`"sms"`, the default) sends the code by SMS through `[notify]`'s channel
//! (SMPP 3.4 or the webhook, hallq-notify's [`SmsChannel::send_sms`]); [`LogOtpSender`]
//! (`"log"`) is the demo's.

use hallq_notify::SmsChannel;
use hallq_proto::Phone;
use serde::Deserialize;

pub use hallq_booking::web::otp::{
    LogOtpSender, OtpError, OtpGuard, OtpLimits, OtpSender, take_demo_code,
};

/// Which sender `[booking] otp` chooses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtpChoice {
    /// By SMS through `[notify]`'s channel (`[notify.smpp]` or `[notify.webhook]`).
    #[default]
    Sms,
    /// The demo's: the code only in the hub's log. Not for a hall.
    Log,
}

/// The hall's sender: one SMS per code through the SMS channel of `[notify]`, one attempt
/// (the customer, who is waiting on the page, asks again; a retry minutes later would bring a
/// code the page has given up on). The code is never logged; the number only masked.
#[derive(Debug)]
pub struct SmsOtpSender {
    channel: SmsChannel,
    /// The hall's short name, the SMS's signature.
    hall: String,
    /// A code's life, in minutes, as the text says it.
    valid_min: u32,
}

impl SmsOtpSender {
    /// A sender over `channel`, signing with `hall`, for codes living `ttl_secs`.
    pub fn new(channel: SmsChannel, hall: String, ttl_secs: u32) -> Self {
        Self {
            channel,
            hall,
            valid_min: ttl_secs / 60,
        }
    }
}

#[async_trait::async_trait]
impl OtpSender for SmsOtpSender {
    async fn send(&self, phone: &Phone, code: &str) -> Result<(), String> {
        let text = hallq_notify::text::otp_text(&self.hall, code, self.valid_min);
        // SendError's texts name no number (hallq-notify's rule).
        self.channel
            .send_sms(phone.expose(), &text)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(to = %phone.masked(), "one-time code sent by SMS / 验证码短信已发送");
        Ok(())
    }
}
