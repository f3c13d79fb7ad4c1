//! Checklists as data: `[inspections]` of hall.toml, and DOMAIN.md's default set used when the
//! hall names none.
//!
//! A template is flat in TOML (`schedule = "every_hours"`, `every_hours = 2`) rather than a
//! nested table per schedule: that is how a hall's engineer writes it, and each key that does
//! not fit its schedule is refused by [`InspectionsSection::validate`] with both languages.

use std::collections::HashSet;

use hallq_proto::LocalText;
use serde::{Deserialize, Serialize};

/// What an inspection is, for the report's "per inspection type".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// The daily three cleanings (每日三清洁).
    Cleaning,
    /// Facility checks: seats, the water filter (设施检查).
    Facility,
    /// The managers' self-inspection of environment, conduct and process (自查).
    SelfInspection,
    /// A mystery shopper's scripted visit (暗访).
    MysteryShopper,
}

impl InspectionKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 4] = [
        Self::Cleaning,
        Self::Facility,
        Self::SelfInspection,
        Self::MysteryShopper,
    ];

    /// Its name in both languages.
    pub fn name(self) -> LocalText {
        let (zh, en) = match self {
            Self::Cleaning => ("清洁", "Cleaning"),
            Self::Facility => ("设施检查", "Facilities"),
            Self::SelfInspection => ("服务自查", "Self-inspection"),
            Self::MysteryShopper => ("暗访", "Mystery shopper"),
        };
        LocalText::new(zh, en)
    }

    /// As written in hall.toml and the events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cleaning => "cleaning",
            Self::Facility => "facility",
            Self::SelfInspection => "self_inspection",
            Self::MysteryShopper => "mystery_shopper",
        }
    }
}

/// When a checklist falls due ([`crate::schedule`] says exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// Every day, done by the opening time.
    BeforeOpening,
    /// Every `every_hours` hours while the hall is open, counted from the last one done.
    EveryHours,
    /// Every day, done after the closing time.
    AfterClosing,
    /// Once a week (Monday to Sunday), by `weekday`'s closing time.
    Weekly,
    /// Once a month, by `month_day`'s closing time (the month's last day if shorter).
    Monthly,
    /// When it happens (a mystery shopper's visit): never due.
    OnDemand,
}

/// One item of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    /// Its code in commands (`floor`, `id-check`).
    pub code: String,
    /// What is checked.
    pub text: LocalText,
    /// A failed critical item fails the whole inspection (docs/reports.md).
    #[serde(default)]
    pub critical: bool,
}

/// A checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Its code in commands (`clean-open`).
    pub code: String,
    /// What kind of inspection it is.
    pub kind: InspectionKind,
    /// Its name on the console and in the report.
    pub name: LocalText,
    /// When it falls due.
    pub schedule: ScheduleKind,
    /// Hours between patrols (`every_hours` only), 1–12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_hours: Option<u32>,
    /// ISO weekday it is due by (`weekly` only): 1 Monday … 7 Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<u8>,
    /// Day of the month it is due by (`monthly` only), 1–31.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month_day: Option<u8>,
    /// Minutes after its due time that it turns overdue (red on the console).
    #[serde(default = "default_grace")]
    pub grace_min: u32,
    /// Days a failed item's correction has (the hall code's "需3日内优化").
    #[serde(default = "default_correction_days")]
    pub correction_days: u32,
    /// The items, in the order they are checked.
    pub items: Vec<ItemSpec>,
}

fn default_grace() -> u32 {
    15
}
fn default_correction_days() -> u32 {
    3
}

/// `[inspections]` of hall.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InspectionsSection {
    /// The hall's checklists; DOMAIN.md's default set ([`default_set`]) when none is named.
    pub templates: Vec<Template>,
}

impl Default for InspectionsSection {
    fn default() -> Self {
        Self {
            templates: default_set(),
        }
    }
}

