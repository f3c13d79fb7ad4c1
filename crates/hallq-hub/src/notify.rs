//! "Your turn is near" in the hub (docs/notify.md): `[notify]` of hall.toml, the rule run on
//! every change of the live queue, and the sender beside the writer.
//!
//! The writer owns a [`Notifier`]: after each committed batch it updates each watched ticket's
//! place from the engine and runs `hallq_notify::rule::decide`. A notice due is handed, with
//! the number unsealed for it and only for it, to [`run_sender`] over a channel the writer never
//! waits on; the sender tries it with retries and reports every attempt back to the writer as
//! [`Input::Notice`](crate::writer::Input::Notice), which journals it as `notice_sent` (no
//! number) and, after the last failed attempt, tells supervisors through `state/hub`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hallq_notify::rule::{Lead, Observation, Place, Watch, decide};
use hallq_notify::smpp::{SmppChannel, SmppConfig};
use hallq_notify::webhook::{WebhookChannel, WebhookConfig};
use hallq_notify::{
    ChannelKind, NoticeChannel, NoticeKind, Outgoing, RetryPolicy, SendError, SmsChannel,
};
use hallq_proto::state::{FailedNotice, NoticeFailures};
use hallq_proto::{BusinessCode, BusinessDay, Lang, TicketId, TicketNo, Timestamp};
use hallq_queue::{Engine, Event, EventKind, QueueConfig, TicketStatus};
use serde::Deserialize;
use tokio::sync::mpsc;

/// Which SMS channel `[notify]` uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelChoice {
    /// SMPP 3.4 (`[notify.smpp]`).
    #[default]
    Smpp,
    /// The HTTPS webhook (`[notify.webhook]`).
    Webhook,
}

/// One business type's own N and M.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessLead {
    /// N for this business type.
    pub people_ahead: Option<u32>,
    /// M for this business type.
    pub minutes: Option<u32>,
}

/// `[notify]` of hall.toml: off unless `enabled`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySection {
    /// Send notices at all (default false).
    pub enabled: bool,
    /// The SMS channel.
    pub channel: ChannelChoice,
    /// The SMPP gateway, for `channel = "smpp"`.
    pub smpp: Option<SmppConfig>,
    /// The webhook, for `channel = "webhook"`.
    pub webhook: Option<WebhookConfig>,
    /// N: "near" when at most this many people are ahead (default 3).
    pub people_ahead: u32,
    /// M: "near" when the estimated wait is at most this many minutes (default 10).
    pub minutes: u32,
    /// Minutes without a call of a queue before its estimate grows with the quiet (default 10).
    pub stall_after_min: u32,
    /// Attempts and pauses.
    pub retry: RetryPolicy,
    /// Per business type (by code): its own N and M.
    pub business: BTreeMap<String, BusinessLead>,
    /// The lead times the ticket page offers (`[notify.page]`; with `[phone]` on, whether or
    /// not `enabled`: the page is its own channel, no SMS).
    pub page: crate::page_notice::PageChoices,
}

impl Default for NotifySection {
    fn default() -> Self {
        let lead = Lead::default();
        Self {
            enabled: false,
            channel: ChannelChoice::Smpp,
            smpp: None,
            webhook: None,
            people_ahead: lead.people_ahead,
            minutes: lead.minutes,
            stall_after_min: lead.stall_after_min,
            retry: RetryPolicy::default(),
            business: BTreeMap::new(),
            page: crate::page_notice::PageChoices::default(),
        }
    }
}

impl NotifySection {
    /// The rule's thresholds for business type `b`.
    pub fn lead(&self, b: &BusinessCode) -> Lead {
        let own = self.business.get(b.as_str()).copied().unwrap_or_default();
        Lead {
            people_ahead: own.people_ahead.unwrap_or(self.people_ahead),
            minutes: own.minutes.unwrap_or(self.minutes),
            stall_after_min: self.stall_after_min,
        }
    }

