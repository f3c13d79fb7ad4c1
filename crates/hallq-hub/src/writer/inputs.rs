//! Inputs besides the devices' commands: headquarters' configuration, bookings from the
//! booking API and ratings from the ticket page.

use super::*;

impl Writer {
    /// Headquarters' documents (`crate::hqconfig`): the event to journal, none if the revision
    /// was decided already. Taken, the engine and the writer run on the new configuration from
    /// the next input of this batch on; the retained state follows from the event.
    pub(super) fn take_config(
        &mut self,
        offer: &crate::hqconfig::Offer,
        now: Timestamp,
    ) -> Option<Event> {
        use crate::hqconfig::Decision;
        if self.hq.seen(offer.rev) {
            return None;
        }
        match self.hq.decide(offer, &self.engine, now) {
            Decision::Apply { config, doc, event } => {
                if let Err(e) = self.engine.reconfigure(config.queue.clone()) {
                    // `decide` validated it: not expected; refused rather than half-taken.
                    tracing::error!(error = %e, "HQ's configuration not taken");
                    return None;
                }
                self.config = Arc::new(*config);
                self.hq.took(offer.rev, doc, now);
                self.publisher
                    .set_hq_announcements(self.hq.announcements(self.config.hall.utc_offset_min));
                tracing::info!(rev = offer.rev, "HQ's configuration taken / 已采用总部配置");
                Some(event)
            }
            Decision::Refuse { event } => {
                if let EventKind::ConfigRefused { reason, .. } = &event.kind {
                    tracing::warn!(rev = offer.rev, reason = %reason.en, "HQ's configuration refused; the hall keeps its own / 拒绝总部配置，沿用现有配置");
                    self.hq.refused(offer.rev, reason.clone());
                }
                Some(event)
            }
        }
    }

    /// A booking request: the booking as it stands after it, and the events to journal.
    pub(super) fn booking(
        &mut self,
        request: crate::booking::Request,
        now: Timestamp,
    ) -> (crate::booking::Answer, Vec<Event>) {
        use crate::booking::{Refused, Request};
        use hallq_booking::{BookingCode, BookingCommand, PersonKey};
        let Some(keeper) = self.keeper.as_mut() else {
            return (Err(Refused::Off), Vec::new());
        };
        // The web side refused already, unless the switch came between.
        if let Some(url) = keeper.at_hq() {
            return (Err(Refused::AtHq(url)), Vec::new());
        }
        let person = |phone: &hallq_proto::Phone| {
            PersonKey::new(self.vault.person_key(phone)).map_err(Refused::Book)
        };
        let command = match request {
            Request::Book {
                phone,
                business,
                day,
                start_min,
            } => {
                let person = match person(&phone) {
                    Ok(p) => p,
                    Err(e) => return (Err(e), Vec::new()),
                };
                // 40 random bits: a clash is rare, and a few draws make it vanishing.
                let code = (0..8)
                    .filter_map(|_| self.vault.random_u64().ok())
                    .map(BookingCode::from_random)
                    .find(|c| keeper.get(c).is_none());
                let Some(code) = code else {
                    return (Err(Refused::Internal), Vec::new());
                };
                BookingCommand::Book {
                    code,
                    person,
                    business,
                    day,
                    start_min,
                }
            }
            Request::Change {
                code,
                phone,
                day,
                start_min,
            } => match person(&phone) {
                Ok(person) => BookingCommand::Change {
                    code,
                    person,
                    day,
                    start_min,
                },
                Err(e) => return (Err(e), Vec::new()),
            },
            Request::Cancel { code, phone } => match person(&phone) {
                Ok(person) => BookingCommand::Cancel { code, person },
                Err(e) => return (Err(e), Vec::new()),
            },
        };
        let code = match &command {
            BookingCommand::Book { code, .. }
            | BookingCommand::Change { code, .. }
            | BookingCommand::Cancel { code, .. }
            | BookingCommand::CheckIn { code } => code.clone(),
            BookingCommand::CloseWindows => return (Err(Refused::Internal), Vec::new()),
        };
        match keeper.decide(now, &command) {
            Ok(events) => match keeper.get(&code) {
                Some(b) => (Ok(b.clone()), events),
                None => (Err(Refused::Internal), events),
            },
            Err(e) => (Err(Refused::Book(e)), Vec::new()),
        }
    }

