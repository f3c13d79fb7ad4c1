//! One device command: decode, dedupe, flood limits, personal data sealed, plan, engine.

use super::*;

impl Writer {
    /// One command: returns what to journal (nothing for a redelivery) and the reply.
    pub(super) fn command(
        &mut self,
        device: &DeviceId,
        payload: &[u8],
        now: Timestamp,
        cached: &mut Vec<(DeviceId, String)>,
    ) -> (Vec<Entry>, String) {
        let env = match decode_command(payload) {
            Ok(env) => env,
            Err(u) => {
                let info = u.error.to_info();
                let reply = reply_error(u.id.clone(), now, info.clone());
                let id = u.id.map(|i| i.to_string());
                return (self.refusal(now, device, id, info, payload.len()), reply);
            }
        };
        let id = env.id.clone();
        let refused = |info: ErrorInfo| {
            (
                Some(id.to_string()),
                info.clone(),
                reply_error(Some(id.clone()), now, info),
            )
        };
        let Some(dev) = self.config.device(device).cloned() else {
            let (cid, info, reply) = refused(
                ErrorInfo::new(ErrorCode::UnknownDevice)
                    .with_detail(format!("device {device} is not in hall.toml")),
            );
            return (self.refusal(now, device, cid, info, payload.len()), reply);
        };
        if &env.device != device {
            let (cid, info, reply) = refused(
                ErrorInfo::new(ErrorCode::DeviceMismatch)
                    .with_detail(format!("sent on {device}'s topic but names {}", env.device)),
            );
            return (self.refusal(now, device, cid, info, payload.len()), reply);
        }
        let key = (device.clone(), id.to_string());
        if let Some(reply) = self.replies.get(&key) {
            self.metrics.duplicates.inc();
            return (Vec::new(), reply.clone());
        }
        match self.journal.reply_for(device, &id) {
            Ok(Some(reply)) => {
                self.metrics.duplicates.inc();
                return (Vec::new(), reply);
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "dedupe lookup failed"),
        }
        // Limits come after the dedupe: a retry is answered from the store and costs nothing.
        // A refusal here is not stored as the command's answer, so the same id may succeed later.
        let limits = &self.config.limits;
        let ticket = matches!(env.cmd, hallq_proto::Command::IssueTicket(_));
        let over = if !self.limiter.allow(limits, device, Lane::Commands, now) {
            Some(format!(
                "more than {} commands a minute from {device}",
                limits.commands_per_minute
            ))
        } else if ticket && !self.limiter.allow(limits, device, Lane::Tickets, now) {
            Some(format!(
                "more than {} tickets a minute from {device}",
                limits.tickets_per_minute
            ))
        } else {
            None
        };
        if let Some(detail) = over {
            let (cid, info, reply) =
                refused(ErrorInfo::new(ErrorCode::RateLimited).with_detail(detail));
            return (self.refusal(now, device, cid, info, payload.len()), reply);
        }
        let kind = env.cmd.kind().to_string();
        let (ok, reply, events, personal) = match self.decide(&dev, &env.cmd, &id, now) {
            Ok((reply, events, personal)) => (Ok(()), reply, events, personal),
            Err(info) => {
                self.metrics.refusals.inc();
                (
                    Err(info.code),
                    reply_error(Some(id.clone()), now, info),
                    Vec::new(),
                    None,
                )
            }
        };
        if self.replies.len() >= REPLY_CACHE {
            self.replies.clear();
        }
        self.replies.insert(key.clone(), reply.clone());
        cached.push(key);
        let mut written = vec![Entry::Command {
            device: device.clone(),
            command_id: id,
            kind,
            at: now,
            ok,
            reply_json: reply.clone(),
            events,
        }];
        written.extend(personal.into_iter().map(Entry::Personal));
        (written, reply)
    }

