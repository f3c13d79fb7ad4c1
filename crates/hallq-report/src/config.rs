//! [`ReportConfig`]: what the report needs to know of the hall (business types with their time
//! limits, counters with their skills, the KPI targets, local time) and its own thresholds.
//! The CLI builds it from hall.toml; tests build it by hand.

use hallq_proto::{BusinessClass, BusinessCode, CounterNo};
use hallq_queue::QueueConfig;

/// A business type as the report sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessInfo {
    /// Its code, as in the events.
    pub code: BusinessCode,
    /// Its Chinese name, for the tables.
    pub name_zh: String,
    /// Its class (basic, complex …).
    pub class: BusinessClass,
    /// Its handling-time limit in minutes (basic 15, complex 30 by default).
    pub limit_min: u32,
}

/// A counter and the business types it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterInfo {
    /// The window number.
    pub number: CounterNo,
    /// What it serves: it is idle "while customers of its skills wait" only for these.
    pub skills: Vec<BusinessCode>,
}

pub use hallq_queue::config::{PriorityRule, Targets};

/// Everything the report math needs besides the events.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportConfig {
    /// The hall's name, for the titles.
    pub hall_name: String,
    /// Local time = UTC + this many minutes (China: 480).
    pub utc_offset_min: i32,
    /// The business types.
    pub business: Vec<BusinessInfo>,
    /// The counters.
    pub counters: Vec<CounterInfo>,
    /// The KPI targets.
    pub targets: Targets,
    /// The priority head starts (the queue's aging rule): the fairness section shows the
    /// largest head start a priority ticket actually took against them.
    pub priority: PriorityRule,
    /// How long the evaluator asks for a rating after a finish, seconds (0: it does not):
    /// the clerk waits for it, so that time is not idle.
    pub rating_timeout_secs: u32,
    /// A service shorter than this is flagged (a mis-pressed "start"/"finish").
    pub short_service_secs: u32,
    /// A service longer than its limit times this is flagged as a forgotten "finish".
    pub forgotten_finish_factor: u32,
    /// The booking rules (`[booking]`), for the appointment figures' bound and slot capacity;
    /// `None`: the hall takes no bookings.
    pub booking: Option<hallq_booking::SlotRules>,
    /// The customer value tiers (`[[queue.tiers]]`): their names and answer targets for the
    /// tier figures; none: the section lists only the tiers the journal holds, if any.
    pub tiers: Vec<hallq_queue::tiers::ValueTier>,
}

impl ReportConfig {
    /// The report configuration of a hall with `queue` and the default targets.
    pub fn from_queue(hall_name: &str, queue: &QueueConfig, utc_offset_min: i32) -> Self {
        Self {
            hall_name: hall_name.to_owned(),
            utc_offset_min,
            business: queue
                .business
                .iter()
                .map(|b| BusinessInfo {
                    code: b.code.clone(),
                    name_zh: b.name.zh.clone(),
                    class: b.class,
                    limit_min: b.limit_min(),
                })
                .collect(),
            counters: queue
                .counters
                .iter()
                .map(|c| CounterInfo {
                    number: c.number,
                    skills: c.skills.clone(),
                })
                .collect(),
            targets: Targets::default(),
            priority: queue.priority.clone(),
            rating_timeout_secs: queue.rating_timeout_secs,
            short_service_secs: 20,
            forgotten_finish_factor: 3,
            booking: None,
            tiers: queue.tiers.clone(),
        }
    }

    /// The handling-time limit of `business` in seconds; a business type the configuration
    /// lacks gets the strictest class limit of DOMAIN.md (basic, 15 min) and is flagged.
    pub fn limit_secs(&self, business: &str) -> Option<u32> {
        self.business
            .iter()
            .find(|b| b.code.as_str() == business)
            .map(|b| b.limit_min * 60)
    }

    /// The skills of `counter`; `None` for a counter the configuration lacks.
    pub fn skills(&self, counter: CounterNo) -> Option<&[BusinessCode]> {
        self.counters
            .iter()
            .find(|c| c.number == counter)
            .map(|c| c.skills.as_slice())
    }
}