    /// What is wrong with the section, in Chinese and English.
    pub fn check(&self, queue: &QueueConfig) -> Result<(), String> {
        for code in self.business.keys() {
            let known = BusinessCode::new(code.clone())
                .ok()
                .is_some_and(|c| queue.business(&c).is_some());
            if !known {
                return Err(format!(
                    "[notify.business.{code}]: no such business type in [queue] / 通知设置中的业务类型不存在"
                ));
            }
        }
        self.page.check()?;
        if self.retry.attempts == 0 {
            return Err("[notify.retry] attempts must be at least 1 / 重试次数至少为 1".into());
        }
        if self.enabled {
            self.channel().map(|_| ())?;
        }
        Ok(())
    }

    /// The configured SMS channel.
    pub fn channel(&self) -> Result<Arc<dyn NoticeChannel>, String> {
        Ok(Arc::new(self.sms_channel()?))
    }

    /// The configured SMS channel, for one text to one number (appointments' one-time codes
    /// use it whether notices are enabled or not).
    pub fn sms_channel(&self) -> Result<SmsChannel, String> {
        Ok(match self.channel {
            ChannelChoice::Smpp => SmsChannel::Smpp(SmppChannel::new(self.smpp.clone().ok_or(
                "[notify] channel = \"smpp\" needs [notify.smpp] (host, system_id, password, source_addr) / 短信通道为 SMPP 时须配置 [notify.smpp]",
            )?)),
            ChannelChoice::Webhook => SmsChannel::Webhook(
                WebhookChannel::new(self.webhook.clone().ok_or(
                    "[notify] channel = \"webhook\" needs [notify.webhook] (url) / 短信通道为 webhook 时须配置 [notify.webhook]",
                )?)
                .map_err(|e| e.to_string())?,
            ),
        })
    }
}

/// A notice for the sender.
#[derive(Debug)]
pub struct Job {
    /// The notice, number included.
    pub notice: Outgoing,
    /// The ticket's printed number, for the supervisor's line.
    pub number: TicketNo,
}

/// One attempt's result, from the sender back to the writer.
#[derive(Debug, Clone)]
pub struct Report {
    /// The ticket.
    pub ticket: TicketId,
    /// Its printed number.
    pub number: TicketNo,
    /// Which notice.
    pub kind: NoticeKind,
    /// The channel.
    pub channel: ChannelKind,
    /// 1-based.
    pub attempt: u32,
    /// Sent, or why not.
    pub result: Result<(), SendError>,
    /// The attempt that ended the tries.
    pub last: bool,
}

/// The writer's side: who is watched, and what was given up today.
#[derive(Debug)]
pub struct Notifier {
    /// Watched tickets, with the language of their notices.
    watches: HashMap<TicketId, (Watch, Lang)>,
    /// When each queue last had a call.
    last_call: HashMap<BusinessCode, Timestamp>,
    jobs: mpsc::UnboundedSender<Job>,
    channel: ChannelKind,
    /// Results the writer must journal at its next commit (a number that cannot be opened).
    pending: Vec<Event>,
    /// The day `failures` counts.
    day: Option<BusinessDay>,
    failures: Option<NoticeFailures>,
}

impl Notifier {
    /// A notifier sending to `jobs` over `channel`.
    pub fn new(jobs: mpsc::UnboundedSender<Job>, channel: ChannelKind) -> Self {
        Self {
            watches: HashMap::new(),
            last_call: HashMap::new(),
            jobs,
            channel,
            pending: Vec::new(),
            day: None,
            failures: None,
        }
    }

    /// Takes up today's journal at start: watched tickets, the notices they had, last calls.
    /// Restored watches count as seen: a ticket near by now is owed its notice.
    pub fn restore(&mut self, events: &[Event], engine: &Engine) {
        self.day = engine.day();
        self.learn(events, engine, true);
        for e in events {
            // The page's own notices (`crate::page_notice`) are not this SMS's.
            if let EventKind::NoticeSent {
                ticket,
                kind,
                channel,
                ..
            } = &e.kind
                && channel != "page"
                && let Some((w, _)) = self.watches.get_mut(ticket)
            {
                match kind.as_str() {
                    "near" => w.near = true,
                    _ => w.called = true,
                }
            }
        }
    }

