//! [`Report`]: the figures a hall manager reads, computed from the [`Measures`] at the end of
//! the fold. Plain data: the renderers (text, CSV, HTML) only lay it out.

use hallq_proto::{Timestamp, Touchpoint};

use crate::complaints::{ComplaintCase, ComplaintSummary};
use crate::config::ReportConfig;
use crate::hist::Histogram;
use crate::measures::Measures;
use crate::measures::StaffAcc;
use crate::visit::Outcome;

pub use crate::hours::{HourRow, Period};

/// A duration's distribution, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Durations {
    /// How many.
    pub count: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Median (nearest rank, whole seconds).
    pub p50: Option<u64>,
    /// 90th percentile.
    pub p90: Option<u64>,
    /// Longest.
    pub max: Option<f64>,
}

impl From<&Histogram> for Durations {
    fn from(h: &Histogram) -> Self {
        Self {
            count: h.count(),
            mean: h.mean_secs(),
            p50: h.quantile_secs(0.5),
            p90: h.quantile_secs(0.9),
            max: h.max_secs(),
        }
    }
}

/// One KPI against its target.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    /// Its key in CSV.
    pub key: &'static str,
    /// Its label.
    pub label: String,
    /// Numerator.
    pub num: u64,
    /// Denominator.
    pub den: u64,
    /// The target, percent.
    pub target_pct: f64,
    /// What is left out or worth knowing.
    pub note: String,
}

impl Kpi {
    /// The value in percent; `None` with nothing to judge.
    pub fn pct(&self) -> Option<f64> {
        (self.den > 0).then(|| 100.0 * self.num as f64 / self.den as f64)
    }

    /// Whether the target is met.
    pub fn met(&self) -> Option<bool> {
        self.pct().map(|p| p >= self.target_pct)
    }
}

/// A business type's line.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessRow {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its limit, minutes (`None`: not in the configuration).
    pub limit_min: Option<u32>,
    /// Tickets.
    pub tickets: u64,
    /// Served.
    pub served: u64,
    /// Mean wait, seconds.
    pub mean_wait: Option<f64>,
    /// Mean handling, seconds.
    pub mean_service: Option<f64>,
    /// Within limit, of those judged.
    pub within: u64,
    /// Judged.
    pub judged: u64,
}

/// A touchpoint's line of the map.
#[derive(Debug, Clone, PartialEq)]
pub struct TouchRow {
    /// 1–16.
    pub number: u8,
    /// Its name, Chinese and English.
    pub name: String,
    /// Visits that reached it.
    pub reached: u64,
    /// Of which went on (were neither lost nor ended here without a ticket).
    pub went_on: u64,
    /// Lost here: the last touchpoint of a no-show, walk-out or reset-closed visit.
    pub lost_here: u64,
    /// Ended here without a ticket.
    pub ended_without_ticket: u64,
    /// Mean time spent here, seconds.
    pub mean_secs: Option<f64>,
    /// Share of rated visits rated 一般/不满意, percent.
    pub low_rating_pct: Option<f64>,
    /// What a device counted here without a visit (touchpoints 2–4 and 9: the door counter's
    /// people, the kiosk's sessions; [`crate::door`]); `None` elsewhere or when nothing did.
    pub counted: Option<u64>,
    /// What [`TouchRow::counted`] counts, in words (Chinese and English); empty without it.
    pub counted_what: String,
}

/// A clerk's line.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffRow {
    /// 工号.
    pub staff: String,
    /// Served.
    pub served: u64,
    /// Mean handling, seconds.
    pub mean_service: Option<f64>,
    /// Within limit, percent of judged.
    pub within_pct: Option<f64>,
    /// Ratings.
    pub rated: u64,
    /// Satisfied share, percent.
    pub satisfied_pct: Option<f64>,
    /// 不满意 count.
    pub dissatisfied: u64,
}

