//! What the engine needs to know about the hall: business types, counters and the rules.
//!
//! The hub reads these from `hall.toml`; [`QueueConfig::telecom_default`] is DOMAIN.md's default
//! hall and the defaults of every rule.

use std::collections::HashSet;

use hallq_proto::{BusinessClass, BusinessCode, CounterNo, LocalText, Priority};
use serde::{Deserialize, Serialize};

use crate::tiers::ValueTier;

/// The engine's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// The business types, in the order kiosks show them.
    pub business: Vec<BusinessType>,
    /// The counters.
    pub counters: Vec<CounterConfig>,
    /// Priority service and its aging rule.
    #[serde(default)]
    pub priority: PriorityRule,
    /// Recalls and no-shows.
    #[serde(default)]
    pub recall: RecallRule,
    /// Seconds the evaluator waits for a rating after a finish.
    #[serde(default = "default_rating_timeout")]
    pub rating_timeout_secs: u32,
    /// Minutes after its last touchpoint that a visit without a ticket (a consultation at the
    /// door, say) is taken as ended.
    #[serde(default = "default_visit_idle")]
    pub visit_idle_end_min: u32,
    /// How many recent handling times per business type feed the wait estimate.
    #[serde(default = "default_samples")]
    pub estimate_samples: usize,
    /// Customer value tiers (`[[queue.tiers]]`, [`crate::tiers`]); none: every customer is
    /// queued alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<ValueTier>,
}

fn default_rating_timeout() -> u32 {
    30
}
fn default_visit_idle() -> u32 {
    30
}
fn default_samples() -> usize {
    20
}

/// A business type (业务类型).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessType {
    /// Its code, used in commands.
    pub code: BusinessCode,
    /// Its name.
    pub name: LocalText,
    /// The ticket prefix (`A`, `B`, …); unique in the hall.
    pub prefix: String,
    /// Its class, which sets the default handling-time limit.
    pub class: BusinessClass,
    /// The first ticket number of the day.
    #[serde(default = "default_first")]
    pub first_number: u32,
    /// The last number before the range wraps to `first_number` again.
    #[serde(default = "default_last")]
    pub last_number: u32,
    /// The handling-time limit in minutes; the class's limit if omitted.
    #[serde(default)]
    pub limit_min: Option<u32>,
    /// The handling time in minutes assumed before any is measured; the class's if omitted.
    #[serde(default)]
    pub default_handling_min: Option<u32>,
    /// Documents to have ready (one-time notification, 一次性告知).
    #[serde(default)]
    pub documents: Vec<LocalText>,
    /// How to get a document of `documents` that a customer lacks, printed under it on the list
    /// of documents still needed (《补充材料清单》) when a service ends with "needs more
    /// documents".
    #[serde(default)]
    pub document_help: Vec<DocumentHelp>,
    /// A self-service or app alternative the kiosk offers first (channel diversion, 渠道分流).
    #[serde(default)]
    pub self_service: Option<LocalText>,
}

/// How to get one document of a business type's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentHelp {
    /// The document, by its Chinese name in the business type's `documents`.
    pub document: String,
    /// How to get it: "身份证复印件可在厅内自助复印机免费打印".
    pub how: LocalText,
}

fn default_first() -> u32 {
    1
}
fn default_last() -> u32 {
    999
}

impl BusinessType {
    /// The documents at `picked` (positions in `documents`, as the clerk ticked them) in the
    /// list's order, each with how to get it when the hall says; `None` when a position is
    /// not in the list.
    pub fn missing(&self, picked: &[usize]) -> Option<Vec<(LocalText, Option<LocalText>)>> {
        let mut picked = picked.to_vec();
        picked.sort_unstable();
        picked.dedup();
        picked
            .into_iter()
            .map(|i| {
                let doc = self.documents.get(i)?;
                let how = self
                    .document_help
                    .iter()
                    .find(|h| h.document == doc.zh)
                    .map(|h| h.how.clone());
                Some((doc.clone(), how))
            })
            .collect()
    }