    fn learn(&mut self, events: &[Event], engine: &Engine, seen: bool) {
        for e in events {
            match &e.kind {
                EventKind::TicketIssued {
                    ticket,
                    notify: true,
                    lang,
                    ..
                } => {
                    let watch = Watch {
                        seen,
                        ..Watch::default()
                    };
                    self.watches.insert(ticket.clone(), (watch, *lang));
                }
                EventKind::TicketCalled { ticket, .. } => {
                    if let Some(t) = engine.ticket(ticket) {
                        self.last_call.insert(t.business.clone(), e.at_ms);
                    }
                }
                EventKind::DayOpened { day } => {
                    self.watches.clear();
                    self.last_call.clear();
                    self.day = Some(*day);
                    self.failures = None;
                }
                _ => {}
            }
        }
    }

    /// After a committed batch of `events`: runs the rule for every watched ticket and hands
    /// the notices due to the sender. `open` unseals a ticket's number (`None`: there is none
    /// any more); it is called only for a notice being sent.
    pub fn after_commit(
        &mut self,
        events: &[Event],
        engine: &Engine,
        section: &NotifySection,
        hall_name: &hallq_proto::LocalText,
        now: Timestamp,
        mut open: impl FnMut(&TicketId) -> Option<String>,
    ) {
        self.learn(events, engine, false);
        let mut finished = Vec::new();
        for (id, (watch, lang)) in &mut self.watches {
            let Some(t) = engine.ticket(id) else {
                finished.push(id.clone());
                continue;
            };
            let place = place_of(engine, id, t.status);
            let quiet_since = self
                .last_call
                .get(&t.business)
                .map_or(t.issued_at, |&c| c.max(t.issued_at));
            let obs = Observation {
                place,
                now,
                quiet_since,
            };
            let fired = decide(watch, section.lead(&t.business), obs);
            if watch.finished {
                finished.push(id.clone());
            }
            let Some(notice) = fired else { continue };
            let lang = *lang;
            let hall = match lang {
                Lang::Zh => hall_name.zh.as_str(),
                Lang::En => hall_name.en.as_str(),
            };
            let text = hallq_notify::text::notice_text(hall, &t.number, lang, notice);
            let Some(phone) = open(id) else {
                // Purged, or sealed under another key: nothing to send to; journaled as such.
                self.pending.push(Event {
                    at_ms: now,
                    kind: EventKind::NoticeSent {
                        ticket: id.clone(),
                        kind: notice.kind().as_str().into(),
                        channel: self.channel.as_str().into(),
                        attempt: 0,
                        result: "failed".into(),
                        error: Some(SendError::NoNumber.to_string()),
                        last: true,
                    },
                });
                continue;
            };
            let job = Job {
                notice: Outgoing {
                    ticket: id.clone(),
                    kind: notice.kind(),
                    phone: Some(phone),
                    text,
                },
                number: t.number.clone(),
            };
            if self.jobs.send(job).is_err() {
                tracing::error!(ticket = %id, "the notice sender has stopped; notice not sent");
            }
        }
        for id in finished {
            self.watches.remove(&id);
        }
    }

    /// Events owed to the journal from the last [`Notifier::after_commit`].
    pub fn take_pending(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.pending)
    }

    /// An attempt's report as its journal event; a last failed attempt is counted for the
    /// supervisors' console.
    pub fn report(&mut self, r: Report, now: Timestamp) -> Event {
        if r.last
            && let Err(e) = &r.result
        {
            let failed = self.failures.as_ref().map_or(0, |f| f.failed) + 1;
            self.failures = Some(NoticeFailures {
                failed,
                last: FailedNotice {
                    number: r.number.clone(),
                    kind: r.kind.as_str().into(),
                    channel: r.channel.as_str().into(),
                    error: e.to_string(),
                    at_ms: now,
                },
            });
        }
        Event {
            at_ms: now,
            kind: EventKind::NoticeSent {
                ticket: r.ticket,
                kind: r.kind.as_str().into(),
                channel: r.channel.as_str().into(),
                attempt: r.attempt,
                result: if r.result.is_ok() { "sent" } else { "failed" }.into(),
                error: r.result.err().map(|e| e.to_string()),
                last: r.last,
            },
        }
    }

    /// Notices given up today, for `state/hub`.
    pub fn failures(&self) -> Option<NoticeFailures> {
        self.failures.clone()
    }

    /// How many tickets are watched (for tests and metrics).
    pub fn watched(&self) -> usize {
        self.watches.len()
    }
}