/// A checklist configuration the hub cannot run with; each message in English and Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A code that is not 1–32 lower-case letters, digits and dashes.
    #[error(
        "[inspections] code {0:?} must be 1–32 lower-case letters, digits or dashes / 检查表或检查项代码 {0:?} 须为 1–32 位小写字母、数字或连字符"
    )]
    BadCode(String),
    /// Two checklists with one code.
    #[error("[inspections] checklist {0:?} is defined twice / 检查表 {0:?} 重复")]
    DuplicateTemplate(String),
    /// A checklist with no items.
    #[error("[inspections] checklist {0:?} has no items / 检查表 {0:?} 没有检查项")]
    NoItems(String),
    /// Two items of one checklist with one code.
    #[error(
        "[inspections] checklist {0:?} lists item {1:?} twice / 检查表 {0:?} 的检查项 {1:?} 重复"
    )]
    DuplicateItem(String, String),
    /// A schedule key missing, out of range, or not of the schedule.
    #[error("[inspections] checklist {0:?}: {1}")]
    BadSchedule(String, String),
    /// A correction deadline of 0 or over 90 days.
    #[error("[inspections] checklist {0:?}: correction_days must be 1–90 / 整改期限须为 1–90 天")]
    BadCorrectionDays(String),
}

fn good_code(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

impl Template {
    /// The item `code`, if the checklist has it.
    pub fn item(&self, code: &str) -> Option<&ItemSpec> {
        self.items.iter().find(|i| i.code == code)
    }

    fn check_schedule(&self) -> Result<(), String> {
        let given = [
            (
                "every_hours",
                self.every_hours.is_some(),
                ScheduleKind::EveryHours,
            ),
            ("weekday", self.weekday.is_some(), ScheduleKind::Weekly),
            ("month_day", self.month_day.is_some(), ScheduleKind::Monthly),
        ];
        for (key, set, belongs) in given {
            if set && self.schedule != belongs {
                return Err(format!(
                    "`{key}` does not go with this schedule / `{key}` 与该检查周期不符"
                ));
            }
        }
        match self.schedule {
            ScheduleKind::EveryHours
                if !self.every_hours.is_some_and(|h| (1..=12).contains(&h)) =>
            {
                Err("every_hours must be 1–12 / every_hours 须为 1–12 小时".into())
            }
            ScheduleKind::Weekly if !self.weekday.is_some_and(|d| (1..=7).contains(&d)) => Err(
                "weekday must be 1 (Monday) to 7 (Sunday) / weekday 须为 1（周一）到 7（周日）"
                    .into(),
            ),
            ScheduleKind::Monthly if !self.month_day.is_some_and(|d| (1..=31).contains(&d)) => {
                Err("month_day must be 1–31 / month_day 须为 1–31".into())
            }
            _ if self.grace_min > 24 * 60 => {
                Err("grace_min must be at most 1440 / grace_min 不得超过 1440 分钟".into())
            }
            _ => Ok(()),
        }
    }
}

impl InspectionsSection {
    /// Checks the checklists; the hub refuses to start on an error.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let mut codes = HashSet::new();
        for t in &self.templates {
            if !good_code(&t.code) {
                return Err(TemplateError::BadCode(t.code.clone()));
            }
            if !codes.insert(t.code.as_str()) {
                return Err(TemplateError::DuplicateTemplate(t.code.clone()));
            }
            if t.items.is_empty() {
                return Err(TemplateError::NoItems(t.code.clone()));
            }
            let mut items = HashSet::new();
            for i in &t.items {
                if !good_code(&i.code) {
                    return Err(TemplateError::BadCode(i.code.clone()));
                }
                if !items.insert(i.code.as_str()) {
                    return Err(TemplateError::DuplicateItem(t.code.clone(), i.code.clone()));
                }
            }
            t.check_schedule()
                .map_err(|m| TemplateError::BadSchedule(t.code.clone(), m))?;
            if !(1..=90).contains(&t.correction_days) {
                return Err(TemplateError::BadCorrectionDays(t.code.clone()));
            }
        }
        Ok(())
    }

    /// The checklist `code`.
    pub fn template(&self, code: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.code == code)
    }

    /// The checklists recorded at any time rather than on a schedule (`on_demand`: the mystery
    /// shopper's visit, an ad-hoc self-inspection a hall adds), in the hall's order.
    pub fn on_demand(&self) -> impl Iterator<Item = &Template> {
        self.templates
            .iter()
            .filter(|t| t.schedule == ScheduleKind::OnDemand)
    }
}

