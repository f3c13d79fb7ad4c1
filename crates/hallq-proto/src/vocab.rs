//! The hall's shared vocabulary (DOMAIN.md): what the hub, the devices and the reports agree on.

use serde::{Deserialize, Serialize};

use crate::ids::{BusinessCode, CounterNo};

/// A text in the hall's two languages. Chinese comes first: it is what most customers read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalText {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl LocalText {
    /// Builds a text from its two languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// The language a customer chose at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

/// The class of a business type: it sets the handling-time limit of DOMAIN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessClass {
    /// 咨询: answered at once.
    Consultation,
    /// 基础业务 (plan change, top-up): done within 15 min.
    Basic,
    /// 复杂业务 (handset sale, contract): done within 30 min.
    Complex,
    /// 故障报修.
    Repair,
    /// 集团客户.
    Enterprise,
}

impl BusinessClass {
    /// The handling-time limit in minutes that the operators publish for this class. Basic 15 and
    /// complex 30 are DOMAIN.md's rules; consultation (answered at once: 10), repair and
    /// enterprise (treated as complex: 30) are hallq's defaults, configurable per business type.
    pub fn default_limit_min(self) -> u32 {
        match self {
            Self::Consultation => 10,
            Self::Basic => 15,
            Self::Complex | Self::Repair | Self::Enterprise => 30,
        }
    }

    /// The handling time in minutes assumed for wait estimates before any service was measured.
    pub fn default_handling_min(self) -> u32 {
        match self {
            Self::Consultation => 4,
            Self::Basic => 7,
            Self::Complex => 18,
            Self::Repair => 12,
            Self::Enterprise => 15,
        }
    }
}

/// Why a ticket gets priority service (优先叫号). Recorded with the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityReason {
    /// 老年人.
    Elderly,
    /// 残障人士.
    Disabled,
    /// 孕妇.
    Pregnant,
}

/// How a ticket is ordered against others of the same business type.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// An ordinary ticket.
    #[default]
    Ordinary,
    /// Green channel (绿色通道): VIP, long-standing or group customers by agreement.
    GreenChannel,
    /// Priority service: elderly, disabled, pregnant.
    Care,
}

impl Priority {
    /// The label of a ticket called ahead of ordinary ones, as printed and shown; `None` for
    /// an ordinary ticket.
    pub fn label(self) -> Option<LocalText> {
        match self {
            Self::Ordinary => None,
            Self::Care => Some(LocalText::new("优先服务", "Priority service")),
            Self::GreenChannel => Some(LocalText::new("绿色通道", "Green channel")),
        }
    }
}

/// The result a clerk records when a service finishes (touchpoint 14, and 10 for a sale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceResult {
    /// 办结: the job is done.
    Done,
    /// 资料不全: the customer must come back with more documents.
    NeedsDocuments,
    /// 未办成: the job failed.
    Failed,
    /// 成交: a purchase was made (touchpoint 10).
    Sale,
}

/// A customer's rating on the 4-key evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Score {
    /// 不满意.
    Dissatisfied,
    /// 一般.
    Neutral,
    /// 满意.
    Satisfied,
    /// 非常满意.
    VerySatisfied,
}

impl Score {
    /// Whether this rating counts as satisfied for the satisfaction KPI (满意 or 非常满意).
    pub fn is_satisfied(self) -> bool {
        matches!(self, Self::Satisfied | Self::VerySatisfied)
    }

    /// The label on the evaluator's key.
    pub fn label(self) -> LocalText {
        match self {
            Self::VerySatisfied => LocalText::new("非常满意", "Very satisfied"),
            Self::Satisfied => LocalText::new("满意", "Satisfied"),
            Self::Neutral => LocalText::new("一般", "Neutral"),
            Self::Dissatisfied => LocalText::new("不满意", "Dissatisfied"),
        }
    }
}

/// Why a counter is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// 休息.
    Break,
    /// 用餐.
    Meal,
    /// 会议或培训.
    Meeting,
    /// 系统故障.
    SystemDown,
    /// 后台处理: paperwork away from the customer.
    Paperwork,
    /// 其他.
    Other,
}

impl PauseReason {
    /// Every reason, in the order a terminal offers them.
    pub const ALL: [PauseReason; 6] = [
        Self::Break,
        Self::Meal,
        Self::Meeting,
        Self::SystemDown,
        Self::Paperwork,
        Self::Other,
    ];

    /// What the counter terminal and the supervisor see.
    pub fn label(self) -> LocalText {
        match self {
            Self::Break => LocalText::new("休息", "Break"),
            Self::Meal => LocalText::new("用餐", "Meal"),
            Self::Meeting => LocalText::new("会议或培训", "Meeting or training"),
            Self::SystemDown => LocalText::new("系统故障", "System down"),
            Self::Paperwork => LocalText::new("后台处理", "Back-office paperwork"),
            Self::Other => LocalText::new("其他", "Other"),
        }
    }
}

/// Where a transferred ticket goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TransferTarget {
    /// The queue of another business type (e.g. consultation → handset sale).
    Business(BusinessCode),
    /// A specific counter, which calls it before its own queues.
    Counter(CounterNo),
}

/// The category of a complaint case, which sets its time limits (DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintCategory {
    /// Tariff question, service not active: solution within 24 h.
    General,
    /// Contract dispute, service fault: progress feedback within 72 h.
    Complex,
}

impl ComplaintCategory {
    /// Hours within which the duty supervisor must first contact the customer.
    pub const FIRST_CONTACT_HOURS: u32 = 2;

    /// Hours within which the case needs its solution (general) or progress feedback (complex).
    pub fn limit_hours(self) -> u32 {
        match self {
            Self::General => 24,
            Self::Complex => 72,
        }
    }
}

