//! A journal built by hand: events at minutes after 09:00 on Monday 2026-11-23 (hall time,
//! UTC+8), named ids, and the small hall the known answers are computed for.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    reason = "test helpers: each test binary uses its own subset"
)]

use hallq_proto::{
    BusinessClass, BusinessCode, BusinessDay, ComplaintCategory, ComplaintId, CounterNo, Lang,
    Priority, Score, ServiceResult, StaffNo, TicketId, TicketNo, Timestamp, TransferTarget,
    VisitId, time,
};
use hallq_queue::event::CloseReason;
use hallq_queue::{Event, EventKind as E, VisitOutcome};
use hallq_report::{BusinessInfo, CounterInfo, ReportConfig, Targets};

pub const CST: i32 = 480;
pub const DAY: BusinessDay = BusinessDay(20261123);

/// 09:00 of `DAY` plus `min` minutes, plus `days` days.
pub fn at_day(days: i64, min: f64) -> Timestamp {
    let base = time::at(DAY, 9 * 60, CST);
    Timestamp(base.0 + days * 86_400_000 + (min * 60_000.0).round() as i64)
}

pub fn at(min: f64) -> Timestamp {
    at_day(0, min)
}

pub fn v(s: &str) -> VisitId {
    VisitId::new(s).unwrap()
}
pub fn t(s: &str) -> TicketId {
    TicketId::new(s).unwrap()
}
pub fn b(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}
pub fn staff(s: &str) -> StaffNo {
    StaffNo::new(s).unwrap()
}

/// The hall: basic (15 min), complex (30 min), consult (10 min); counter 1 serves basic and
/// consult, counter 2 complex.
pub fn config() -> ReportConfig {
    let info = |code: &str, class, limit_min| BusinessInfo {
        code: b(code),
        name_zh: code.to_owned(),
        class,
        limit_min,
    };
    ReportConfig {
        hall_name: "测试厅".into(),
        utc_offset_min: CST,
        business: vec![
            info("basic", BusinessClass::Basic, 15),
            info("complex", BusinessClass::Complex, 30),
            info("consult", BusinessClass::Consultation, 10),
        ],
        counters: vec![
            CounterInfo {
                number: CounterNo(1),
                skills: vec![b("basic"), b("consult")],
            },
            CounterInfo {
                number: CounterNo(2),
                skills: vec![b("complex")],
            },
        ],
        targets: Targets::default(),
        priority: hallq_report::config::PriorityRule::default(),
        rating_timeout_secs: 30,
        short_service_secs: 20,
        forgotten_finish_factor: 3,
        booking: None,
        tiers: Vec::new(),
    }
}

/// Events in order.
#[derive(Debug, Default)]
pub struct Script {
    pub events: Vec<Event>,
}

impl Script {
    pub fn push(&mut self, at: Timestamp, kind: E) -> &mut Self {
        self.events.push(Event { at_ms: at, kind });
        self
    }

    pub fn arrive(&mut self, visit: &str, at: Timestamp) -> &mut Self {
        self.push(at, E::VisitStarted { visit: v(visit) })
    }

    pub fn issue(
        &mut self,
        ticket: &str,
        visit: &str,
        business: &str,
        priority: Priority,
        at: Timestamp,
    ) -> &mut Self {
        self.push(
            at,
            E::TicketIssued {
                ticket: t(ticket),
                visit: v(visit),
                number: TicketNo(ticket.to_owned()),
                seq: 1,
                business: b(business),
                priority,
                reason: None,
                granted_by: None,
                lang: Lang::Zh,
                notify: false,
                booked: None,
                tier: None,
            },
        )
    }

