//! [`Figures`]: the day's numbers, from the simulator's ground truth ([`crate::ledger`]) and
//! from the journal, and [`Comparison`] of the two side by side. Both sides use the same
//! definitions: a ticket counts as served once a counter finished it (`tickets.status =
//! 'served'`), a no-show once skipped, a walk-out once cancelled; the wait is from the ticket's
//! issue to its first call.

use std::fmt::Write as _;
use std::path::Path;

use hallq_journal::Journal;

use crate::SimError;

/// The figures both sides must agree on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// Tickets issued.
    pub tickets: u64,
    /// Finished at a counter (any result).
    pub served: u64,
    /// Skipped as no-shows (过号).
    pub no_shows: u64,
    /// Cancelled because the customer left (walk-outs).
    pub walk_outs: u64,
    /// Waiting, called or being served when the day was stopped.
    pub still_open: u64,
    /// Ratings.
    pub ratings: u64,
    /// Of which 满意 or 非常满意.
    pub satisfied: u64,
    /// Complaints opened.
    pub complaints: u64,
    /// Complaints resolved.
    pub complaints_resolved: u64,
    /// Each called ticket's wait from issue to first call, in ms, sorted.
    pub waits_ms: Vec<i64>,
}

impl Figures {
    /// The wait at quantile `q` (nearest rank), in ms.
    pub fn wait_ms(&self, q: f64) -> Option<i64> {
        let n = self.waits_ms.len();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        Some(self.waits_ms[rank - 1])
    }

    /// The share of ratings that are satisfied, in percent.
    pub fn satisfaction_pct(&self) -> Option<f64> {
        (self.ratings > 0).then(|| 100.0 * self.satisfied as f64 / self.ratings as f64)
    }