impl StaffRow {
    /// The line of clerk `staff` from what was counted for them.
    fn of(staff: &str, a: &StaffAcc) -> Self {
        let rated: u64 = a.ratings.iter().sum();
        Self {
            staff: staff.to_owned(),
            served: a.served,
            mean_service: (a.judged > 0).then(|| a.service_sum_ms as f64 / a.judged as f64 / 1e3),
            within_pct: pct(a.within, a.judged),
            rated,
            satisfied_pct: pct(a.ratings[2] + a.ratings[3], rated),
            dissatisfied: a.ratings[0],
        }
    }
}

/// A clerk's month: too few services to judge (`below: None`), below the satisfaction or the
/// within-limit target, or not.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffMonth {
    /// `YYYYMM`, hall time.
    pub month: u32,
    /// The clerk's figures of that month.
    pub row: StaffRow,
    /// Below a target; `None` with fewer than [`MIN_SERVED_TO_JUDGE`] services.
    pub below: Option<bool>,
}

/// A clerk below target in consecutive months, three or more, ending with `months`' last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retraining {
    /// 工号.
    pub staff: String,
    /// The months below target (`YYYYMM`), oldest first.
    pub months: Vec<u32>,
}

/// Services a clerk needs in a month for the month to be judged: a handful of ratings say
/// little about a clerk.
pub const MIN_SERVED_TO_JUDGE: u64 = 20;

/// Consecutive calendar months below target before retraining is due (DOMAIN.md).
pub const RETRAINING_MONTHS: usize = 3;

/// The clerks with a run of at least [`RETRAINING_MONTHS`] consecutive months judged below
/// target (the latest such run each). A month not judged, or missing, breaks the run.
fn retraining(months: &[StaffMonth]) -> Vec<Retraining> {
    let mut out: Vec<Retraining> = Vec::new();
    let mut run: Vec<u32> = Vec::new();
    let mut longest: Option<Vec<u32>> = None;
    let mut current: Option<&str> = None;
    let next_month = |m: u32| {
        if m % 100 == 12 {
            (m / 100 + 1) * 100 + 1
        } else {
            m + 1
        }
    };
    let mut flush = |staff: Option<&str>, longest: &mut Option<Vec<u32>>| {
        if let (Some(staff), Some(months)) = (staff, longest.take()) {
            out.push(Retraining {
                staff: staff.to_owned(),
                months,
            });
        }
    };
    for m in months {
        if current != Some(m.row.staff.as_str()) {
            flush(current, &mut longest);
            current = Some(m.row.staff.as_str());
            run.clear();
        }
        if m.below != Some(true) || run.last().is_some_and(|&last| next_month(last) != m.month) {
            run.clear();
        }
        if m.below == Some(true) {
            run.push(m.month);
            if run.len() >= RETRAINING_MONTHS {
                longest = Some(run.clone());
            }
        }
    }
    flush(current, &mut longest);
    out
}

/// A counter's line.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterRow {
    /// Its number.
    pub counter: u16,
    /// Served.
    pub served: u64,
    /// Hours open.
    pub open_h: f64,
    /// Minutes idle while tickets it could serve were waiting.
    pub idle_while_waiting_min: f64,
}

/// A priority class against its head start (the queue's aging rule).
#[derive(Debug, Clone, PartialEq)]
pub struct FairnessClass {
    /// 优先 care or 绿色通道 green channel.
    pub label: &'static str,
    /// Ordinary tickets it overtook.
    pub overtakes: u64,
    /// The largest head start actually taken, minutes: the overtaken ticket had been queued
    /// that long before the priority one.
    pub max_head_start_min: Option<f64>,
    /// The configured head start, minutes.
    pub configured_min: u32,
}

impl FairnessClass {
    /// Whether the bound held: no overtake took more than the configured head start.
    pub fn held(&self) -> bool {
        self.max_head_start_min
            .is_none_or(|m| m <= f64::from(self.configured_min))
    }
}

/// Priority fairness.
#[derive(Debug, Clone, PartialEq)]
pub struct Fairness {
    /// Ordinary tickets (called or not).
    pub ordinary: u64,
    /// Of which overtaken by a priority ticket at least once, whatever became of them …
    pub overtaken: u64,
    /// … of which left without being called (walked out, or closed by the reset).
    pub overtaken_left: u64,
    /// Overtakes in all.
    pub overtakes: u64,
    /// Estimated delay per overtake, minutes: the delay's sum over the overtakes it sums.
    pub mean_delay_min: Option<f64>,
    /// Care, then green channel.
    pub classes: Vec<FairnessClass>,
    /// Ordinary waits.
    pub ordinary_wait: Durations,
    /// Priority waits.
    pub priority_wait: Durations,
}