    pub fn call(&mut self, ticket: &str, visit: &str, counter: u16, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::TicketCalled {
                ticket: t(ticket),
                visit: v(visit),
                counter: CounterNo(counter),
                staff: staff(&format!("E{counter}")),
                recall: 0,
                by_hand: false,
            },
        )
    }

    pub fn start(&mut self, ticket: &str, visit: &str, counter: u16, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::ServiceStarted {
                ticket: t(ticket),
                visit: v(visit),
                counter: CounterNo(counter),
                staff: staff(&format!("E{counter}")),
            },
        )
    }

    pub fn finish(
        &mut self,
        ticket: &str,
        visit: &str,
        counter: u16,
        business: &str,
        at: Timestamp,
    ) -> &mut Self {
        self.push(
            at,
            E::ServiceFinished {
                ticket: t(ticket),
                visit: v(visit),
                counter: CounterNo(counter),
                staff: staff(&format!("E{counter}")),
                business: b(business),
                result: ServiceResult::Done,
                handling_secs: 0,
                missing: vec![],
            },
        )
    }

    pub fn rate(
        &mut self,
        ticket: &str,
        visit: &str,
        counter: u16,
        score: Score,
        at: Timestamp,
    ) -> &mut Self {
        self.push(
            at,
            E::Rated {
                ticket: t(ticket),
                visit: v(visit),
                counter: CounterNo(counter),
                staff: staff(&format!("E{counter}")),
                score,
            },
        )
    }

    pub fn end(&mut self, visit: &str, outcome: VisitOutcome, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::VisitEnded {
                visit: v(visit),
                outcome,
            },
        )
    }

    pub fn no_show(&mut self, ticket: &str, visit: &str, counter: u16, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::NoShow {
                ticket: t(ticket),
                visit: v(visit),
                counter: CounterNo(counter),
                recalls: 2,
                auto: false,
            },
        )
    }

    pub fn cancel(&mut self, ticket: &str, visit: &str, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::TicketCancelled {
                ticket: t(ticket),
                visit: v(visit),
            },
        )
    }

    pub fn close_ticket(&mut self, ticket: &str, visit: &str, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::TicketClosed {
                ticket: t(ticket),
                visit: v(visit),
                reason: CloseReason::DailyReset,
            },
        )
    }

    pub fn transfer(
        &mut self,
        ticket: &str,
        visit: &str,
        counter: u16,
        to: &str,
        at: Timestamp,
    ) -> &mut Self {
        self.push(
            at,
            E::TicketTransferred {
                ticket: t(ticket),
                visit: v(visit),
                counter: CounterNo(counter),
                to: TransferTarget::Business(b(to)),
                note: None,
            },
        )
    }

    pub fn open_counter(&mut self, counter: u16, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::CounterOpened {
                counter: CounterNo(counter),
            },
        )
    }

    pub fn close_counter(&mut self, counter: u16, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::CounterClosed {
                counter: CounterNo(counter),
            },
        )
    }

    pub fn complaint(
        &mut self,
        id: &str,
        category: ComplaintCategory,
        business: &str,
        responsibility: &str,
        at: Timestamp,
    ) -> &mut Self {
        self.push(
            at,
            E::ComplaintOpened {
                complaint: ComplaintId::new(id).unwrap(),
                category,
                summary: "s".into(),
                visit: None,
                ticket: None,
                business: Some(b(business)),
                responsibility: Some(responsibility.into()),
                opened_by: "supervisor-1".into(),
                first_contact_due_ms: at.plus_secs(2 * 3600),
                due_ms: at.plus_secs(i64::from(category.limit_hours()) * 3600),
            },
        )
    }

    pub fn complaint_update(&mut self, id: &str, contacted: bool, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::ComplaintUpdated {
                complaint: ComplaintId::new(id).unwrap(),
                visit: None,
                note: "n".into(),
                contacted,
            },
        )
    }

    pub fn complaint_resolved(&mut self, id: &str, at: Timestamp) -> &mut Self {
        self.push(
            at,
            E::ComplaintResolved {
                complaint: ComplaintId::new(id).unwrap(),
                visit: None,
                resolution: "r".into(),
                answer: None,
            },
        )
    }

    /// The case resolved with the written result the customer is told.
    pub fn complaint_answered(
        &mut self,
        id: &str,
        answer: hallq_proto::ComplaintAnswer,
        at: Timestamp,
    ) -> &mut Self {
        self.push(
            at,
            E::ComplaintResolved {
                complaint: ComplaintId::new(id).unwrap(),
                visit: None,
                resolution: "r".into(),
                answer: Some(answer),
            },
        )
    }

    /// A whole served visit of `business` at counter `counter`: arrival at `from`, ticket a
    /// minute later, call after `wait` min, start a minute after the call, `service` min of
    /// service, rated `score` (or not), departure.
    #[allow(clippy::too_many_arguments)]
    pub fn served(
        &mut self,
        name: &str,
        business: &str,
        counter: u16,
        from: f64,
        wait: f64,
        service: f64,
        score: Option<Score>,
    ) -> &mut Self {
        let (vis, tic) = (format!("V-{name}"), format!("T-{name}"));
        let call = from + 1.0 + wait;
        let done = call + 1.0 + service;
        self.arrive(&vis, at(from))
            .issue(&tic, &vis, business, Priority::Ordinary, at(from + 1.0))
            .call(&tic, &vis, counter, at(call))
            .start(&tic, &vis, counter, at(call + 1.0))
            .finish(&tic, &vis, counter, business, at(done));
        if let Some(s) = score {
            self.rate(&tic, &vis, counter, s, at(done + 0.25));
        }
        self.end(&vis, VisitOutcome::Served, at(done + 0.5))
    }

    /// Folds the events and builds the report for `now`.
    pub fn report(&self, cfg: &ReportConfig, now: Timestamp) -> hallq_report::Report {
        let mut fold = hallq_report::Fold::new(cfg);
        for e in &self.events {
            fold.apply(e);
        }
        fold.finish(now)
    }
}