/// The written result of a complaint (书面答复), recorded with its resolution: what the hall code
/// asks the customer be told in writing or by SMS. Free text typed by staff, so the hub cuts
/// digit runs out of it as from every note (no phone or ID number reaches the journal).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintAnswer {
    /// 原因: what caused it.
    pub cause: String,
    /// 解决方案: what was done about it.
    pub solution: String,
    /// 补偿措施: the compensation given; none when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<String>,
    /// 后续承诺: what the hall promises from now on.
    pub promise: String,
}

impl ComplaintAnswer {
    /// The longest answer part accepted, in characters: an SMS-sized paragraph each, so the
    /// whole answer stays a few messages long.
    pub const MAX_PART_CHARS: usize = 300;

    /// The empty or over-long part, if any, by its field name: every part but the compensation
    /// must say something.
    pub fn invalid_part(&self) -> Option<&'static str> {
        let parts = [
            ("cause", Some(&self.cause)),
            ("solution", Some(&self.solution)),
            ("compensation", self.compensation.as_ref()),
            ("promise", Some(&self.promise)),
        ];
        parts.into_iter().find_map(|(name, text)| match text {
            Some(t) if t.trim().is_empty() && name != "compensation" => Some(name),
            Some(t) if t.chars().count() > Self::MAX_PART_CHARS => Some(name),
            _ => None,
        })
    }

    /// The answer as the customer reads it, one labelled part a line: 原因：… 解决方案：…
    /// 补偿措施：… (无 when none) 后续承诺：….
    pub fn text(&self) -> LocalText {
        let comp = self
            .compensation
            .as_deref()
            .filter(|c| !c.trim().is_empty());
        LocalText::new(
            format!(
                "原因：{}\n解决方案：{}\n补偿措施：{}\n后续承诺：{}",
                self.cause,
                self.solution,
                comp.unwrap_or("无"),
                self.promise
            ),
            format!(
                "Cause: {}\nSolution: {}\nCompensation: {}\nFollow-up: {}",
                self.cause,
                self.solution,
                comp.unwrap_or("none"),
                self.promise
            ),
        )
    }
}

/// The 16 customer touchpoints (客户接触点) of DOMAIN.md, numbered as there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Touchpoint {
    FindingHall = 1,
    Arrival = 2,
    FrontOfHall = 3,
    Entering = 4,
    Environment = 5,
    Wandering = 6,
    Consultation = 7,
    ProductExperience = 8,
    SelfService = 9,
    Purchase = 10,
    Queueing = 11,
    Communication = 12,
    WaitingDuringHandling = 13,
    HandlingResult = 14,
    Complaint = 15,
    Departure = 16,
}

impl Touchpoint {
    /// All 16, in order.
    pub const ALL: [Touchpoint; 16] = [
        Self::FindingHall,
        Self::Arrival,
        Self::FrontOfHall,
        Self::Entering,
        Self::Environment,
        Self::Wandering,
        Self::Consultation,
        Self::ProductExperience,
        Self::SelfService,
        Self::Purchase,
        Self::Queueing,
        Self::Communication,
        Self::WaitingDuringHandling,
        Self::HandlingResult,
        Self::Complaint,
        Self::Departure,
    ];

    /// The number DOMAIN.md gives it (1–16).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The touchpoint numbered `n`, if any.
    pub fn from_number(n: u8) -> Option<Self> {
        Self::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// Its name in the operators' touchpoint map.
    pub fn name(self) -> LocalText {
        let (zh, en) = match self {
            Self::FindingHall => ("店外寻找", "finding the hall"),
            Self::Arrival => ("到达", "arrival"),
            Self::FrontOfHall => ("厅前", "in front of the hall"),
            Self::Entering => ("进厅", "entering"),
            Self::Environment => ("环境", "environment"),
            Self::Wandering => ("徘徊", "wandering"),
            Self::Consultation => ("咨询", "consultation"),
            Self::ProductExperience => ("体验", "product experience"),
            Self::SelfService => ("自助服务", "self-service"),
            Self::Purchase => ("购买", "purchase"),
            Self::Queueing => ("排队", "queueing"),
            Self::Communication => ("办理沟通", "communication during handling"),
            Self::WaitingDuringHandling => ("办理等待", "waiting during handling"),
            Self::HandlingResult => ("办理结果", "handling result"),
            Self::Complaint => ("投诉异议", "complaint or objection"),
            Self::Departure => ("离开", "departure"),
        };
        LocalText::new(zh, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touchpoints_are_numbered_as_in_the_domain_map() {
        for (i, tp) in Touchpoint::ALL.iter().enumerate() {
            assert_eq!(usize::from(tp.number()), i + 1);
            assert_eq!(Touchpoint::from_number(tp.number()), Some(*tp));
        }
        assert_eq!(Touchpoint::from_number(0), None);
        assert_eq!(Touchpoint::from_number(17), None);
        assert_eq!(Touchpoint::Queueing.number(), 11);
        assert_eq!(Touchpoint::Departure.name().zh, "离开");
    }

    #[test]
    fn class_limits_follow_the_published_rules() {
        assert_eq!(BusinessClass::Basic.default_limit_min(), 15);
        assert_eq!(BusinessClass::Complex.default_limit_min(), 30);
        assert_eq!(ComplaintCategory::General.limit_hours(), 24);
        assert_eq!(ComplaintCategory::Complex.limit_hours(), 72);
    }

    #[test]
    fn only_the_two_top_scores_count_as_satisfied() {
        assert!(Score::VerySatisfied.is_satisfied());
        assert!(Score::Satisfied.is_satisfied());
        assert!(!Score::Neutral.is_satisfied());
        assert!(!Score::Dissatisfied.is_satisfied());
    }
}