    /// Reads the figures from the journal at `path` (read-only: the hub may still run).
    pub fn from_journal(path: &Path) -> Result<Self, SimError> {
        let journal = Journal::open_read_only(path)?;
        let db = journal.connection();
        let count = |sql: &str| -> Result<u64, SimError> {
            let n: i64 = db.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let status = |s: &str| {
            count(&format!(
                "SELECT count(*) FROM tickets WHERE status = '{s}'"
            ))
        };
        let mut stmt = db.prepare(
            "SELECT first_called_at_ms - issued_at_ms FROM tickets
             WHERE first_called_at_ms IS NOT NULL ORDER BY 1",
        )?;
        let waits_ms = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(Self {
            tickets: count("SELECT count(*) FROM tickets")?,
            served: status("served")?,
            no_shows: status("skipped")?,
            walk_outs: status("cancelled")?,
            still_open: count(
                "SELECT count(*) FROM tickets WHERE status IN ('waiting', 'called', 'serving')",
            )?,
            ratings: count("SELECT count(*) FROM ratings")?,
            satisfied: count(
                "SELECT count(*) FROM ratings WHERE score IN ('satisfied', 'very_satisfied')",
            )?,
            complaints: count("SELECT count(*) FROM complaints")?,
            complaints_resolved: count(
                "SELECT count(*) FROM complaints WHERE resolved_at_ms IS NOT NULL",
            )?,
            waits_ms,
        })
    }
}

/// What else the journal holds, for the summary.
#[derive(Debug, Clone, Default)]
pub struct JournalExtras {
    /// Visits.
    pub visits: u64,
    /// Events (touchpoint rows and the rest).
    pub events: u64,
    /// Which of the 16 touchpoints were recorded at least once.
    pub touchpoints: Vec<u8>,
    /// The last event's time.
    pub last_event_ms: Option<i64>,
}

impl JournalExtras {
    /// Reads them from the journal at `path`.
    pub fn read(path: &Path) -> Result<Self, SimError> {
        let journal = Journal::open_read_only(path)?;
        let db = journal.connection();
        let n = |sql: &str| -> Result<u64, SimError> {
            let n: i64 = db.query_row(sql, [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let mut stmt = db.prepare(
            "SELECT DISTINCT touchpoint FROM events WHERE touchpoint IS NOT NULL ORDER BY 1",
        )?;
        let touchpoints = stmt
            .query_map([], |r| r.get::<_, i64>(0))?
            .map(|r| r.map(|t| t as u8))
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(Self {
            visits: n("SELECT count(*) FROM visits")?,
            events: n("SELECT count(*) FROM events")?,
            touchpoints,
            last_event_ms: db.query_row("SELECT max(at_ms) FROM events", [], |r| r.get(0))?,
        })
    }
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What is counted, English and Chinese.
    pub label: &'static str,
    /// The simulator's value, shown.
    pub sim: String,
    /// The journal's value, shown.
    pub journal: String,
    /// Whether they agree.
    pub agree: bool,
}

/// The simulator's figures beside the journal's.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The rows.
    pub rows: Vec<Row>,
}

impl Comparison {
    /// Compares: counts exactly, waits to the millisecond (both come from the hub's clock:
    /// the reply's time is the event's), satisfaction as computed from the agreed counts.
    pub fn new(sim: &Figures, journal: &Figures) -> Self {
        let mut rows = Vec::new();
        let mut count = |label, a: u64, b: u64| {
            rows.push(Row {
                label,
                sim: a.to_string(),
                journal: b.to_string(),
                agree: a == b,
            })
        };
        count("tickets 取号", sim.tickets, journal.tickets);
        count("served 办结", sim.served, journal.served);
        count("no-shows 过号", sim.no_shows, journal.no_shows);
        count("walk-outs 离开", sim.walk_outs, journal.walk_outs);
        count("still open 未结", sim.still_open, journal.still_open);
        count("ratings 评价", sim.ratings, journal.ratings);
        count("satisfied 满意", sim.satisfied, journal.satisfied);
        count("complaints 投诉", sim.complaints, journal.complaints);
        count(
            "complaints resolved 已解决",
            sim.complaints_resolved,
            journal.complaints_resolved,
        );
        let minutes =
            |ms: Option<i64>| ms.map_or("-".into(), |ms| format!("{:.1}", ms as f64 / 60_000.0));
        for (label, q) in [("wait p50 等候 (min)", 0.5), ("wait p90 (min)", 0.9)] {
            let (a, b) = (sim.wait_ms(q), journal.wait_ms(q));
            rows.push(Row {
                label,
                sim: minutes(a),
                journal: minutes(b),
                // Within rounding: the same to the second.
                agree: match (a, b) {
                    (Some(a), Some(b)) => (a - b).abs() < 1000,
                    (None, None) => true,
                    _ => false,
                },
            });
        }
        let pct = |p: Option<f64>| p.map_or("-".into(), |p| format!("{p:.1}%"));
        rows.push(Row {
            label: "satisfaction 满意率",
            sim: pct(sim.satisfaction_pct()),
            journal: pct(journal.satisfaction_pct()),
            agree: sim.satisfied == journal.satisfied && sim.ratings == journal.ratings,
        });
        Self { rows }
    }

    /// Whether every row agrees.
    pub fn agrees(&self) -> bool {
        self.rows.iter().all(|r| r.agree)
    }

    /// The rows that disagree.
    pub fn disagreements(&self) -> Vec<&Row> {
        self.rows.iter().filter(|r| !r.agree).collect()
    }

    /// The table, one row a line.
    pub fn render(&self) -> String {
        let mut s = format!("{:<28}{:>12}{:>12}\n", "", "simulator", "journal");
        for r in &self.rows {
            let mark = if r.agree { "" } else { "   ≠ DISAGREE" };
            // Chinese characters are two columns wide on a terminal.
            let wide = r.label.chars().filter(|c| !c.is_ascii()).count();
            let pad = 28usize.saturating_sub(r.label.chars().count() + wide);
            let _ = writeln!(
                s,
                "{}{}{:>12}{:>12}{mark}",
                r.label,
                " ".repeat(pad),
                r.sim,
                r.journal
            );
        }
        if self.agrees() {
            s.push_str("agreement 一致: the simulator's figures and the journal's agree\n");
        } else {
            let _ = writeln!(
                s,
                "DISAGREEMENT 不一致: {} figure(s) differ: {}",
                self.disagreements().len(),
                self.disagreements()
                    .iter()
                    .map(|r| r.label)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let f = Figures {
            waits_ms: (1..=10).map(|i| i * 1000).collect(),
            ..Figures::default()
        };
        assert_eq!(f.wait_ms(0.5), Some(5000));
        assert_eq!(f.wait_ms(0.9), Some(9000));
        assert_eq!(Figures::default().wait_ms(0.5), None);
    }

    #[test]
    fn a_difference_is_reported() {
        let a = Figures {
            tickets: 3,
            ..Figures::default()
        };
        let b = Figures {
            tickets: 4,
            ..Figures::default()
        };
        assert!(Comparison::new(&a, &a).agrees());
        let c = Comparison::new(&a, &b);
        assert!(!c.agrees());
        assert_eq!(c.disagreements()[0].label, "tickets 取号");
        assert!(c.render().contains("DISAGREE"));
    }
}