/// No-shows that were customers who had left without telling anyone: the journal cannot tell
/// them from customers who never meant to come, so they are estimated. A ticket called within
/// the waiting-time target shows the hall's own no-show rate; tickets called after a longer
/// wait no-show more, and the excess over that rate is the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct SilentWalkouts {
    /// The waiting-time target, minutes: the line between short and long waits.
    pub threshold_min: u32,
    /// Tickets called within it, and of them no-shows.
    pub short: (u64, u64),
    /// Tickets called after it, and of them no-shows.
    pub long: (u64, u64),
    /// Estimated silent walk-outs among the no-shows: the long waits' no-shows beyond the
    /// short waits' rate (never below 0). `None` with no short wait to take the rate from.
    pub estimate: Option<f64>,
}

impl SilentWalkouts {
    fn of(m: &Measures, threshold_min: u32) -> Self {
        let (n_short, ns_short) = (m.called_by_wait[0], m.no_shows_by_wait[0]);
        let (n_long, ns_long) = (m.called_by_wait[1], m.no_shows_by_wait[1]);
        let estimate = (n_short > 0).then(|| {
            let rate = ns_short as f64 / n_short as f64;
            (ns_long as f64 - rate * n_long as f64).max(0.0)
        });
        Self {
            threshold_min,
            short: (n_short, ns_short),
            long: (n_long, ns_long),
            estimate,
        }
    }
}

/// The report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The hall.
    pub hall: String,
    /// The time the report was made for.
    pub now: Timestamp,
    /// The journal's rows in the range (every event recorded) …
    pub rows: u64,
    /// … of which the report read (the kinds that change a figure; prints, announcements,
    /// sign-ins and touches without a visit but the door's and the kiosk's are skipped by their
    /// columns).
    pub events: u64,
    /// The first and last event's time.
    pub span: Option<(Timestamp, Timestamp)>,
    /// Visits closed.
    pub visits: u64,
    /// Visits per outcome.
    pub outcomes: Vec<(Outcome, u64)>,
    /// Visits with a transfer.
    pub transferred: u64,
    /// Tickets.
    pub tickets: u64,
    /// Served tickets.
    pub served: u64,
    /// Tickets by how they ended: served, no-show, walked out, closed by the reset, open.
    pub ticket_ends: [u64; 5],
    /// Ratings by score, dissatisfied … very satisfied.
    pub ratings: [u64; 4],
    /// No-shows that were probably silent walk-outs (estimated).
    pub silent_walkouts: SilentWalkouts,
    /// Ticket → call.
    pub wait: Durations,
    /// Transfer → the next call (a ticket's waits after its transfers, summed).
    pub wait_after_transfer: Durations,
    /// Call → start.
    pub walk: Durations,
    /// Start → finish, every segment of a transferred ticket.
    pub service: Durations,
    /// Arrival → departure.
    pub stay: Durations,
    /// Waits per minute (0–60, the last holds the rest), for the chart.
    pub wait_per_minute: Vec<u64>,
    /// The KPIs.
    pub kpis: Vec<Kpi>,
    /// Per business type.
    pub business: Vec<BusinessRow>,
    /// The touchpoint map, 1–16.
    pub touchpoints: Vec<TouchRow>,
    /// The week, hour by hour (168 rows, Monday 00:00 first).
    pub hours: Vec<HourRow>,
    /// Per clerk.
    pub staff: Vec<StaffRow>,
    /// Per clerk and month, in that order.
    pub staff_months: Vec<StaffMonth>,
    /// Clerks below target three calendar months running (DOMAIN.md: retraining).
    pub retraining: Vec<Retraining>,
    /// Per counter.
    pub counters: Vec<CounterRow>,
    /// Complaints.
    pub complaints: ComplaintSummary,
    /// Priority fairness.
    pub fairness: Fairness,
    /// Data quality (the accumulator as it is).
    pub quality: crate::measures::QualityAcc,
    /// Appointments (预约).
    pub appointments: crate::appointments::Section,
    /// Service-standard inspections (服务监督), once [`Report::add_inspections`] has added them.
    pub inspections: Option<crate::inspections::Section>,
    /// Value tiers (客户价值分层), highest first, then the tickets without one; empty when the
    /// hall has none.
    pub tiers: Vec<crate::tiers::TierRow>,
    /// The tiers' ratio per business type: the calls where a tier ticket and one without both
    /// waited, who got them, and the rows of calls won by a tier against its ratio.
    pub tier_ratio: Vec<(String, crate::tiers::RatioAcc)>,
    /// The door counter and the kiosk (touchpoints 2–4 and 9).
    pub door: crate::door::Section,
    /// The touchpoints nothing observed in the range, and why.
    pub unobserved: Vec<crate::door::Unobserved>,
    /// What the journal cannot tell.
    pub notes: Vec<String>,
}