    /// How to get each document of `documents`, by position (`None` where the hall says
    /// nothing), as `state/services` publishes it; empty when the hall says nothing at all.
    pub fn document_help_by_position(&self) -> Vec<Option<LocalText>> {
        if self.document_help.is_empty() {
            return Vec::new();
        }
        self.documents
            .iter()
            .map(|d| {
                self.document_help
                    .iter()
                    .find(|h| h.document == d.zh)
                    .map(|h| h.how.clone())
            })
            .collect()
    }

    /// The handling-time limit in minutes.
    pub fn limit_min(&self) -> u32 {
        self.limit_min
            .unwrap_or_else(|| self.class.default_limit_min())
    }

    /// The handling time assumed before any is measured, in seconds.
    pub fn default_handling_secs(&self) -> u32 {
        self.default_handling_min
            .unwrap_or_else(|| self.class.default_handling_min())
            * 60
    }
}

/// A counter (窗口) and the business it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterConfig {
    /// The window number the voice calls.
    pub number: CounterNo,
    /// Its name; "{n} 号窗口 / Counter {n}" if omitted.
    #[serde(default)]
    pub name: Option<LocalText>,
    /// The business types it serves, in order of preference: call-next takes from the first
    /// type that has someone waiting.
    pub skills: Vec<BusinessCode>,
}

impl CounterConfig {
    /// The counter's name as shown.
    pub fn display_name(&self) -> LocalText {
        self.name.clone().unwrap_or_else(|| {
            LocalText::new(
                format!("{} 号窗口", self.number),
                format!("Counter {}", self.number),
            )
        })
    }
}

/// Priority service and the rule that keeps it from starving ordinary tickets.
///
/// **The aging rule: a head start.** A priority ticket is queued as if it had been taken
/// `head_start` minutes before it really was. Tickets of a business type are called in order of
/// that queue time. So a priority ticket goes ahead of every ordinary ticket taken less than
/// `head_start` minutes before it, and never ahead of one that has already waited longer than
/// that: an ordinary ticket taken at `t` can be overtaken only by priority tickets taken before
/// `t + head_start`, a finite number. Nobody waits forever, and the extra wait priority can cause
/// an ordinary ticket is bounded by the tickets taken in one head-start window.
///
/// A booked customer's on-time check-in gets a head start of the same kind (docs/booking.md,
/// [`crate::Command::IssueBooked`]): queued since the earlier of the check-in and the slot's
/// start less `[booking] head_start_min` (at most 60), with priority's head start on top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityRule {
    /// Head start in minutes for elderly, disabled and pregnant customers (优先).
    pub care_head_start_min: u32,
    /// Head start in minutes for the green channel (绿色通道).
    pub green_channel_head_start_min: u32,
}

impl Default for PriorityRule {
    fn default() -> Self {
        Self {
            care_head_start_min: 30,
            green_channel_head_start_min: 20,
        }
    }
}

impl PriorityRule {
    /// The head start of `priority`, in milliseconds.
    pub fn head_start_ms(&self, priority: Priority) -> i64 {
        let min = match priority {
            Priority::Ordinary => 0,
            Priority::GreenChannel => self.green_channel_head_start_min,
            Priority::Care => self.care_head_start_min,
        };
        i64::from(min) * 60_000
    }
}

/// Recalls and no-shows (过号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallRule {
    /// Recalls a clerk makes before a no-show is accepted.
    pub recalls_before_no_show: u32,
    /// Seconds after the first call from which a no-show is accepted even without recalls.
    pub no_show_after_secs: u32,
    /// Seconds after the first call at which the hub skips the ticket by itself; 0 never does.
    pub auto_no_show_after_secs: u32,
}

impl Default for RecallRule {
    fn default() -> Self {
        Self {
            recalls_before_no_show: 2,
            no_show_after_secs: 120,
            auto_no_show_after_secs: 300,
        }
    }
}