    /// Purges the personal data whose retention has ended, once per business day.
    pub(super) fn purge_due(&mut self, now: Timestamp, entries: &mut Vec<Entry>) {
        let today = self.engine.day();
        if today.is_some() && today == self.purged_in {
            return;
        }
        self.purged_in = today;
        // A new day: yesterday's counts per number are of no more use.
        self.phone_tickets.retain(|(day, _), _| Some(*day) == today);
        for kind in PersonalKind::ALL {
            let days = i64::from(self.config.privacy.retention_days(kind));
            entries.push(Entry::Purge {
                kind,
                before: Timestamp(now.0 - days * 86_400_000),
                at: now,
            });
        }
    }

    /// The personal value a command carries, with what it is for.
    pub(super) fn personal_value(
        cmd: &hallq_proto::Command,
    ) -> Option<(PersonalKind, &hallq_proto::Phone)> {
        match cmd {
            hallq_proto::Command::IssueTicket(t) => {
                t.phone.as_ref().map(|p| (PersonalKind::NoticePhone, p))
            }
            hallq_proto::Command::ComplaintOpen { contact, .. } => contact
                .as_ref()
                .map(|p| (PersonalKind::ComplaintContact, p)),
            _ => None,
        }
    }

    /// Refuses a number's ticket beyond its daily cap.
    pub(super) fn check_phone_cap(&mut self, phone: &hallq_proto::Phone) -> Result<(), ErrorInfo> {
        let cap = self.config.limits.tickets_per_phone_per_day;
        let Some(day) = self.engine.day().filter(|_| cap > 0) else {
            return Ok(());
        };
        let blind = self.vault.blind(PersonalKind::NoticePhone, phone.expose());
        let key = (day, blind);
        let given = match self.phone_tickets.get(&key) {
            Some(n) => *n,
            None => {
                let n = self
                    .journal
                    .personal_count(PersonalKind::NoticePhone, day, &key.1)
                    .unwrap_or_else(|e| {
                        tracing::error!(error = %e, "cannot count a number's tickets");
                        0
                    });
                self.phone_tickets.insert(key, n);
                n
            }
        };
        if given >= cap {
            return Err(ErrorInfo::new(ErrorCode::PhoneLimit).with_detail(format!(
                "{given} tickets today with this number (cap {cap})"
            )));
        }
        Ok(())
    }

    /// Seals the personal value of an applied command, bound to the ticket or complaint it made.
    /// The command is applied by then: if the value cannot be sealed (the system's randomness
    /// failed), the ticket or complaint stands without it, rather than undone.
    pub(super) fn seal(
        &mut self,
        kind: PersonalKind,
        phone: &hallq_proto::Phone,
        events: &[Event],
        now: Timestamp,
    ) -> Option<Sealed> {
        let owner = events.iter().find_map(|e| match (&e.kind, kind) {
            (EventKind::TicketIssued { ticket, .. }, PersonalKind::NoticePhone) => {
                Some(ticket.to_string())
            }
            (EventKind::ComplaintOpened { complaint, .. }, PersonalKind::ComplaintContact) => {
                Some(complaint.to_string())
            }
            _ => None,
        });
        let (owner, day) = (owner?, self.engine.day()?);
        let sealed = self
            .vault
            .seal(kind, &owner, day, now, phone.expose())
            .inspect_err(
                |e| tracing::error!(error = %e, "cannot seal personal data; kept without it"),
            )
            .ok()?;
        if kind == PersonalKind::NoticePhone {
            *self
                .phone_tickets
                .entry((day, sealed.blind.clone()))
                .or_insert(0) += 1;
        }
        Some(sealed)
    }

