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
    /// Calls this tier's head start won over a ticket without a tier queued before it (the
    /// calls the ratio counts) …
    pub ratio_wins: u64,
    /// … of which beyond the tier's ratio: more wins in a row than `ratio` allows.
    pub beyond_ratio: u64,
}

/// A call from a business type's queue, as the tiers' ratio sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Call {
    /// A ticket with a tier and one without waited (the called one among them).
    pub(crate) contested: bool,
    /// The called ticket has a tier.
    pub(crate) to_tier: bool,
    /// The call was won by the tier's head start over a ticket without a tier queued before
    /// it: the tier's level.
    pub(crate) won: Option<u8>,
    /// Such wins in a row in this queue, this one included (0: not a win).
    pub(crate) run: u32,
    /// The win is beyond the tier's ratio.
    pub(crate) beyond: bool,
}

/// Per business type: the calls where a tier ticket and one without a tier both waited, who
/// got them, and the rows of calls won by a tier's head start against the tiers' ratio.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatioAcc {
    /// Calls from the queue while a ticket with a tier and one without waited …
    pub contested: u64,
    /// … that went to a ticket with a tier …
    pub to_tier: u64,
    /// … and to one without.
    pub to_plain: u64,
    /// Calls won by a tier's head start over a ticket without a tier queued before it.
    pub tier_wins: u64,
    /// The longest row of such wins.
    pub longest_run: u32,
    /// Wins beyond the ratio of the winning ticket's tier.
    pub beyond_ratio: u64,
}

/// What the fold gathers for the tier figures, by level.
#[derive(Debug, Clone, Default)]
pub struct TiersAcc {
    pub(crate) levels: BTreeMap<u8, TierAcc>,
    /// The ratio's figures by business type (code).
    pub(crate) calls: BTreeMap<String, RatioAcc>,
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

    /// A call from business type `business`'s queue (the tiers' ratio).
    pub(crate) fn call(&mut self, business: &str, c: Call) {
        if let Some(level) = c.won {
            let acc = self.levels.entry(level).or_default();
            acc.ratio_wins += 1;
            acc.beyond_ratio += u64::from(c.beyond);
        }
        if !c.contested && c.won.is_none() {
            return;
        }
        let r = match self.calls.get_mut(business) {
            Some(r) => r,
            None => self.calls.entry(business.to_owned()).or_default(),
        };
        if c.contested {
            r.contested += 1;
            if c.to_tier {
                r.to_tier += 1;
            } else {
                r.to_plain += 1;
            }
        }
        if c.won.is_some() {
            r.tier_wins += 1;
            r.longest_run = r.longest_run.max(c.run);
            r.beyond_ratio += u64::from(c.beyond);
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
            a.ratio_wins += b.ratio_wins;
            a.beyond_ratio += b.beyond_ratio;
        }
        // The ranges are cut at daily resets, where every row of wins ends.
        for (business, b) in later.calls {
            let a = self.calls.entry(business).or_default();
            a.contested += b.contested;
            a.to_tier += b.to_tier;
            a.to_plain += b.to_plain;
            a.tier_wins += b.tier_wins;
            a.longest_run = a.longest_run.max(b.longest_run);
            a.beyond_ratio += b.beyond_ratio;
        }
    }

    /// The ratio's rows, by business type, those with a contested call or a tier's win.
    pub(crate) fn ratio_rows(&self) -> Vec<(String, RatioAcc)> {
        self.calls.iter().map(|(b, r)| (b.clone(), *r)).collect()
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
                    ratio: tier.map(|t| t.ratio),
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
    /// Its configured ratio: calls in a row its head start may win while a ticket it overtook
    /// waits (0: no limit; `None`: no tier, or a tier the configuration lacks: the journal does
    /// not record the ratio).
    pub ratio: Option<u32>,
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

    /// Whether no call was won beyond the tier's ratio.
    pub fn ratio_held(&self) -> bool {
        self.acc.beyond_ratio == 0
    }
}
