//! What goes back to the devices: replies, refusals journaled, and the calls to announce.

use super::*;

impl Writer {
    /// A command that came with QoS 0 or retained: never executed. Returns what to journal and
    /// the reply, if one is due.
    pub(super) fn misdelivered(
        &mut self,
        device: &DeviceId,
        payload: &[u8],
        delivery: Delivery,
        now: Timestamp,
    ) -> (Vec<Entry>, Option<String>) {
        let id = match decode_command(payload) {
            Ok(env) => Some(env.id),
            Err(u) => u.id,
        };
        if delivery == Delivery::Retained
            && let Some(id) = &id
        {
            let key = (device.clone(), id.to_string());
            let answered = self.replies.contains_key(&key)
                || matches!(self.journal.reply_for(device, id), Ok(Some(_)));
            // Already executed when it came live (a broker clears the retain flag of a message
            // it forwards to a subscriber): the device has its reply; a second one would
            // contradict it.
            if answered {
                return (Vec::new(), None);
            }
        }
        let detail = match delivery {
            Delivery::AtMostOnce => "published with QoS 0; commands need QoS 1",
            Delivery::Retained => "a retained message; commands are never retained",
        };
        tracing::warn!(%device, detail, "command refused, not executed");
        let info = ErrorInfo::new(ErrorCode::BadDelivery).with_detail(detail);
        let reply = reply_error(id.clone(), now, info.clone());
        let written = self.refusal(now, device, id.map(|i| i.to_string()), info, payload.len());
        (written, Some(reply))
    }

    /// A command refused before the engine: counted, and journaled unless the device has had
    /// its share of refusal rows this minute (then the next row says how many were left out).
    pub(super) fn refusal(
        &mut self,
        now: Timestamp,
        device: &DeviceId,
        command_id: Option<String>,
        info: ErrorInfo,
        payload_bytes: usize,
    ) -> Vec<Entry> {
        self.metrics.refusals.inc();
        let Some(skipped) = self
            .limiter
            .journal_refusal(&self.config.limits, device, now)
        else {
            return Vec::new();
        };
        let mut detail = info.detail.unwrap_or_default();
        if skipped > 0 {
            detail.push_str(&format!(
                " (+{skipped} earlier refusals of this device not journaled one by one)"
            ));
        }
        vec![Entry::Refusal {
            at: now,
            device: Some(device.clone()),
            command_id,
            code: info.code,
            detail,
            payload_bytes,
        }]
    }

    /// The reply's result, from the events the command produced.
    pub(super) fn result(&self, shape: &ReplyShape, events: &[Event]) -> ReplyResult {
        let kinds = || events.iter().map(|e| &e.kind);
        match shape {
            ReplyShape::Ticket => kinds()
                .find_map(|k| match k {
                    EventKind::TicketIssued {
                        ticket,
                        visit,
                        number,
                        business,
                        priority,
                        ..
                    } => {
                        let b = self.engine.config().business(business);
                        let (people_ahead, estimated_wait_min) = self.engine.wait_of(ticket);
                        Some(ReplyResult::TicketIssued(TicketIssued {
                            ticket: ticket.clone(),
                            number: number.clone(),
                            visit: visit.clone(),
                            business: business.clone(),
                            business_name: b
                                .map(|b| b.name.clone())
                                .unwrap_or_else(|| hallq_proto::LocalText::new("", "")),
                            priority: *priority,
                            issued_at_ms: events.last().map_or(Timestamp(0), |e| e.at_ms),
                            people_ahead,
                            estimated_wait_min,
                            documents: b.map(|b| b.documents.clone()).unwrap_or_default(),
                            page_url: self.phone.as_ref().and_then(|p| p.url(ticket)),
                        }))
                    }
                    _ => None,
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Called(counter) => {
                let called = kinds().find_map(|k| match k {
                    EventKind::TicketCalled { ticket, recall, .. } => {
                        Some((ticket.clone(), *recall))
                    }
                    _ => None,
                });
                match called.and_then(|(id, recall)| self.engine.ticket(&id).map(|t| (t, recall))) {
                    Some((t, recalls)) => ReplyResult::Called {
                        ticket: t.id.clone(),
                        number: t.number.clone(),
                        business: t.business.clone(),
                        priority: t.priority,
                        counter: *counter,
                        recalls,
                        greeting: t
                            .tier
                            .and_then(|m| self.engine.config().tier(m.level))
                            .map(|tier| tier.greeting.clone()),
                    },
                    None => ReplyResult::Done,
                }
            }
            ReplyShape::Counter(counter) => self
                .engine
                .counter_state(*counter)
                .map(|mut s| {
                    s.online = true;
                    ReplyResult::Counter(s)
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Recorded => ReplyResult::Recorded {
                visit: kinds().find_map(|k| k.visit().cloned()),
            },
            ReplyShape::Rated => kinds()
                .find_map(|k| match k {
                    EventKind::Rated { ticket, .. } => Some(ReplyResult::Rated {
                        ticket: ticket.clone(),
                    }),
                    _ => None,
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Complaint => kinds()
                .find_map(|k| {
                    let (id, resolved) = match k {
                        EventKind::ComplaintOpened {
                            complaint,
                            first_contact_due_ms,
                            due_ms,
                            ..
                        } => {
                            return Some(ReplyResult::Complaint {
                                complaint: complaint.clone(),
                                first_contact_due_ms: *first_contact_due_ms,
                                due_ms: *due_ms,
                                resolved: false,
                            });
                        }
                        EventKind::ComplaintUpdated { complaint, .. } => (complaint, false),
                        EventKind::ComplaintResolved { complaint, .. } => (complaint, true),
                        _ => return None,
                    };
                    let open = self.engine.open_complaints().get(id);
                    Some(ReplyResult::Complaint {
                        complaint: id.clone(),
                        first_contact_due_ms: open.map_or(Timestamp(0), |c| c.first_contact_due),
                        due_ms: open.map_or(Timestamp(0), |c| c.due),
                        resolved,
                    })
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Announcement => kinds()
                .find_map(|k| match k {
                    EventKind::AnnouncementPosted { announcement } => {
                        Some(ReplyResult::Announcement {
                            id: announcement.id.clone(),
                        })
                    }
                    EventKind::AnnouncementCleared { announcement } => {
                        Some(ReplyResult::Announcement {
                            id: announcement.clone(),
                        })
                    }
                    _ => None,
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Done => ReplyResult::Done,
        }
    }

    /// Call events for the voice, one per call or recall.
    pub(super) fn calls(&self, events: &[Event]) -> Vec<Outgoing> {
        let topic = self.publisher.topics().call();
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TicketCalled {
                    ticket,
                    counter,
                    recall,
                    ..
                } => {
                    let t = self.engine.ticket(ticket)?;
                    let call = CallEvent {
                        v: SCHEMA_VERSION,
                        ticket: ticket.clone(),
                        number: t.number.clone(),
                        business: t.business.clone(),
                        counter: *counter,
                        recall: *recall,
                        at_ms: e.at_ms,
                        speech: speech::call(&t.number, *counter),
                    };
                    Some(Outgoing::new(
                        topic.clone(),
                        serde_json::to_string(&call).unwrap_or_default(),
                        false,
                    ))
                }
                _ => None,
            })
            .collect()
    }
}