    /// Plans and applies an accepted command; returns the reply and the events.
    pub(super) fn decide(
        &mut self,
        dev: &crate::config::DeviceConfig,
        cmd: &hallq_proto::Command,
        id: &CommandId,
        now: Timestamp,
    ) -> Result<(String, Vec<Event>, Option<Sealed>), ErrorInfo> {
        let signing_in = match cmd {
            hallq_proto::Command::SignIn { staff, .. } => Some(staff.as_str()),
            _ => None,
        };
        if let Some(staff) = signing_in
            && self.pins.locked(&self.config.limits, staff, now)
        {
            return Err(ErrorInfo::new(ErrorCode::PinLocked).with_detail(format!(
                "staff number {staff} is locked after {} wrong PINs",
                self.config.limits.pin_attempts
            )));
        }
        let p = match plan(&self.config, dev, cmd, crate::secret::verify) {
            Ok(p) => p,
            Err(e) => {
                if let Some(staff) = signing_in
                    && e.code == ErrorCode::WrongPin
                    && self.pins.failed(&self.config.limits, staff, now)
                {
                    tracing::warn!(%staff, device = %dev.id, "staff number locked after wrong PINs");
                }
                return Err(e);
            }
        };
        if let Some(staff) = signing_in {
            self.pins.succeeded(staff);
        }
        if matches!(
            cmd,
            hallq_proto::Command::IssueTicket(_) | hallq_proto::Command::CheckIn(_)
        ) && !self.accepting_tickets(now)
        {
            return Err(ErrorInfo::new(ErrorCode::HallClosed));
        }
        if let hallq_proto::Command::CheckIn(c) = cmd {
            let desk = crate::checkin::Desk {
                keeper: self.keeper.as_mut(),
                engine: &mut self.engine,
                vault: &self.vault,
                phone: self.phone.as_ref(),
            };
            let (result, events) = crate::checkin::check_in(desk, c, now)?;
            return Ok((Reply::ok(id.clone(), now, result).to_json(), events, None));
        }
        if let hallq_proto::Command::ComplaintResultResend { complaint } = cmd {
            return self.resend_result(dev, complaint, id, now);
        }
        if crate::inspect::Inspector::handles(cmd) {
            let (result, events) = self.inspector.decide(&self.config, dev, cmd, now)?;
            return Ok((Reply::ok(id.clone(), now, result).to_json(), events, None));
        }
        let personal = Self::personal_value(cmd);
        if let Some((PersonalKind::NoticePhone, phone)) = personal {
            self.check_phone_cap(phone)?;
        }
        if let (Some(want), Some(counter)) = (&p.rate_ticket, dev.counter) {
            let prompt = self
                .engine
                .counter_state(counter)
                .and_then(|c| c.awaiting_rating);
            if prompt.is_none_or(|r| &r.ticket != want) {
                return Err(ErrorInfo::new(ErrorCode::NothingToRate)
                    .with_detail("the pad's ticket is no longer awaiting a rating"));
            }
        }
        // A plan of several engine commands is all or nothing.
        let before = (p.commands.len() > 1).then(|| self.engine.clone());
        let mut events = Vec::new();
        for c in &p.commands {
            match self.engine.apply(c, now) {
                Ok(e) => events.extend(e),
                Err(e) => {
                    if let Some(engine) = before {
                        self.engine = engine;
                    }
                    return Err(ErrorInfo::new(e.code()).with_detail(e.to_string()));
                }
            }
        }
        let sealed = personal.and_then(|(kind, phone)| self.seal(kind, phone, &events, now));
        // The number was given for this ticket's notices: the customer's consent, on record.
        if let Some(s) = sealed
            .as_ref()
            .filter(|s| s.kind == PersonalKind::NoticePhone)
        {
            let visit = events.iter().find_map(|e| match &e.kind {
                EventKind::TicketIssued { ticket, visit, .. } if ticket.as_str() == s.owner => {
                    Some((ticket.clone(), visit.clone()))
                }
                _ => None,
            });
            if let Some((ticket, visit)) = visit {
                events.push(Event {
                    at_ms: now,
                    kind: EventKind::NoticeConsented {
                        ticket,
                        visit,
                        via: dev.id.to_string(),
                        lead: None,
                    },
                });
            }
        }
        let result = self.result(&p.reply, &events);
        Ok((Reply::ok(id.clone(), now, result).to_json(), events, sealed))
    }
}