/// The note of a report made without the inspections section ([`Report::add_inspections`]).
const NO_INSPECTIONS: &str = "service-standard compliance 规范服务达标率 (≥ 95 %) comes from the journal's inspection records, which this report did not read 本报表未读取检查记录: not reported 不报告";

/// The note listing the touchpoints nothing observed (neither a visit nor a device's count).
pub(crate) fn never_note(touchpoints: &[TouchRow]) -> Option<String> {
    let never: Vec<String> = touchpoints
        .iter()
        .filter(|r| r.reached == 0 && r.counted.is_none_or(|n| n == 0))
        .map(|r| format!("{} {}", r.number, r.name))
        .collect();
    (!never.is_empty()).then(|| {
        format!(
            "{NEVER_OBSERVED} (no device observes them, or the hall has none 无设备记录或本厅没有; why: the unobserved touchpoints' table): {}",
            never.join(", ")
        )
    })
}

/// The start of [`never_note`]'s note.
pub(crate) const NEVER_OBSERVED: &str =
    "touchpoints nothing observed in this journal 本日志中无任何记录的接触点";

pub(crate) fn pct(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| 100.0 * num as f64 / den as f64)
}

impl Report {
    /// Computes the report from the accumulators.
    pub fn build(
        cfg: &ReportConfig,
        m: &Measures,
        complaints: &[ComplaintCase],
        callbacks_owed: &[i64],
        now: Timestamp,
        (rows, events): (u64, u64),
        span: Option<(i64, i64)>,
    ) -> Self {
        let complaints = ComplaintSummary::of(complaints, now, cfg.utc_offset_min);
        let t = &cfg.targets;
        let rated: u64 = m.ratings.iter().sum();
        let satisfied = m.ratings[2] + m.ratings[3];
        let flagged = m.quality.short_services + m.quality.forgotten_finish;
        let kpis = vec![
            Kpi {
                key: "satisfaction",
                label: "satisfaction 满意率".into(),
                num: satisfied,
                den: rated,
                target_pct: t.satisfaction_pct,
                note: format!("{} served without a rating", m.quality.missing_ratings),
            },
            Kpi {
                key: "within_limit",
                label: "handled within limit 及时率".into(),
                num: m.within_limit,
                den: m.judged,
                target_pct: t.within_limit_pct,
                note: format!("{flagged} flagged services not judged (data quality)"),
            },
            Kpi {
                key: "complaint_resolution",
                label: "complaints resolved 投诉解决率".into(),
                num: complaints.resolved,
                den: complaints.opened - complaints.pending,
                target_pct: t.complaint_resolution_pct,
                note: format!("{} open and still within their limit", complaints.pending),
            },
            Kpi {
                key: "complaint_first_contact",
                label: "complaint first contact ≤ 2 h 首次联系".into(),
                num: complaints.contact_met,
                den: complaints.contact_judged,
                target_pct: t.complaint_resolution_pct,
                note: "target: the resolution rate's".into(),
            },
            Kpi {
                key: "complaint_limit",
                label: "complaint solution 24 h / feedback 72 h 时限".into(),
                num: complaints.limit_met,
                den: complaints.limit_judged,
                target_pct: t.complaint_resolution_pct,
                note: "target: the resolution rate's".into(),
            },
            {
                // Owed at `now`: past their 24 h (missed), or still within them (not judged).
                let overdue = callbacks_owed
                    .iter()
                    .filter(|&&asked| now.0 - asked > crate::measures::CALLBACK_LIMIT_MS)
                    .count() as u64;
                let pending = callbacks_owed.len() as u64 - overdue;
                Kpi {
                    key: "consultation_callback",
                    label: "consultation call-back ≤ 24 h 咨询回复".into(),
                    num: m.callbacks_in_time,
                    den: m.callbacks_in_time + m.callbacks_missed + overdue,
                    target_pct: t.within_limit_pct,
                    note: format!("{pending} still within 24 h; target: the within-limit rate's"),
                }
            },
            Kpi {
                key: "wait_service_level",
                label: format!("called within {} min 等候达标率", t.wait_target_min),
                num: m.sl_within,
                den: m.sl_judged,
                target_pct: t.wait_service_level_pct,
                note: "walk-outs before the target are not judged".into(),
            },
        ];
        let business = m
            .business
            .iter()
            .map(|(code, b)| {
                let info = cfg.business.iter().find(|i| i.code.as_str() == code);
                BusinessRow {
                    code: code.clone(),
                    name: info.map_or_else(|| "?".into(), |i| i.name_zh.clone()),
                    limit_min: info.map(|i| i.limit_min),
                    tickets: b.tickets,
                    served: b.served,
                    mean_wait: (b.waits > 0).then(|| b.wait_sum_ms as f64 / b.waits as f64 / 1e3),
                    mean_service: (b.judged > 0)
                        .then(|| b.service_sum_ms as f64 / b.judged as f64 / 1e3),
                    within: b.within,
                    judged: b.judged,
                }
            })
            .collect();
        let touchpoints = Touchpoint::ALL
            .iter()
            .map(|tp| {
                let a = &m.touch[usize::from(tp.number() - 1)];
                let name = tp.name();
                TouchRow {
                    number: tp.number(),
                    name: format!("{} {}", name.zh, name.en),
                    reached: a.reached,
                    went_on: a.reached - a.lost_here - a.ended_here_without_ticket,
                    lost_here: a.lost_here,
                    ended_without_ticket: a.ended_here_without_ticket,
                    mean_secs: (a.reached > 0).then(|| a.time_ms as f64 / a.reached as f64 / 1e3),
                    low_rating_pct: pct(a.low_rated, a.rated),
                    counted: None,
                    counted_what: String::new(),
                }
            })
            .collect::<Vec<_>>();
        let hours = crate::hours::hours(cfg, m);
        let staff = m
            .staff
            .iter()
            .map(|(s, months)| {
                let mut whole = StaffAcc::default();
                for a in months.values() {
                    whole.add(a);
                }
                StaffRow::of(s, &whole)
            })
            .collect();
        let staff_months: Vec<StaffMonth> = m
            .staff
            .iter()
            .flat_map(|(s, months)| {
                months.iter().map(|(&month, a)| {
                    let row = StaffRow::of(s, a);
                    let below = (a.served >= MIN_SERVED_TO_JUDGE).then(|| {
                        row.satisfied_pct
                            .is_some_and(|p| p < cfg.targets.satisfaction_pct)
                            || row
                                .within_pct
                                .is_some_and(|p| p < cfg.targets.within_limit_pct)
                    });
                    StaffMonth { month, row, below }
                })
            })
            .collect();
        let retraining = retraining(&staff_months);
        let counters = m
            .counters
            .iter()
            .map(|(n, c)| CounterRow {
                counter: *n,
                served: c.served,
                open_h: c.open_ms as f64 / 3.6e6,
                idle_while_waiting_min: c.idle_while_waiting_ms as f64 / 6e4,
            })
            .collect();
        let f = &m.fairness;
        let fairness = Fairness {
            ordinary: f.ordinary,
            overtaken: f.overtaken_tickets,
            overtaken_left: f.overtaken_left,
            overtakes: f.overtakes,
            mean_delay_min: (f.delay_overtakes > 0)
                .then(|| f.delay_est_ms / f.delay_overtakes as f64 / 6e4),
            classes: [
                ("优先 care", hallq_proto::Priority::Care),
                (
                    "绿色通道 green channel",
                    hallq_proto::Priority::GreenChannel,
                ),
            ]
            .into_iter()
            .enumerate()
            .map(|(i, (label, p))| FairnessClass {
                label,
                overtakes: f.class_overtakes[i],
                max_head_start_min: f.class_head_start_ms[i].map(|ms| ms as f64 / 6e4),
                configured_min: (cfg.priority.head_start_ms(p) / 60_000) as u32,
            })
            .collect(),
            ordinary_wait: (&f.ordinary_wait).into(),
            priority_wait: (&f.priority_wait).into(),
        };
        let mut notes = Vec::new();
        if let Some(note) = never_note(&touchpoints) {
            notes.push(note);
        }
        notes.push(NO_INSPECTIONS.into());
        notes.push(
            "complaints 投诉: the KPIs and hot spots count the cases opened in the range; the open cases listed are all those open at its end, also those opened before it 往期未结案件也列出".into(),
        );
        Self {
            hall: cfg.hall_name.clone(),
            now,
            rows,
            events,
            span: span.map(|(a, b)| (Timestamp(a), Timestamp(b))),
            visits: m.visits,
            outcomes: Outcome::ALL
                .iter()
                .map(|o| (*o, m.outcomes[o.index()]))
                .collect(),
            transferred: m.transferred_visits,
            tickets: m.tickets,
            served: m.served,
            ticket_ends: m.ticket_ends,
            ratings: m.ratings,
            silent_walkouts: SilentWalkouts::of(m, cfg.targets.wait_target_min),
            wait: (&m.wait).into(),
            wait_after_transfer: (&m.wait_after_transfer).into(),
            walk: (&m.walk).into(),
            service: (&m.service).into(),
            stay: (&m.stay).into(),
            wait_per_minute: m.wait.per_minute(60),
            kpis,
            business,
            touchpoints,
            hours,
            staff,
            staff_months,
            retraining,
            counters,
            complaints,
            fairness,
            quality: m.quality.clone(),
            appointments: crate::appointments::Section::Off,
            inspections: None,
            tiers: Vec::new(),
            tier_ratio: Vec::new(),
            door: crate::door::DoorAcc::default().section(),
            unobserved: Vec::new(),
            notes,
        }
    }

