//! A resolved complaint's written result, by SMS to the number the complainant left (issue 16
//! §2, docs/notify.md): the hall code asks that the customer be told the cause, the solution,
//! the compensation if any and the follow-up promise, in writing or by SMS.
//!
//! The writer owns a [`ResultSms`]: after each committed batch, every `complaint_resolved` with
//! a written result whose case has a sealed call-back number is handed, with the number unsealed
//! for that send only, to [`run_sender`] over a channel the writer never waits on. The sender
//! tries it on the `[notify]` SMS channel with the section's retries and reports every attempt
//! back to the writer ([`Input::ComplaintResult`](crate::writer::Input::ComplaintResult)),
//! which journals it as `complaint_result_sent`: time, case, channel, attempt, result, never the
//! number.
//!
//! What the journal says of each case is kept in a [`Ledger`] (crate::complaint_ledger):
//! - a result whose tries all failed is listed in `state/complaints` (`undelivered`) for the
//!   supervisor's console, red, with whether the number is still sealed; the console's resend
//!   (`complaint_result_resend`, journaled) starts a new round here after its commit;
//! - a hub stopped during the retries (attempts journaled, none the last) tries again when it
//!   starts, with the attempts left ([`ResultSms::resume`]); a result delivered or failed for
//!   good is not sent again.
//!
//! At least once, not at most once: an attempt the gateway accepted is journaled only when its
//! report reaches the writer, so a hub killed between the two sends that result again after its
//! restart, and the customer may get the same SMS twice. That is the right side to err on: the
//! hall code asks that the customer be told the result, a second identical SMS costs a few fen
//! and an apology at worst, while a result lost silently leaves a complaint the customer was
//! never told the end of — the very thing the receipt promised. A hub stopped before the first
//! attempt's report (the window of one send) journaled nothing for the case, and does not send
//! it: this ledger cannot tell it from a case resolved while the hall had no SMS channel.

use std::sync::Arc;

use hallq_notify::{ChannelKind, RetryPolicy, SendError, SmsChannel};
use hallq_proto::{ComplaintAnswer, ComplaintId, LocalText, Timestamp};
use hallq_queue::{Event, EventKind};
use tokio::sync::mpsc;

pub use crate::complaint_ledger::Ledger;

/// One written result for the sender. `Debug` never shows the number.
pub struct Job {
    /// The case.
    pub complaint: ComplaintId,
    /// The complainant's number, unsealed for this send only.
    pub phone: String,
    /// The text.
    pub text: String,
    /// Attempts of this round already journaled (a resumed round's count goes on from them).
    pub tried: u32,
    /// Attempts left for this round.
    pub attempts: u32,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("complaint", &self.complaint)
            .field("phone", &"***")
            .finish_non_exhaustive()
    }
}

/// One attempt's result, from the sender back to the writer.
#[derive(Debug, Clone)]
pub struct Report {
    /// The case.
    pub complaint: ComplaintId,
    /// The channel.
    pub channel: ChannelKind,
    /// 1-based; 0 for a send that could not start (the number does not open).
    pub attempt: u32,
    /// Sent, or why not.
    pub result: Result<(), SendError>,
    /// The attempt that ended the tries.
    pub last: bool,
}

impl Report {
    /// The attempt as its journal event.
    pub fn event(self, now: Timestamp) -> Event {
        Event {
            at_ms: now,
            kind: EventKind::ComplaintResultSent {
                complaint: self.complaint,
                channel: self.channel.as_str().into(),
                attempt: self.attempt,
                result: if self.result.is_ok() {
                    "sent"
                } else {
                    "failed"
                }
                .into(),
                error: self.result.err().map(|e| e.to_string()),
                last: self.last,
            },
        }
    }
}

/// The writer's side: where the jobs go, and the results owed to the next commit.
#[derive(Debug)]
pub struct ResultSms {
    jobs: mpsc::UnboundedSender<Job>,
    channel: ChannelKind,
    /// A number that would not open: journaled at the next commit.
    pending: Vec<Event>,
    /// Where each case's result stands, from the journal.
    ledger: Ledger,
    /// Attempts in a round (`[notify.retry] attempts`).
    attempts: u32,
}

/// What a number lookup found for a case. `Debug` never shows the number.
pub enum Contact {
    /// No number was left: nothing to send, nothing to journal.
    None,
    /// The number.
    Open(String),
    /// A number was left but does not open (another key) or was purged.
    Unavailable,
}

impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "None",
            Self::Open(_) => "Open(***)",
            Self::Unavailable => "Unavailable",
        })
    }
}

impl ResultSms {
    /// Sends to `jobs` over `channel`, `attempts` tries a round, knowing what `ledger` (the
    /// journal's) says of each case.
    pub fn new(
        jobs: mpsc::UnboundedSender<Job>,
        channel: ChannelKind,
        attempts: u32,
        ledger: Ledger,
    ) -> Self {
        Self {
            jobs,
            channel,
            pending: Vec::new(),
            ledger,
            attempts: attempts.max(1),
        }
    }