fn item(code: &str, zh: &str, en: &str, critical: bool) -> ItemSpec {
    ItemSpec {
        code: code.into(),
        text: LocalText::new(zh, en),
        critical,
    }
}

#[allow(clippy::too_many_arguments)]
fn template(
    code: &str,
    kind: InspectionKind,
    name: (&str, &str),
    schedule: ScheduleKind,
    grace_min: u32,
    items: Vec<ItemSpec>,
) -> Template {
    Template {
        code: code.into(),
        kind,
        name: LocalText::new(name.0, name.1),
        schedule,
        every_hours: None,
        weekday: None,
        month_day: None,
        grace_min,
        correction_days: default_correction_days(),
        items,
    }
}

/// DOMAIN.md's checklists: the daily three cleanings, the weekly seat check and the monthly
/// water filter, the managers' weekly self-inspection, and the mystery shopper's visit. Critical
/// items are those whose failure a service-quality department treats as failing the whole
/// inspection: safety (a wet floor, power left on, doors unlocked, a broken seat, an expired
/// filter) and the real-name check the law requires.
pub fn default_set() -> Vec<Template> {
    use InspectionKind as K;
    use ScheduleKind as S;
    let mut patrol = template(
        "patrol",
        K::Cleaning,
        ("营业中巡检（每2小时）", "Patrol while open (every 2 h)"),
        S::EveryHours,
        15,
        vec![
            item(
                "floor",
                "地面无垃圾、无积水",
                "Floor free of litter and water",
                true,
            ),
            item("seats", "等候区座椅整齐", "Waiting seats in order", false),
            item("bins", "垃圾桶未满", "Bins not full", false),
            item("desk", "填单台用品齐全", "Form desk stocked", false),
        ],
    );
    patrol.every_hours = Some(2);
    let mut seats = template(
        "seats-weekly",
        K::Facility,
        ("座椅每周检查", "Seats, weekly"),
        S::Weekly,
        60,
        vec![
            item(
                "sound",
                "座椅无破损、无松动",
                "No broken or loose seat",
                true,
            ),
            item("clean", "座椅清洁", "Seats clean", false),
        ],
    );
    seats.weekday = Some(1);
    let mut filter = template(
        "water-filter",
        K::Facility,
        ("饮水机滤芯每月检查", "Water filter, monthly"),
        S::Monthly,
        60,
        vec![
            item(
                "in-date",
                "滤芯在有效期内",
                "Filter within its service life",
                true,
            ),
            item(
                "clean",
                "饮水机清洁、水杯充足",
                "Dispenser clean, cups stocked",
                false,
            ),
        ],
    );
    filter.month_day = Some(5);
    let mut self_check = template(
        "self-weekly",
        K::SelfInspection,
        ("厅经理每周服务自查", "Manager's weekly self-inspection"),
        S::Weekly,
        60,
        vec![
            item(
                "environment",
                "厅堂环境整洁、标识清晰",
                "Hall tidy, signs clear",
                false,
            ),
            item(
                "dress",
                "员工统一着装、佩戴工牌",
                "Staff in uniform with badges",
                false,
            ),
            item(
                "conduct",
                "起身迎送、微笑服务、首问负责",
                "Stand to greet, smile, first-ask ownership",
                false,
            ),
            item(
                "notice",
                "一次性告知执行到位",
                "One-time notification given",
                false,
            ),
            item(
                "real-name",
                "实名制核验合规",
                "Real-name check done as required",
                true,
            ),
        ],
    );
    self_check.weekday = Some(5);
    vec![
        template(
            "clean-open",
            K::Cleaning,
            ("营业前清洁", "Cleaning before opening"),
            S::BeforeOpening,
            15,
            vec![
                item(
                    "floor",
                    "地面、台面整洁无杂物",
                    "Floor and counters clean and clear",
                    false,
                ),
                item("leaflets", "宣传资料摆放整齐", "Leaflets in order", false),
                item(
                    "devices",
                    "取号机、自助终端清洁可用",
                    "Kiosks and self-service terminals clean and working",
                    true,
                ),
                item(
                    "water",
                    "饮水区、洗手间清洁",
                    "Water corner and restroom clean",
                    false,
                ),
            ],
        ),
        patrol,
        template(
            "clean-close",
            K::Cleaning,
            ("营业后深度清洁", "Deep clean after closing"),
            S::AfterClosing,
            60,
            vec![
                item(
                    "deep",
                    "地面、座椅深度清洁",
                    "Floor and seats deep-cleaned",
                    false,
                ),
                item("power", "设备关机断电", "Devices switched off", true),
                item("locked", "门窗锁闭", "Doors and windows locked", true),
            ],
        ),
        seats,
        filter,
        self_check,
        template(
            "mystery-shopper",
            K::MysteryShopper,
            ("暗访", "Mystery shopper visit"),
            S::OnDemand,
            15,
            vec![
                item(
                    "greeting",
                    "进厅有问候、有引导",
                    "Greeted and guided on entering",
                    false,
                ),
                item(
                    "answer",
                    "咨询解答准确",
                    "Questions answered correctly",
                    false,
                ),
                item("notice", "一次性告知材料", "Documents told at once", false),
                item(
                    "time",
                    "在时限内办结",
                    "Served within the time limit",
                    false,
                ),
                item("farewell", "离厅有送别", "Seen off on leaving", false),
                item("real-name", "实名制核验", "Real-name check done", true),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_set_is_valid_and_covers_every_kind() {
        let s = InspectionsSection::default();
        s.validate().unwrap();
        for kind in InspectionKind::ALL {
            assert!(s.templates.iter().any(|t| t.kind == kind), "{kind:?}");
        }
        let patrol = s.template("patrol").unwrap();
        assert_eq!(patrol.every_hours, Some(2));
        assert!(patrol.item("floor").unwrap().critical);
    }

    fn section(toml_text: &str) -> Result<InspectionsSection, String> {
        let s: InspectionsSection = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        s.validate().map_err(|e| e.to_string())?;
        Ok(s)
    }

    const ONE: &str = r#"
        [[templates]]
        code = "patrol"
        kind = "cleaning"
        name = { zh = "巡检", en = "Patrol" }
        schedule = "every_hours"
        every_hours = 3
        items = [
            { code = "floor", text = { zh = "地面", en = "Floor" }, critical = true },
            { code = "seats", text = { zh = "座椅", en = "Seats" } },
        ]
    "#;

    #[test]
    fn a_hall_s_own_checklist_reads_with_its_defaults() {
        let s = section(ONE).unwrap();
        assert_eq!(s.templates.len(), 1);
        let t = &s.templates[0];
        assert_eq!((t.grace_min, t.correction_days), (15, 3));
        assert!(!t.items[1].critical);
    }

    #[test]
    fn no_checklist_named_gives_the_default_set() {
        assert_eq!(section("").unwrap(), InspectionsSection::default());
    }

    #[test]
    fn bad_checklists_are_refused_in_both_languages() {
        for (change, says) in [
            (
                ONE.replace("every_hours = 3", "every_hours = 0"),
                "须为 1–12",
            ),
            (
                ONE.replace("every_hours = 3", "every_hours = 3\nweekday = 2"),
                "与该检查周期不符",
            ),
            (ONE.replace("code = \"seats\"", "code = \"floor\""), "重复"),
            (
                ONE.replace("code = \"patrol\"", "code = \"Patrol!\""),
                "小写字母",
            ),
            (
                ONE.replace(
                    "schedule = \"every_hours\"\n        every_hours = 3",
                    "schedule = \"weekly\"",
                ),
                "weekday must be",
            ),
            (
                ONE.replace("items = [", "correction_days = 0\n        items = ["),
                "correction_days",
            ),
        ] {
            let err = section(&change).unwrap_err();
            assert!(err.contains(says), "{change}\n→ {err}");
        }
        let err = section(&ONE.replace("kind = \"cleaning\"", "kind = \"polishing\"")).unwrap_err();
        assert!(err.contains("polishing"), "{err}");
        let dup = format!("{ONE}\n{}", ONE.trim());
        assert!(section(&dup).unwrap_err().contains("defined twice"));
    }
}
