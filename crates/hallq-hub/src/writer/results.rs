//! The writer's side of complaints' written results by SMS (crate::complaint_sms, issue 16 §2):
//! the sender set up with the journal's ledger (resuming what a stop cut short), each committed
//! batch's resolutions and resends handed to it, `state/complaints`' undelivered results, and
//! `complaint_result_resend` decided.
//!
//! The resend is decided here in the single writer like every command, deduplicated by its
//! command id before it gets here (a redelivery gets the first answer and sends nothing twice);
//! its event, `complaint_result_resend`, starts a new round once committed, and a restart
//! resumes that round as it does any other.

use super::*;

impl Writer {
    /// Sends complaints' written results by SMS from now on, `attempts` tries a round; first
    /// again each one a stop cut short (crate::complaint_ledger).
    pub fn set_result_sms(
        &mut self,
        jobs: tokio::sync::mpsc::UnboundedSender<crate::complaint_sms::Job>,
        channel: hallq_notify::ChannelKind,
        attempts: u32,
    ) -> Result<(), WriterError> {
        let ledger = crate::complaint_sms::Ledger::replay(&self.journal.replay()?);
        let mut sms = crate::complaint_sms::ResultSms::new(jobs, channel, attempts, ledger);
        let now = self.clock.now();
        let (journal, vault) = (&self.journal, &self.vault);
        sms.resume(&self.config.hall.name, now, |c| contact(journal, vault, c));
        self.result_sms = Some(sms);
        self.publish_undelivered();
        Ok(())
    }

    /// After a committed batch: each complaint it resolved with a written result (or asked to
    /// resend) goes to the complainant's number, unsealed for that send only.
    pub(super) fn results_after(&mut self, events: &[Event], now: Timestamp) {
        let Some(sms) = &mut self.result_sms else {
            return;
        };
        let (journal, vault) = (&self.journal, &self.vault);
        sms.after_commit(events, &self.config.hall.name, now, |c| {
            contact(journal, vault, c)
        });
        self.publish_undelivered();
    }

    /// `state/complaints`' undelivered results, as the ledger and the vault have them now.
    fn publish_undelivered(&mut self) {
        let Some(sms) = &self.result_sms else {
            return;
        };
        let journal = &self.journal;
        let undelivered = sms.undelivered(|c| {
            journal
                .personal(PersonalKind::ComplaintContact, c.as_str())
                .is_ok_and(|s| s.is_some())
        });
        self.publisher.set_undelivered(undelivered);
    }

    /// `complaint_result_resend`: allowed when `complaint`'s result SMS failed for good and
    /// the number is still sealed. Returns the reply and the event.
    pub(super) fn resend_result(
        &mut self,
        dev: &crate::config::DeviceConfig,
        complaint: &hallq_proto::ComplaintId,
        id: &CommandId,
        now: Timestamp,
    ) -> Result<(String, Vec<Event>, Option<Sealed>), ErrorInfo> {
        let undelivered = self
            .result_sms
            .as_ref()
            .is_some_and(|sms| sms.ledger().is_undelivered(complaint));
        if !undelivered {
            return Err(ErrorInfo::new(ErrorCode::NoUndeliveredResult)
                .with_detail(format!("complaint {complaint} has no failed result SMS")));
        }
        match self
            .journal
            .personal(PersonalKind::ComplaintContact, complaint.as_str())
        {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(ErrorInfo::new(ErrorCode::ContactPurged)
                    .with_detail(format!("complaint {complaint}: the number was purged")));
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read a sealed number");
                return Err(ErrorInfo::new(ErrorCode::Internal));
            }
        }
        let event = Event {
            at_ms: now,
            kind: EventKind::ComplaintResultResend {
                complaint: complaint.clone(),
                by: dev.id.to_string(),
            },
        };
        let reply = Reply::ok(id.clone(), now, ReplyResult::Done).to_json();
        Ok((reply, vec![event], None))
    }
}

/// A complainant's number, unsealed for one send. Never logged.
fn contact(
    journal: &Journal,
    vault: &Vault,
    complaint: &hallq_proto::ComplaintId,
) -> crate::complaint_sms::Contact {
    use crate::complaint_sms::Contact;
    let sealed = match journal.personal(PersonalKind::ComplaintContact, complaint.as_str()) {
        Ok(Some(s)) => s,
        Ok(None) => return Contact::None,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a sealed number");
            return Contact::Unavailable;
        }
    };
    match vault.open(&sealed) {
        Ok(phone) => Contact::Open(phone),
        Err(e) => {
            tracing::error!(error = %e, %complaint, "a sealed number does not open");
            Contact::Unavailable
        }
    }
}