    /// What the journal says of each case.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// At start: each case whose round a stop cut short is tried again with the attempts left
    /// (at least one). One whose number no longer opens ends as failed at the next commit.
    pub fn resume(
        &mut self,
        hall: &LocalText,
        now: Timestamp,
        mut contact: impl FnMut(&ComplaintId) -> Contact,
    ) {
        for (complaint, tried) in self.ledger.interrupted() {
            let Some(answer) = self.ledger.answer(&complaint).cloned() else {
                continue;
            };
            tracing::info!(%complaint, tried, "a complaint result's SMS was cut short by a stop: trying again");
            let attempts = self.attempts.saturating_sub(tried).max(1);
            self.start(
                &complaint,
                &answer,
                hall,
                now,
                tried,
                attempts,
                &mut contact,
            );
        }
    }

    /// One round for `complaint`: its number looked up, the job sent, or (no number) its end
    /// owed to the next commit.
    #[allow(clippy::too_many_arguments, reason = "one private step of two callers")]
    fn start(
        &mut self,
        complaint: &ComplaintId,
        answer: &ComplaintAnswer,
        hall: &LocalText,
        now: Timestamp,
        tried: u32,
        attempts: u32,
        contact: &mut impl FnMut(&ComplaintId) -> Contact,
    ) {
        let phone = match contact(complaint) {
            Contact::None => {
                self.ledger.forget(complaint);
                return;
            }
            Contact::Open(p) => p,
            Contact::Unavailable => {
                self.pending.push(
                    Report {
                        complaint: complaint.clone(),
                        channel: self.channel,
                        attempt: tried,
                        result: Err(SendError::NoNumber),
                        last: true,
                    }
                    .event(now),
                );
                return;
            }
        };
        let text = hallq_notify::text::complaint_result_text(&hall.zh, complaint.as_str(), answer);
        let job = Job {
            complaint: complaint.clone(),
            phone,
            text,
            tried,
            attempts,
        };
        if self.jobs.send(job).is_err() {
            tracing::error!(%complaint, "the result sender has stopped; result not sent");
        }
    }

    /// The results whose SMS failed for good, for `state/complaints`; `sealed` says whether a
    /// case's number is still held.
    pub fn undelivered(
        &self,
        mut sealed: impl FnMut(&ComplaintId) -> bool,
    ) -> Vec<hallq_proto::state::UndeliveredResult> {
        self.ledger
            .undelivered()
            .into_iter()
            .map(|(complaint, at)| hallq_proto::state::UndeliveredResult {
                resendable: sealed(&complaint),
                complaint,
                failed_at_ms: at,
            })
            .collect()
    }

    /// After a committed batch of `events`: each case resolved with a written result gets it
    /// by SMS if `contact` finds its number, and so does each case a resend was asked for.
    pub fn after_commit(
        &mut self,
        events: &[Event],
        hall: &LocalText,
        now: Timestamp,
        mut contact: impl FnMut(&ComplaintId) -> Contact,
    ) {
        for e in events {
            self.ledger.apply(e);
        }
        let attempts = self.attempts;
        for (complaint, answer) in resolved(events) {
            self.start(complaint, answer, hall, now, 0, attempts, &mut contact);
        }
        for complaint in events.iter().filter_map(|e| match &e.kind {
            EventKind::ComplaintResultResend { complaint, .. } => Some(complaint),
            _ => None,
        }) {
            let Some(answer) = self.ledger.answer(complaint).cloned() else {
                tracing::error!(%complaint, "a resend without a written result; nothing sent");
                continue;
            };
            self.start(complaint, &answer, hall, now, 0, attempts, &mut contact);
        }
    }

    /// Events owed to the journal from the last [`ResultSms::after_commit`].
    pub fn take_pending(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.pending)
    }
}

/// Each case resolved in `events` with a written result.
pub fn resolved(events: &[Event]) -> impl Iterator<Item = (&ComplaintId, &ComplaintAnswer)> {
    events.iter().filter_map(|e| match &e.kind {
        EventKind::ComplaintResolved {
            complaint,
            answer: Some(answer),
            ..
        } => Some((complaint, answer)),
        _ => None,
    })
}

/// The sender: takes each job, tries it with the job's attempts (the policy's pauses) on its own
/// task, and reports every attempt through `report`, counted on from the job's `tried`.
pub async fn run_sender(
    mut jobs: mpsc::UnboundedReceiver<Job>,
    sms: Arc<SmsChannel>,
    policy: RetryPolicy,
    report: impl Fn(Report) + Send + Sync + 'static,
) {
    use hallq_notify::NoticeChannel as _;
    let report = Arc::new(report);
    while let Some(job) = jobs.recv().await {
        let (sms, report) = (Arc::clone(&sms), Arc::clone(&report));
        tokio::spawn(async move {
            let channel = sms.kind();
            let Job {
                complaint,
                phone,
                text,
                tried,
                attempts,
            } = job;
            let policy = RetryPolicy { attempts, ..policy };
            hallq_notify::retry(
                policy,
                || sms.send_sms(&phone, &text),
                |a| {
                    if let Err(e) = &a.result {
                        tracing::warn!(%complaint, attempt = a.attempt, error = %e, "complaint result not sent / 投诉处理结果短信发送失败");
                    }
                    report(Report {
                        complaint: complaint.clone(),
                        channel,
                        attempt: tried + a.attempt,
                        result: a.result.clone(),
                        last: a.last,
                    });
                },
            )
            .await;
        });
    }
}
