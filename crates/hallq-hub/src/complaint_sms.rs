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
//! number. A hub stopped during the retries does not send again after its restart: the case's
//! journal then shows no last attempt, and the supervisor tells the customer by phone.

use std::sync::Arc;

use hallq_notify::{ChannelKind, RetryPolicy, SendError, SmsChannel};
use hallq_proto::{ComplaintAnswer, ComplaintId, LocalText, Timestamp};
use hallq_queue::{Event, EventKind};
use tokio::sync::mpsc;

/// One written result for the sender. `Debug` never shows the number.
pub struct Job {
    /// The case.
    pub complaint: ComplaintId,
    /// The complainant's number, unsealed for this send only.
    pub phone: String,
    /// The text.
    pub text: String,
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
    /// Sends to `jobs` over `channel`.
    pub fn new(jobs: mpsc::UnboundedSender<Job>, channel: ChannelKind) -> Self {
        Self {
            jobs,
            channel,
            pending: Vec::new(),
        }
    }

    /// After a committed batch of `events`: each case resolved with a written result gets it
    /// by SMS if `contact` finds its number.
    pub fn after_commit(
        &mut self,
        events: &[Event],
        hall: &LocalText,
        now: Timestamp,
        mut contact: impl FnMut(&ComplaintId) -> Contact,
    ) {
        for (complaint, answer) in resolved(events) {
            let phone = match contact(complaint) {
                Contact::None => continue,
                Contact::Open(p) => p,
                Contact::Unavailable => {
                    self.pending.push(
                        Report {
                            complaint: complaint.clone(),
                            channel: self.channel,
                            attempt: 0,
                            result: Err(SendError::NoNumber),
                            last: true,
                        }
                        .event(now),
                    );
                    continue;
                }
            };
            let text =
                hallq_notify::text::complaint_result_text(&hall.zh, complaint.as_str(), answer);
            let job = Job {
                complaint: complaint.clone(),
                phone,
                text,
            };
            if self.jobs.send(job).is_err() {
                tracing::error!(%complaint, "the result sender has stopped; result not sent");
            }
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

/// The sender: takes each job, tries it with the policy's retries on its own task, and reports
/// every attempt through `report`.
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
            } = job;
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
                        attempt: a.attempt,
                        result: a.result.clone(),
                        last: a.last,
                    });
                },
            )
            .await;
        });
    }
}
