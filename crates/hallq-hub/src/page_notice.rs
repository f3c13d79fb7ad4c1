//! "Tell me when my turn is near", chosen on the ticket page (docs/notify.md, "On the ticket
//! page"): the customer of a waiting ticket picks, on its page, one of the lead times the hall
//! offers (`[notify.page]`). The writer journals the choice as their consent
//! (`notice_consented`, via `phone-page`, with the lead time) and, after every committed batch,
//! runs hallq-notify's rule for it; when it fires, the page shows "your turn is near" with the
//! call's vibration and beep, and the writer journals `notice_sent` on channel `page`. No number
//! is involved: the page is the channel.
//!
//! [`PageNotices`] is kept by the writer's [`PhoneLink`](crate::phone::PhoneLink); it learns
//! the watches from committed events only, so a consent whose commit failed is not watched,
//! and a restart takes them up from the journal.

use std::collections::HashMap;

use hallq_notify::rule::{Lead, Notice, Observation, Watch, decide};
use hallq_phone::{NoticeLead, NoticeView};
use hallq_proto::{BusinessCode, TicketId, Timestamp};
use hallq_queue::{Engine, Event, EventKind, TicketStatus};
use serde::Deserialize;

/// `via` of the page's consents (the pages' device id).
pub const VIA: &str = crate::phone::PHONE_DEVICE;

/// `[notify.page]`: the lead times a waiting ticket's page offers. Both empty: no notice is
/// offered on the page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageChoices {
    /// "When N people are ahead" (default 3 and 5).
    pub people_ahead: Vec<u32>,
    /// "About M minutes before my turn" (default 10 and 20).
    pub minutes: Vec<u32>,
}

impl Default for PageChoices {
    fn default() -> Self {
        Self {
            people_ahead: vec![3, 5],
            minutes: vec![10, 20],
        }
    }
}

impl PageChoices {
    /// The choices, people first, each once.
    pub fn leads(&self) -> Vec<NoticeLead> {
        let mut out: Vec<NoticeLead> = Vec::new();
        let all = (self.people_ahead.iter().map(|&n| NoticeLead::Ahead(n)))
            .chain(self.minutes.iter().map(|&m| NoticeLead::Minutes(m)));
        for lead in all {
            if !out.contains(&lead) {
                out.push(lead);
            }
        }
        out
    }

    /// What is wrong with the section, in Chinese and English.
    pub fn check(&self) -> Result<(), String> {
        if self.people_ahead.len() + self.minutes.len() > 6 {
            return Err("[notify.page] offers at most 6 lead times / 页面提醒选项最多 6 个".into());
        }
        if self.people_ahead.iter().any(|&n| n == 0 || n > 50)
            || self.minutes.iter().any(|&m| m == 0 || m > 240)
        {
            return Err("[notify.page] people_ahead must be 1 to 50, minutes 1 to 240 / 页面提醒的人数应为 1 到 50，分钟数应为 1 到 240".into());
        }
        Ok(())
    }
}

/// One page watch: the rule's state, the lead chosen, whether it fired.
#[derive(Debug, Clone)]
struct PageWatch {
    watch: Watch,
    lead: NoticeLead,
    fired: bool,
}

/// The page notices of the day.
#[derive(Debug, Default)]
pub struct PageNotices {
    watches: HashMap<TicketId, PageWatch>,
    /// When each queue last had a call (the rule's stall-aware estimate).
    last_call: HashMap<BusinessCode, Timestamp>,
    /// `notice_sent` events owed to the journal's next commit.
    pending: Vec<Event>,
}

impl PageNotices {
    /// The consent to journal for `ticket`'s choice of `lead`; none when it cannot be taken
    /// (not a waiting ticket of today, or a notice chosen already).
    pub fn consent(
        &self,
        ticket: &TicketId,
        lead: NoticeLead,
        engine: &Engine,
        now: Timestamp,
    ) -> Option<Event> {
        if self.watches.contains_key(ticket) {
            return None;
        }
        let t = engine.ticket(ticket)?;
        (t.status == TicketStatus::Waiting).then(|| Event {
            at_ms: now,
            kind: EventKind::NoticeConsented {
                ticket: ticket.clone(),
                visit: t.visit.clone(),
                via: VIA.into(),
                lead: Some(lead.code()),
            },
        })
    }