    /// Adds the inspections section, and the fourth KPI, service-standard compliance
    /// (服务规范达标率): items passed over items checked, every item of an inspection with a
    /// failed critical item counted as failed (docs/reports.md).
    pub fn add_inspections(&mut self, section: crate::inspections::Section) {
        let t = section.total;
        self.kpis.push(Kpi {
            key: "service_standard",
            label: "service-standard compliance 服务规范达标率".into(),
            num: t.items_passed,
            den: t.items_checked,
            target_pct: section.target_pct,
            note: format!(
                "{} inspections, {} with a failed critical item (all its items count as failed)",
                t.inspections, t.critical_failed
            ),
        });
        self.notes.retain(|n| n != NO_INSPECTIONS);
        self.notes.push(
            "service-standard compliance 服务规范达标率 = inspection items passed / items checked; a failed critical item fails every item of its inspection 关键项不合格则该次检查全部项目计为不合格; scheduled checklists are judged from the first inspection recorded, the daily ones on days tickets were issued".into(),
        );
        self.inspections = Some(section);
    }

    /// A KPI by key.
    pub fn kpi(&self, key: &str) -> Option<&Kpi> {
        self.kpis.iter().find(|k| k.key == key)
    }

    /// Visits with `outcome`.
    pub fn outcome(&self, outcome: Outcome) -> u64 {
        self.outcomes
            .iter()
            .find(|(o, _)| *o == outcome)
            .map_or(0, |(_, n)| *n)
    }
}