    /// A booking change from HQ (the hall's booking master): the journal entry that records
    /// it under the command id `hq-booking-<stream seq>`, with the `booking` events that bring
    /// the book to HQ's state; nothing when that command id is in the journal already (the
    /// message came again: its ack was lost, or the hub stopped before acknowledging).
    pub(super) fn hq_booking(
        &mut self,
        from: &crate::uplink::bookings::FromHq,
        now: Timestamp,
        cached: &mut Vec<(DeviceId, String)>,
    ) -> Vec<Entry> {
        let device = crate::booking::hq_device();
        let Ok(command_id) = CommandId::new(format!("hq-booking-{}", from.seq)) else {
            return Vec::new();
        };
        let key = (device.clone(), command_id.to_string());
        let answered = self.replies.contains_key(&key)
            || self
                .journal
                .reply_for(&device, &command_id)
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "dedupe lookup failed");
                    None
                })
                .is_some();
        if answered {
            self.metrics.duplicates.inc();
            return Vec::new();
        }
        let events = match self.keeper.as_mut() {
            Some(keeper) => keeper.take_from_hq(&from.change, now),
            None => {
                tracing::warn!(
                    seq = from.seq,
                    "a booking from HQ, but the hall has no [booking]: recorded, not applied / 收到总部预约，但本厅未配置预约"
                );
                Vec::new()
            }
        };
        let reply =
            serde_json::json!({ "hq_booking": from.seq, "code": from.change.code.as_str() })
                .to_string();
        if self.replies.len() >= REPLY_CACHE {
            self.replies.clear();
        }
        self.replies.insert(key.clone(), reply.clone());
        cached.push(key);
        vec![Entry::Command {
            device,
            command_id,
            kind: "hq_booking".into(),
            at: now,
            ok: Ok(()),
            reply_json: reply,
            events,
        }]
    }

    /// A rating from a phone page: what to journal (nothing for a command id answered before,
    /// or for a refusal: the page shows where the ticket is) and how it ended.
    pub(super) fn phone_rate(
        &mut self,
        rate: &crate::phone::PhoneRate,
        now: Timestamp,
        cached: &mut Vec<(DeviceId, String)>,
    ) -> (Vec<Entry>, Result<(), hallq_phone::RateError>) {
        let device = crate::phone::phone_device();
        let key = (device.clone(), rate.command.to_string());
        let answered = match self.replies.get(&key) {
            Some(reply) => Some(reply.clone()),
            None => self
                .journal
                .reply_for(&device, &rate.command)
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "dedupe lookup failed");
                    None
                }),
        };
        if answered.is_some() {
            // The same page's rating again (a second click, a replay): recorded once already.
            self.metrics.duplicates.inc();
            return (Vec::new(), Ok(()));
        }
        let cmd = Command::RateTicket {
            ticket: rate.ticket.clone(),
            score: rate.score,
        };
        let events = match self.engine.apply(&cmd, now) {
            Ok(events) => events,
            Err(_) => return (Vec::new(), Err(hallq_phone::RateError::NotRateable)),
        };
        let reply = Reply::ok(
            rate.command.clone(),
            now,
            ReplyResult::Rated {
                ticket: rate.ticket.clone(),
            },
        )
        .to_json();
        if self.replies.len() >= REPLY_CACHE {
            self.replies.clear();
        }
        self.replies.insert(key.clone(), reply.clone());
        cached.push(key);
        let entry = Entry::Command {
            device,
            command_id: rate.command.clone(),
            kind: "rate_ticket".into(),
            at: now,
            ok: Ok(()),
            reply_json: reply,
            events,
        };
        (vec![entry], Ok(()))
    }
}