    /// Takes up the journal at start: the day's page watches and the notices they had.
    /// Restored watches count as seen: a ticket near by now is owed its notice.
    pub fn restore(&mut self, events: &[Event], engine: &Engine) {
        self.learn(events, engine, true);
        for e in events {
            if let EventKind::NoticeSent {
                ticket, channel, ..
            } = &e.kind
                && channel == "page"
                && let Some(w) = self.watches.get_mut(ticket)
            {
                w.watch.near = true;
                w.fired = true;
            }
        }
    }

    fn learn(&mut self, events: &[Event], engine: &Engine, seen: bool) {
        for e in events {
            match &e.kind {
                EventKind::NoticeConsented {
                    ticket,
                    via,
                    lead: Some(code),
                    ..
                } if via == VIA => {
                    if let Some(lead) = NoticeLead::parse(code) {
                        self.watches
                            .entry(ticket.clone())
                            .or_insert_with(|| PageWatch {
                                watch: Watch {
                                    seen,
                                    ..Watch::default()
                                },
                                lead,
                                fired: false,
                            });
                    }
                }
                EventKind::TicketCalled { ticket, .. } => {
                    if let Some(t) = engine.ticket(ticket) {
                        self.last_call.insert(t.business.clone(), e.at_ms);
                    }
                }
                EventKind::DayOpened { .. } => {
                    self.watches.clear();
                    self.last_call.clear();
                }
                _ => {}
            }
        }
    }

    /// After a committed batch of `events`: runs the rule for every page watch. A notice due
    /// shows on the page from now on and is owed to the journal ([`PageNotices::take_pending`]).
    pub fn after_commit(
        &mut self,
        events: &[Event],
        engine: &Engine,
        stall_after_min: u32,
        now: Timestamp,
    ) {
        self.learn(events, engine, false);
        for (id, w) in &mut self.watches {
            let Some(t) = engine.ticket(id) else {
                w.watch.finished = true;
                continue;
            };
            let place = crate::notify::place_of(engine, id, t.status);
            let quiet_since = self
                .last_call
                .get(&t.business)
                .map_or(t.issued_at, |&c| c.max(t.issued_at));
            // The customer's one lead time, alone: people ahead, or minutes (then also when
            // next in line, where a queue no counter serves has no estimate to go by).
            let lead = match w.lead {
                NoticeLead::Ahead(n) => Lead {
                    people_ahead: n,
                    minutes: 0,
                    stall_after_min,
                },
                NoticeLead::Minutes(m) => Lead {
                    people_ahead: 0,
                    minutes: m,
                    stall_after_min,
                },
            };
            let obs = Observation {
                place,
                now,
                quiet_since,
            };
            // The call itself the page shows with its cue already: only "near" is this
            // channel's notice.
            if let Some(Notice::Near { .. }) = decide(&mut w.watch, lead, obs) {
                w.fired = true;
                self.pending.push(Event {
                    at_ms: now,
                    kind: EventKind::NoticeSent {
                        ticket: id.clone(),
                        kind: "near".into(),
                        channel: "page".into(),
                        attempt: 1,
                        result: "sent".into(),
                        error: None,
                        last: true,
                    },
                });
            }
        }
        self.watches.retain(|_, w| !w.watch.finished);
    }

    /// Events owed to the journal from the last [`PageNotices::after_commit`].
    pub fn take_pending(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.pending)
    }

    /// What `ticket`'s page shows of its notice.
    pub fn view(&self, ticket: &TicketId) -> Option<NoticeView> {
        self.watches.get(ticket).map(|w| NoticeView {
            lead: w.lead,
            near: w.fired,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choices_are_offered_once_each_and_bad_ones_refused() {
        let c = PageChoices {
            people_ahead: vec![3, 3, 5],
            minutes: vec![10],
        };
        assert_eq!(
            c.leads(),
            vec![
                NoticeLead::Ahead(3),
                NoticeLead::Ahead(5),
                NoticeLead::Minutes(10)
            ]
        );
        c.check().unwrap();
        let zero = PageChoices {
            people_ahead: vec![0],
            minutes: vec![],
        };
        assert!(zero.check().unwrap_err().contains("1 到 50"));
    }
}
