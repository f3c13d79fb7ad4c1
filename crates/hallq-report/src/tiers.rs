//! Customer value tiers (issue 16 §4; docs/reports.md "Value tiers"): waits and satisfaction
//! by tier beside the fairness figures, and each tier's bound shown as held: the largest head
//! start a tier ticket actually took over an ordinary ticket without a tier, against the
//! configured one.
//!
//! The head start a tier ticket took over a ticket it overtook is the time between their
//! queue times less its priority's head start (an elderly five-star customer's priority part is
//! the priority's, counted in the fairness section): the tier's own part, which the queue's
//! rule bounds by the tier's `head_start_min`.

use std::collections::BTreeMap;

use crate::config::ReportConfig;
use crate::visit::{TicketEnd, TicketRecord};

/// One tier's counts (level 0: tickets without a tier).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TierAcc {
    /// Tickets.
    pub tickets: u64,
    /// Called.
    pub called: u64,
    /// Their waits (ticket → first call), summed, ms.
    pub wait_sum_ms: i64,
    /// The longest wait, ms.
    pub max_wait_ms: i64,
    /// Called within the tier's answer target (without a tier: the hall's wait target).
    pub within_target: u64,
    /// Served.
    pub served: u64,
    /// Rated.
    pub rated: u64,
    /// Rated 满意 or 非常满意.
    pub satisfied: u64,
    /// Ordinary tickets without a tier that a ticket of this tier was called before although
    /// they were queued before it …
    pub overtakes: u64,
    /// … the largest head start the tier gave over them, ms …
    pub max_head_start_ms: Option<i64>,
    /// … the largest head start the journal says the tier had …
    pub configured_ms: i64,
    /// … and overtakes beyond it.
    pub beyond_bound: u64,
}

/// What the fold gathers for the tier figures, by level.
#[derive(Debug, Clone, Default)]
pub struct TiersAcc {
    pub(crate) levels: BTreeMap<u8, TierAcc>,
}

impl TiersAcc {
    /// A ticket of `level` (0: none), when its day closed.
    pub(crate) fn ticket(&mut self, level: u8, t: &TicketRecord, cfg: &ReportConfig) {
        let target_min = cfg
            .tiers
            .iter()
            .find(|x| x.level == level)
            .map_or(cfg.targets.wait_target_min, |x| x.answer_target_min);
        let acc = self.levels.entry(level).or_default();
        acc.tickets += 1;
        if let Some(w) = t.wait_ms() {
            acc.called += 1;
            acc.wait_sum_ms += w;
            acc.max_wait_ms = acc.max_wait_ms.max(w);
            acc.within_target += u64::from(w <= i64::from(target_min) * 60_000);
        }
        acc.served += u64::from(t.end == TicketEnd::Served);
        if let Some(s) = t.rating {
            acc.rated += 1;
            acc.satisfied += u64::from(s.is_satisfied());
        }
    }

    /// A tier ticket's first call: it went before `overtaken` ordinary tickets without a tier,
    /// the earliest by `head_start_ms` of the tier's own; the tier had `configured_ms`.
    pub(crate) fn overtook(
        &mut self,
        level: u8,
        overtaken: u64,
        head_start_ms: Option<i64>,
        configured_ms: i64,
    ) {
        let acc = self.levels.entry(level).or_default();
        acc.configured_ms = acc.configured_ms.max(configured_ms);
        acc.overtakes += overtaken;
        acc.max_head_start_ms = acc.max_head_start_ms.max(head_start_ms);
        if head_start_ms.is_some_and(|h| h > configured_ms) {
            acc.beyond_bound += 1;
        }
    }

    /// Adds the counts of a later range of days.
    pub(crate) fn join(&mut self, later: TiersAcc) {
        for (level, b) in later.levels {
            let a = self.levels.entry(level).or_default();
            a.tickets += b.tickets;
            a.called += b.called;
            a.wait_sum_ms += b.wait_sum_ms;
            a.max_wait_ms = a.max_wait_ms.max(b.max_wait_ms);
            a.within_target += b.within_target;
            a.served += b.served;
            a.rated += b.rated;
            a.satisfied += b.satisfied;
            a.overtakes += b.overtakes;
            a.max_head_start_ms = a.max_head_start_ms.max(b.max_head_start_ms);
            a.configured_ms = a.configured_ms.max(b.configured_ms);
            a.beyond_bound += b.beyond_bound;
        }
    }

    /// The report's rows: one per configured tier and per tier seen, highest first, then the
    /// tickets without a tier. None when the hall has no tiers and the journal none either.
    pub(crate) fn rows(&self, cfg: &ReportConfig) -> Vec<TierRow> {
        let mut levels: Vec<u8> = cfg.tiers.iter().map(|t| t.level).collect();
        levels.extend(self.levels.keys().filter(|&&l| l > 0));
        levels.sort_unstable();
        levels.dedup();
        if levels.is_empty() {
            return Vec::new();
        }
        levels.reverse();
        levels.push(0);
        levels
            .into_iter()
            .map(|level| {
                let a = self.levels.get(&level).copied().unwrap_or_default();
                let tier = cfg.tiers.iter().find(|t| t.level == level);
                let name = match (level, tier) {
                    (0, _) => "no tier 无等级".to_owned(),
                    (_, Some(t)) => format!("{} {}", t.name.zh, t.name.en),
                    (l, None) => format!("tier {l} (not configured 未配置)"),
                };
                let configured_min = tier.map_or(a.configured_ms / 60_000, |t| {
                    i64::from(t.head_start_min).max(a.configured_ms / 60_000)
                });
                TierRow {
                    level,
                    name,
                    target_min: tier.map_or(cfg.targets.wait_target_min, |t| t.answer_target_min),
                    acc: a,
                    configured_min: (level > 0).then_some(configured_min),
                }
            })
            .collect()
    }
}

/// A tier's line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct TierRow {
    /// Its level; 0 for the tickets without a tier.
    pub level: u8,
    /// Its name, Chinese and English.
    pub name: String,
    /// Its answer target, minutes (without a tier: the hall's wait target).
    pub target_min: u32,
    /// Its counts.
    pub acc: TierAcc,
    /// Its configured head start, minutes (`None` for no tier).
    pub configured_min: Option<i64>,
}

impl TierRow {
    /// Mean wait, minutes.
    pub fn mean_wait_min(&self) -> Option<f64> {
        (self.acc.called > 0).then(|| self.acc.wait_sum_ms as f64 / self.acc.called as f64 / 6e4)
    }

    /// Called within the answer target, percent of those called.
    pub fn within_target_pct(&self) -> Option<f64> {
        (self.acc.called > 0)
            .then(|| 100.0 * self.acc.within_target as f64 / self.acc.called as f64)
    }

    /// Satisfied, percent of those rated.
    pub fn satisfied_pct(&self) -> Option<f64> {
        (self.acc.rated > 0).then(|| 100.0 * self.acc.satisfied as f64 / self.acc.rated as f64)
    }

    /// The largest head start used, minutes.
    pub fn max_head_start_min(&self) -> Option<f64> {
        self.acc.max_head_start_ms.map(|ms| ms as f64 / 6e4)
    }

    /// Whether no overtake took more than the configured head start.
    pub fn held(&self) -> bool {
        self.acc.beyond_bound == 0
    }
}