/// A configuration the engine cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No business types.
    #[error("no business types are configured / 未配置业务类型")]
    NoBusiness,
    /// Two business types with one code or one prefix.
    #[error("business type {0:?} is defined twice (code or prefix) / 业务类型重复")]
    DuplicateBusiness(String),
    /// A prefix that is not 1–2 capital letters.
    #[error("prefix {0:?} must be one or two capital letters / 号码前缀须为一到两个大写字母")]
    BadPrefix(String),
    /// An empty or upside-down number range.
    #[error("business type {0:?} has an empty number range / 号码范围无效")]
    BadRange(String),
    /// Two counters with one number.
    #[error("counter {0} is defined twice / 窗口重复")]
    DuplicateCounter(CounterNo),
    /// Help for a document the business type does not list.
    #[error(
        "business type {0:?}: document_help names {1:?}, which is not in its documents / 材料说明所指材料不在该业务的材料清单中"
    )]
    UnknownDocument(String, String),
    /// A counter serving an unknown business type, or none.
    #[error("counter {0} has an unknown or empty skill list / 窗口业务配置无效: {1}")]
    BadSkills(CounterNo, String),
    /// A value tier the engine cannot run with.
    #[error("value tier {0}: {1} / 客户价值等级配置无效")]
    BadTier(u8, String),
}

impl QueueConfig {
    /// Checks the configuration; the hub refuses to start on an error.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.business.is_empty() {
            return Err(ConfigError::NoBusiness);
        }
        let mut seen = HashSet::new();
        for b in &self.business {
            let p = &b.prefix;
            if p.is_empty() || p.len() > 2 || !p.bytes().all(|c| c.is_ascii_uppercase()) {
                return Err(ConfigError::BadPrefix(p.clone()));
            }
            if !seen.insert(b.code.as_str().to_owned()) || !seen.insert(format!("prefix:{p}")) {
                return Err(ConfigError::DuplicateBusiness(b.code.to_string()));
            }
            if b.first_number > b.last_number {
                return Err(ConfigError::BadRange(b.code.to_string()));
            }
            if let Some(h) = b
                .document_help
                .iter()
                .find(|h| !b.documents.iter().any(|d| d.zh == h.document))
            {
                return Err(ConfigError::UnknownDocument(
                    b.code.to_string(),
                    h.document.clone(),
                ));
            }
        }
        let mut counters = HashSet::new();
        for c in &self.counters {
            if !counters.insert(c.number) {
                return Err(ConfigError::DuplicateCounter(c.number));
            }
            if c.skills.is_empty() {
                return Err(ConfigError::BadSkills(c.number, "none".into()));
            }
            for s in &c.skills {
                if self.business(s).is_none() {
                    return Err(ConfigError::BadSkills(c.number, s.to_string()));
                }
            }
        }
        let numbers: Vec<CounterNo> = self.counters.iter().map(|c| c.number).collect();
        crate::tiers::validate(&self.tiers, &numbers)
    }

    /// The value tier of `level`.
    pub fn tier(&self, level: u8) -> Option<&ValueTier> {
        self.tiers.iter().find(|t| t.level == level)
    }

    /// The business type with `code`.
    pub fn business(&self, code: &BusinessCode) -> Option<&BusinessType> {
        self.business.iter().find(|b| &b.code == code)
    }

    /// The counter numbered `no`.
    pub fn counter(&self, no: CounterNo) -> Option<&CounterConfig> {
        self.counters.iter().find(|c| c.number == no)
    }

    /// DOMAIN.md's default hall: five business types and six counters.
    pub fn telecom_default() -> Self {
        let t = |zh: &str, en: &str| LocalText::new(zh, en);
        let id_card = t("本人有效身份证件原件", "Your original ID card");
        let business = vec![
            biz(
                "consult",
                t("咨询", "Consultation"),
                "C",
                BusinessClass::Consultation,
                vec![],
                None,
            ),
            biz(
                "basic",
                t(
                    "基础业务（套餐变更、话费充值）",
                    "Basic services (plan change, top-up)",
                ),
                "A",
                BusinessClass::Basic,
                vec![id_card.clone()],
                Some(t(
                    "话费充值、账单查询可在自助终端或手机营业厅 App 办理，无需排队",
                    "Top-up and bill queries need no queue: use the self-service terminal or the app",
                )),
            ),
            biz(
                "complex",
                t(
                    "复杂业务（终端销售、合约办理）",
                    "Complex services (handsets, contracts)",
                ),
                "B",
                BusinessClass::Complex,
                vec![
                    id_card.clone(),
                    t("银行卡（合约分期）", "Bank card (for instalment contracts)"),
                ],
                None,
            ),
            biz(
                "repair",
                t("故障报修", "Fault repair"),
                "D",
                BusinessClass::Repair,
                vec![
                    id_card.clone(),
                    t("故障设备及购机凭证", "The faulty device and its receipt"),
                ],
                None,
            ),
            biz(
                "enterprise",
                t("集团客户", "Enterprise customers"),
                "V",
                BusinessClass::Enterprise,
                vec![
                    t("经办人身份证原件", "The agent's original ID card"),
                    t(
                        "单位介绍信（加盖公章）",
                        "Company authorisation letter with seal",
                    ),
                ],
                None,
            ),
        ];
        let code = |s: &str| BusinessCode::new(s).unwrap_or_else(|_| unreachable!("valid code"));
        let counter = |n: u16, skills: &[&str]| CounterConfig {
            number: CounterNo(n),
            name: None,
            skills: skills.iter().map(|s| code(s)).collect(),
        };
        Self {
            business,
            counters: vec![
                counter(1, &["basic", "consult", "complex", "repair"]),
                counter(2, &["basic", "consult", "complex", "repair"]),
                counter(3, &["complex", "basic", "consult"]),
                counter(4, &["repair", "consult", "basic"]),
                counter(5, &["enterprise", "complex", "basic"]),
                counter(6, &["consult", "basic", "complex", "repair", "enterprise"]),
            ],
            priority: PriorityRule::default(),
            recall: RecallRule::default(),
            rating_timeout_secs: default_rating_timeout(),
            visit_idle_end_min: default_visit_idle(),
            estimate_samples: default_samples(),
            tiers: Vec::new(),
        }
    }
}

