//! Complaint cases: their time limits (first contact 2 h; solution 24 h for a general case,
//! progress feedback 72 h for a complex one), the open ones with the time they have left, the
//! resolved ones with the written result the customer was told, and the monthly hot spots by
//! business type and responsibility.

use std::collections::BTreeMap;

use hallq_proto::{ComplaintAnswer, Timestamp, time};

/// One complaint case as the events tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintCase {
    /// Its id (K{day}-{n}).
    pub id: String,
    /// Opened.
    pub opened: Timestamp,
    /// Complex (72 h feedback) rather than general (24 h solution).
    pub complex: bool,
    /// The business type it concerns.
    pub business: Option<String>,
    /// Who is responsible (as the supervisor recorded it).
    pub responsibility: Option<String>,
    /// The first contact is due by then.
    pub first_contact_due: Timestamp,
    /// The solution (general) or progress feedback (complex) is due by then.
    pub due: Timestamp,
    /// First contact with the customer.
    pub contacted: Option<Timestamp>,
    /// First update of any kind (progress feedback).
    pub first_update: Option<Timestamp>,
    /// Resolved.
    pub resolved: Option<Timestamp>,
    /// The written result recorded with the resolution (cause, solution, compensation,
    /// promise); none when resolved without one.
    pub answer: Option<ComplaintAnswer>,
    /// Opened before the report's range and still open when it began: listed with the open
    /// cases, not counted by the range's KPIs and hot spots (the months it was opened in did).
    pub carried: bool,
}

/// Whether a time limit was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Done in time.
    Met,
    /// Done late, or not done and past due.
    Missed,
    /// Not done and not yet due.
    Pending,
}

impl ComplaintCase {
    fn judge(done: Option<Timestamp>, due: Timestamp, now: Timestamp) -> Limit {
        match done {
            Some(t) if t <= due => Limit::Met,
            Some(_) => Limit::Missed,
            None if now > due => Limit::Missed,
            None => Limit::Pending,
        }
    }

    /// The first contact within 2 h.
    pub fn first_contact(&self, now: Timestamp) -> Limit {
        Self::judge(self.contacted, self.first_contact_due, now)
    }

    /// The solution (general) or the first progress feedback or solution (complex) in time.
    pub fn main_limit(&self, now: Timestamp) -> Limit {
        let done = if self.complex {
            match (self.first_update, self.resolved) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        } else {
            self.resolved
        };
        Self::judge(done, self.due, now)
    }
}

/// An open complaint and the time it has left.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenComplaint {
    /// Its id.
    pub id: String,
    /// General or complex.
    pub complex: bool,
    /// Its business type.
    pub business: String,
    /// The month it was opened (`YYYYMM`, hall time): an earlier one than the range's for a
    /// case carried in.
    pub opened_month: u32,
    /// Hours left before its due time (negative: overdue).
    pub hours_left: f64,
    /// Whether the customer has been contacted.
    pub contacted: bool,
}

/// A case resolved in the range, with the written result the customer was told: the
/// service-quality department reads these beside the hot spots.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedComplaint {
    /// Its id.
    pub id: String,
    /// Its business type.
    pub business: String,
    /// Who was responsible.
    pub responsibility: String,
    /// When it was resolved.
    pub resolved: Timestamp,
    /// The same, on the hall's clock (`YYYY-MM-DD HH:MM`).
    pub resolved_local: String,
    /// The written result; none when the resolution had none (the report says so: the hall
    /// code asks for one).
    pub answer: Option<ComplaintAnswer>,
}

/// The complaint section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComplaintSummary {
    /// Opened in the range.
    pub opened: u64,
    /// Opened before the range and still open when it began (carried in) …
    pub carried: u64,
    /// … of which still open.
    pub carried_open: u64,
    /// Resolved.
    pub resolved: u64,
    /// Open and not yet due: not judged by the resolution rate.
    pub pending: u64,
    /// First contacts within 2 h, of those judged.
    pub contact_met: u64,
    /// First contacts judged (done, or past due).
    pub contact_judged: u64,
    /// Main limits (24 h solution / 72 h feedback) met, of those judged.
    pub limit_met: u64,
    /// Main limits judged.
    pub limit_judged: u64,
    /// The open ones, soonest due first.
    pub open: Vec<OpenComplaint>,
    /// The ones resolved in the range (also those carried in), in order of resolution.
    pub answered: Vec<ResolvedComplaint>,
    /// (month YYYYMM, business, responsibility) → complaints opened, most first per month.
    pub hot_spots: Vec<(u32, String, String, u64)>,
}

impl ComplaintSummary {
    /// Resolved, of those resolved or past due unresolved (cases still within their limit are
    /// not counted against the hall), in percent.
    pub fn resolution_pct(&self) -> Option<f64> {
        let judged = self.opened - self.pending;
        (judged > 0).then(|| 100.0 * self.resolved as f64 / judged as f64)
    }

    /// Sums up `cases` at `now`.
    pub fn of(cases: &[ComplaintCase], now: Timestamp, utc_offset_min: i32) -> Self {
        let mut s = Self::default();
        let mut spots: BTreeMap<(u32, String, String), u64> = BTreeMap::new();
        for c in cases {
            let month = time::local(c.opened, utc_offset_min).0.0 / 100;
            if c.resolved.is_none() {
                s.open.push(OpenComplaint {
                    id: c.id.clone(),
                    complex: c.complex,
                    business: c.business.clone().unwrap_or_else(|| "-".into()),
                    opened_month: month,
                    hours_left: (c.due.0 - now.0) as f64 / 3_600_000.0,
                    contacted: c.contacted.is_some(),
                });
            }
            if let Some(resolved) = c.resolved {
                s.answered.push(ResolvedComplaint {
                    id: c.id.clone(),
                    business: c.business.clone().unwrap_or_else(|| "-".into()),
                    responsibility: c.responsibility.clone().unwrap_or_else(|| "-".into()),
                    resolved,
                    resolved_local: time::iso_minute(resolved, utc_offset_min),
                    answer: c.answer.clone(),
                });
            }
            if c.carried {
                s.carried += 1;
                s.carried_open += u64::from(c.resolved.is_none());
                continue;
            }
            s.opened += 1;
            if c.resolved.is_some() {
                s.resolved += 1;
            } else if now <= c.due {
                s.pending += 1;
            }
            match c.first_contact(now) {
                Limit::Met => {
                    (s.contact_met, s.contact_judged) = (s.contact_met + 1, s.contact_judged + 1)
                }
                Limit::Missed => s.contact_judged += 1,
                Limit::Pending => {}
            }
            match c.main_limit(now) {
                Limit::Met => (s.limit_met, s.limit_judged) = (s.limit_met + 1, s.limit_judged + 1),
                Limit::Missed => s.limit_judged += 1,
                Limit::Pending => {}
            }
            *spots
                .entry((
                    month,
                    c.business.clone().unwrap_or_else(|| "-".into()),
                    c.responsibility.clone().unwrap_or_else(|| "-".into()),
                ))
                .or_default() += 1;
        }
        s.open.sort_by(|a, b| a.hours_left.total_cmp(&b.hours_left));
        s.answered
            .sort_by(|a, b| a.resolved.cmp(&b.resolved).then(a.id.cmp(&b.id)));
        let mut hot: Vec<(u32, String, String, u64)> = spots
            .into_iter()
            .map(|((m, b, r), n)| (m, b, r, n))
            .collect();
        hot.sort_by(|a, b| a.0.cmp(&b.0).then(b.3.cmp(&a.3)).then(a.1.cmp(&b.1)));
        s.hot_spots = hot;
        s
    }
}