/// The sender: takes each job, tries it with the policy's retries on its own task (a slow
/// gateway holds up no other notice), and reports every attempt through `report`.
pub async fn run_sender(
    mut jobs: mpsc::UnboundedReceiver<Job>,
    channel: Arc<dyn NoticeChannel>,
    policy: RetryPolicy,
    report: impl Fn(Report) + Send + Sync + 'static,
) {
    let report = Arc::new(report);
    while let Some(job) = jobs.recv().await {
        let (channel, report) = (Arc::clone(&channel), Arc::clone(&report));
        tokio::spawn(async move {
            let kind = channel.kind();
            let Job { notice, number } = job;
            hallq_notify::deliver_with_retry(channel.as_ref(), &notice, policy, |a| {
                if let Err(e) = &a.result {
                    tracing::warn!(ticket = %notice.ticket, kind = notice.kind.as_str(), attempt = a.attempt, error = %e, "notice not sent / 通知发送失败");
                }
                report(Report {
                    ticket: notice.ticket.clone(),
                    number: number.clone(),
                    kind: notice.kind,
                    channel: kind,
                    attempt: a.attempt,
                    result: a.result.clone(),
                    last: a.last,
                });
            })
            .await;
        });
    }
}

/// Where ticket `id` (its status `status`) stands, as the notice rule sees it: the rule of the
/// SMS notices and the one of the ticket pages' notices.
pub(crate) fn place_of(engine: &Engine, id: &TicketId, status: TicketStatus) -> Place {
    match status {
        TicketStatus::Waiting => {
            let (ahead, estimate_min) = engine.wait_of(id);
            Place::Waiting {
                ahead,
                estimate_min,
            }
        }
        TicketStatus::Called(counter) => Place::Called(counter),
        TicketStatus::Serving(_) | TicketStatus::Skipped => Place::Away,
        TicketStatus::Served | TicketStatus::Cancelled | TicketStatus::Closed => Place::Gone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HallConfig;

    const HALL: &str = "[hall]\nid = \"demo\"\nname = { zh = \"演示厅\", en = \"Demo\" }\n";

    /// hall.toml with `notify` parsed, and its section checked as `HallConfig::validate` does.
    fn parse(notify: &str) -> Result<HallConfig, String> {
        let c = HallConfig::parse(&format!("{HALL}{notify}"))?;
        c.notify.check(&c.queue)?;
        Ok(c)
    }

    #[test]
    fn notices_are_off_by_default_and_a_section_that_cannot_work_is_refused() {
        let c = parse("").unwrap();
        assert!(!c.notify.enabled);
        let err = parse("[notify]\nenabled = true\n").unwrap_err();
        assert!(
            err.contains("[notify.smpp]") && err.contains("须配置"),
            "{err}"
        );
        let err = parse(
            "[notify]\nenabled = true\nchannel = \"webhook\"\n[notify.webhook]\nurl = \"ftp://x/\"\n",
        )
        .unwrap_err();
        assert!(err.contains("短信接口配置错误"), "{err}");
        let err = parse("[notify.business.nosuch]\nminutes = 5\n").unwrap_err();
        assert!(
            err.contains("nosuch") && err.contains("业务类型不存在"),
            "{err}"
        );
        let err = parse("[notify.retry]\nattempts = 0\n").unwrap_err();
        assert!(err.contains("重试次数"), "{err}");
        let err = parse("[notify]\nenabeld = true\n").unwrap_err();
        assert!(err.contains("enabeld"), "{err}");
    }

    #[test]
    fn a_business_type_has_its_own_n_and_m_over_the_halls() {
        let c = parse(
            "[notify]\npeople_ahead = 4\nminutes = 12\n[notify.business.complex]\nminutes = 25\n",
        )
        .unwrap();
        let code = |s: &str| BusinessCode::new(s).unwrap();
        let complex = c.notify.lead(&code("complex"));
        assert_eq!((complex.people_ahead, complex.minutes), (4, 25));
        let basic = c.notify.lead(&code("basic"));
        assert_eq!((basic.people_ahead, basic.minutes), (4, 12));
    }
}