fn biz(
    code: &str,
    name: LocalText,
    prefix: &str,
    class: BusinessClass,
    documents: Vec<LocalText>,
    self_service: Option<LocalText>,
) -> BusinessType {
    BusinessType {
        code: BusinessCode::new(code).unwrap_or_else(|_| unreachable!("valid code")),
        name,
        prefix: prefix.into(),
        class,
        first_number: default_first(),
        last_number: default_last(),
        limit_min: None,
        default_handling_min: None,
        documents,
        document_help: Vec::new(),
        self_service,
    }
}

/// The operators' published targets (DOMAIN.md), in percent and minutes: hall.toml's `[kpi]`.
/// Not the engine's (it serves the queue whatever the figures): the reports measure against
/// them, and they live here beside the business types' time limits they go with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    /// Ratings 满意 or 非常满意, percent.
    pub satisfaction_pct: f64,
    /// Served within the business type's time limit (及时率), percent.
    pub within_limit_pct: f64,
    /// Complaints resolved, percent.
    pub complaint_resolution_pct: f64,
    /// Service-standard compliance (服务规范达标率), percent: inspection items passed.
    pub service_standard_pct: f64,
    /// The waiting-time service level: this share of tickets …
    pub wait_service_level_pct: f64,
    /// … is called within this many minutes.
    pub wait_target_min: u32,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            satisfaction_pct: 95.0,
            within_limit_pct: 98.0,
            complaint_resolution_pct: 99.0,
            service_standard_pct: 95.0,
            wait_service_level_pct: 80.0,
            wait_target_min: 15,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_hall_is_valid() {
        QueueConfig::telecom_default().validate().unwrap();
    }

    #[test]
    fn duplicate_prefixes_are_refused() {
        let mut c = QueueConfig::telecom_default();
        c.business[1].prefix = "C".into();
        assert!(matches!(
            c.validate(),
            Err(ConfigError::DuplicateBusiness(_))
        ));
    }

    #[test]
    fn a_counter_with_an_unknown_skill_is_refused() {
        let mut c = QueueConfig::telecom_default();
        c.counters[0]
            .skills
            .push(BusinessCode::new("lottery").unwrap());
        assert!(matches!(
            c.validate(),
            Err(ConfigError::BadSkills(CounterNo(1), _))
        ));
    }

    #[test]
    fn bad_prefix_and_range_are_refused() {
        let mut c = QueueConfig::telecom_default();
        c.business[0].prefix = "a".into();
        assert!(matches!(c.validate(), Err(ConfigError::BadPrefix(_))));
        let mut c = QueueConfig::telecom_default();
        c.business[0].first_number = 10;
        c.business[0].last_number = 9;
        assert!(matches!(c.validate(), Err(ConfigError::BadRange(_))));
    }
}
