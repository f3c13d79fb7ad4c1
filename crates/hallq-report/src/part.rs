//! [`Part`]: what the fold of one range of business days counted, to be joined with the
//! ranges after it; and the complaint updates that reach a case opened in an earlier range.

use std::collections::BTreeMap;

use hallq_proto::Timestamp;

use crate::appointments::AppointmentsAcc;
use crate::complaints::ComplaintCase;
use crate::config::ReportConfig;
use crate::measures::Measures;

/// A complaint's update or resolution.
#[derive(Debug, Clone)]
pub(crate) struct ComplaintUpdate {
    pub(crate) complaint: String,
    pub(crate) at: Timestamp,
    pub(crate) contacted: bool,
    pub(crate) resolved: bool,
    /// The written result, with a resolution.
    pub(crate) answer: Option<hallq_proto::ComplaintAnswer>,
}

impl ComplaintUpdate {
    pub(crate) fn apply(&self, c: &mut ComplaintCase) {
        if self.resolved {
            if c.resolved.is_none() {
                c.answer.clone_from(&self.answer);
            }
            c.resolved.get_or_insert(self.at);
        } else {
            c.first_update.get_or_insert(self.at);
            if self.contacted {
                c.contacted.get_or_insert(self.at);
            }
        }
    }
}

/// What the fold of one range of business days counted. Ranges folded apart (each starting
/// after a daily reset, when no visit, ticket or counter is open) are joined in order.
#[derive(Debug)]
pub struct Part {
    pub(crate) measures: Measures,
    /// The appointment figures' events and counts.
    pub(crate) appointments: AppointmentsAcc,
    /// The value tiers' counts.
    pub(crate) tiers: crate::tiers::TiersAcc,
    /// The door counter's and the kiosk's counts.
    pub(crate) door: crate::door::DoorAcc,
    pub(crate) complaints: BTreeMap<String, ComplaintCase>,
    pub(crate) orphan_updates: Vec<ComplaintUpdate>,
    /// Call-backs still owed at the part's end: visit → when asked.
    pub(crate) callbacks: BTreeMap<String, i64>,
    /// Call-backs made for consultations of an earlier part: (visit, when).
    pub(crate) orphan_callbacks: Vec<(String, i64)>,
    /// Events the fold read …
    pub(crate) events: u64,
    /// … of the journal's rows in the part's range (the reader counts them; a fold given
    /// events one by one reads every one).
    pub(crate) rows: u64,
    pub(crate) span: Option<(i64, i64)>,
}

impl Part {
    /// Adds `later`, the part of the range that follows this one.
    pub fn join(&mut self, later: Part) {
        self.measures.merge(later.measures);
        self.appointments.join(later.appointments);
        self.tiers.join(later.tiers);
        self.door.join(&later.door);
        for u in later.orphan_updates {
            match self.complaints.get_mut(&u.complaint) {
                Some(c) => u.apply(c),
                None => self.orphan_updates.push(u),
            }
        }
        self.complaints.extend(later.complaints);
        for (visit, at) in later.orphan_callbacks {
            match self.callbacks.remove(&visit) {
                Some(asked) => self.measures.callback_made(at - asked),
                None => self.orphan_callbacks.push((visit, at)),
            }
        }
        self.callbacks.extend(later.callbacks);
        self.events += later.events;
        self.rows += later.rows;
        self.span = match (self.span, later.span) {
            (Some((a, _)), Some((_, d))) => Some((a, d)),
            (a, b) => a.or(b),
        };
    }

    /// Adds the complaint cases opened before this part's range and still open when it began
    /// (`cases`, from [`crate::read::carried_complaints`]), with the updates this part saw of
    /// them: a month's report lists every case open at its end, whenever it was opened.
    pub fn carry_in(&mut self, cases: Vec<ComplaintCase>) {
        for mut c in cases {
            c.carried = true;
            let id = c.id.clone();
            for u in self.orphan_updates.iter().filter(|u| u.complaint == id) {
                u.apply(&mut c);
            }
            self.orphan_updates.retain(|u| u.complaint != id);
            self.complaints.insert(id, c);
        }
    }

    /// What the part counted: the report's figures before they are divided into means and
    /// percentages, so that the parts of several days can be summed elsewhere (HQ's roll-ups,
    /// which store them per hall, business day and business type).
    pub fn measures(&self) -> &Measures {
        &self.measures
    }

    /// The complaint cases the part saw opened (and those carried in), by id: HQ's console
    /// judges each case's next time limit from them.
    pub fn complaints(&self) -> impl Iterator<Item = &ComplaintCase> {
        self.complaints.values()
    }

    /// Puts the book's events from before the part's range (bookings made earlier for its
    /// days, from [`crate::read::carried_bookings`]) ahead of its own.
    pub fn carry_in_bookings(&mut self, events: Vec<(i64, hallq_booking::BookingEvent)>) {
        self.appointments.carry_in(events);
    }

    /// The report for `now`.
    pub fn report(self, cfg: &ReportConfig, now: Timestamp) -> crate::report::Report {
        let complaints: Vec<ComplaintCase> = self.complaints.into_values().collect();
        let owed: Vec<i64> = self.callbacks.into_values().collect();
        let appointments = self.appointments.section(cfg, self.span);
        let mut report = crate::report::Report::build(
            cfg,
            &self.measures,
            &complaints,
            &owed,
            now,
            (self.rows, self.events),
            self.span,
        );
        report.appointments = appointments;
        report.tiers = self.tiers.rows(cfg);
        report.tier_ratio = self.tiers.ratio_rows();
        crate::door::apply(&mut report, self.door.section());
        report
    }
}
