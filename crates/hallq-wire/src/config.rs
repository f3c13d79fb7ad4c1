//! Configuration down (docs/chain.md, "Configuration down"): the documents HQ publishes per
//! scope in the JetStream KV bucket [`CONFIG_BUCKET`], how a hall merges its three, and what a
//! hall reports back ([`ConfigReport`], inside its [`crate::LiveStatus`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The KV bucket HQ publishes configuration documents in.
pub const CONFIG_BUCKET: &str = "HALLQ_CONFIG";

/// A scope given where one is expected (`chain`, `region:R`, `hall:H`) that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "scope {0:?}: give chain, region:<region> or hall:<hall>, ids of letters, digits, '-' and '_' / 范围须为 chain、region:<区域> 或 hall:<营业厅>，编号只含字母、数字、- 和 _"
)]
pub struct BadScope(pub String);

/// Whom a document is for. The more specific wins: chain ← region ← hall.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Every hall.
    Chain,
    /// The halls of a region (the `region` of their `[uplink]`).
    Region(String),
    /// One hall.
    Hall(String),
}

impl Scope {
    /// `chain`, `region:R` or `hall:H`.
    pub fn parse(text: &str) -> Result<Self, BadScope> {
        let bad = || BadScope(text.chars().take(80).collect());
        match text.split_once(':') {
            None if text == "chain" => Ok(Self::Chain),
            Some(("region", r)) if id_ok(r) => Ok(Self::Region(r.to_owned())),
            Some(("hall", h)) if id_ok(h) => Ok(Self::Hall(h.to_owned())),
            _ => Err(bad()),
        }
    }

    /// Its key in [`CONFIG_BUCKET`]: `chain`, `region.R`, `hall.H`.
    pub fn key(&self) -> String {
        match self {
            Self::Chain => "chain".into(),
            Self::Region(r) => format!("region.{r}"),
            Self::Hall(h) => format!("hall.{h}"),
        }
    }

    /// The subject a put of its key is published on (what a hub subscribes to, to be woken).
    pub fn subject(&self) -> String {
        format!("$KV.{CONFIG_BUCKET}.{}", self.key())
    }

    /// The scopes of a hall, least specific first: chain, its region (if it has one a key can
    /// name), itself.
    pub fn of_hall(hall: &str, region: &str) -> Vec<Self> {
        let mut out = vec![Self::Chain];
        if id_ok(region) {
            out.push(Self::Region(region.to_owned()));
        }
        out.push(Self::Hall(hall.to_owned()));
        out
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Chain => f.write_str("chain"),
            Self::Region(r) => write!(f, "region:{r}"),
            Self::Hall(h) => write!(f, "hall:{h}"),
        }
    }
}

/// A region or hall id a KV key can carry as one token: 1–64 of a-z A-Z 0-9 - _.
fn id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A text in the hall's two languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// One scope's document: every section optional; a section absent leaves the less specific
/// scope's (or hall.toml's) value. Unknown keys are refused, by HQ's publish command and by a
/// hub (a hub older than the document refuses it with the reason rather than half-take it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigDoc {
    /// KPI targets, key by key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpi: Option<KpiDoc>,
    /// Handling-time limits in minutes, by business code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, u32>,
    /// The whole list of business types, in the kiosk's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<Vec<BusinessDoc>>,
    /// Announcements for the wall display.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announcements: Vec<AnnouncementDoc>,
    /// Who sells the hall's bookings, and from which day (docs/booking.md, "At HQ").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<crate::BookingDoc>,
}

/// hall.toml's `[kpi]`, each key optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_limit_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint_resolution_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_service_level_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_target_min: Option<u32>,
}

/// A business type as hall.toml's `[[queue.business]]` has it, plus the counters that also
/// serve it (HQ cannot know the hall's counters' skills; a new type nobody serves is refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessDoc {
    pub code: String,
    pub name: Text,
    pub prefix: String,
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_handling_min: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_service: Option<Text>,
    /// Counters whose skills get this type (at the end: their least preferred).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<u32>,
}

impl BusinessDoc {
    /// The type as hall.toml's `[[queue.business]]` (JSON), without `counters`: what the
    /// engine's `BusinessType` reads.
    pub fn queue_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            map.remove("counters");
        }
        v
    }
}

/// An announcement on the wall display while the document is in force and, if it has a window,
/// within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementDoc {
    /// Its id (letters, digits, '-', '_'), unique among the hall's HQ announcements.
    pub id: String,
    pub text: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub where_to_ask: Option<Text>,
    /// From when, `YYYY-MM-DD HH:MM` in each hall's local time (a chain-wide notice starts at
    /// 09:00 in every hall, whatever its time zone); none: as soon as the hall takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts: Option<String>,
    /// Until when (not included), the same form; none: until HQ withdraws it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends: Option<String>,
}

/// A local date and time as a window's `starts` or `ends` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// Minutes after midnight.
    pub minute: u32,
}

impl LocalTime {
    /// `YYYY-MM-DD HH:MM` (a `T` for the space is taken too), a real date between 2000 and 2100.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        if b.len() != 16
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b' ' | b'T')
            || b[13] != b':'
        {
            return None;
        }
        let (year, month, day) = (i64::from(digits(0..4)?), digits(5..7)?, digits(8..10)?);
        let (hour, min) = (digits(11..13)?, digits(14..16)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 31,
        };
        let ok = (2000..=2100).contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month).contains(&day)
            && hour < 24
            && min < 60;
        ok.then_some(Self {
            year,
            month,
            day,
            minute: hour * 60 + min,
        })
    }
}

impl ConfigDoc {
    /// The documents of a hall's scopes merged, least specific first (chain, region, hall):
    /// `kpi` key by key and `limits` code by code, the more specific winning; the most specific
    /// `business` list whole; `announcements` the union by id, a more specific one replacing
    /// the same id.
    pub fn merge<'a>(docs: impl IntoIterator<Item = &'a Self>) -> Self {
        let mut out = Self::default();
        for d in docs {
            if let Some(k) = &d.kpi {
                let o = out.kpi.get_or_insert_with(KpiDoc::default);
                o.satisfaction_pct = k.satisfaction_pct.or(o.satisfaction_pct);
                o.within_limit_pct = k.within_limit_pct.or(o.within_limit_pct);
                o.complaint_resolution_pct =
                    k.complaint_resolution_pct.or(o.complaint_resolution_pct);
                o.wait_service_level_pct = k.wait_service_level_pct.or(o.wait_service_level_pct);
                o.wait_target_min = k.wait_target_min.or(o.wait_target_min);
            }
            out.limits
                .extend(d.limits.iter().map(|(k, v)| (k.clone(), *v)));
            if d.business.is_some() {
                out.business.clone_from(&d.business);
            }
            if let Some(b) = &d.booking {
                out.booking.get_or_insert_with(Default::default).merge(b);
            }
            for a in &d.announcements {
                match out.announcements.iter_mut().find(|x| x.id == a.id) {
                    Some(x) => *x = a.clone(),
                    None => out.announcements.push(a.clone()),
                }
            }
        }
        out
    }

    /// What is wrong with the document on its own (the hall's counters and queue aside), in
    /// Chinese and English: limits and targets out of range, announcements without text or with
    /// a bad or repeated id, repeated business codes.
    pub fn check(&self) -> Result<(), String> {
        for (code, min) in self.limits.iter().map(|(c, m)| (c, *m)).chain(
            self.business
                .iter()
                .flatten()
                .filter_map(|b| b.limit_min.map(|m| (&b.code, m))),
        ) {
            if !(1..=480).contains(&min) {
                return Err(format!(
                    "limit of {code}: {min} min is outside 1–480 / {code} 的时限 {min} 分钟不在 1–480 之内"
                ));
            }
        }
        if let Some(k) = &self.kpi {
            for (name, v) in [
                ("satisfaction_pct", k.satisfaction_pct),
                ("within_limit_pct", k.within_limit_pct),
                ("complaint_resolution_pct", k.complaint_resolution_pct),
                ("wait_service_level_pct", k.wait_service_level_pct),
            ] {
                if v.is_some_and(|v| !(0.0..=100.0).contains(&v)) {
                    return Err(format!(
                        "kpi.{name} must be 0–100 / 考核目标 {name} 须在 0–100 之间"
                    ));
                }
            }
            if k.wait_target_min.is_some_and(|m| !(1..=240).contains(&m)) {
                return Err("kpi.wait_target_min must be 1–240 / 等候目标须为 1–240 分钟".into());
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for a in &self.announcements {
            if !id_ok(&a.id) || !ids.insert(a.id.as_str()) {
                return Err(format!(
                    "announcement id {:?}: letters, digits, '-', '_', once each / 公告编号 {:?} 无效或重复",
                    a.id, a.id
                ));
            }
            if a.text.zh.trim().is_empty() {
                return Err(format!(
                    "announcement {} has no Chinese text / 公告 {} 缺少中文内容",
                    a.id, a.id
                ));
            }
            let mut window = [None, None];
            for (slot, (key, value)) in window
                .iter_mut()
                .zip([("starts", &a.starts), ("ends", &a.ends)])
            {
                let Some(value) = value else { continue };
                *slot = Some(LocalTime::parse(value).ok_or_else(|| {
                    format!(
                        "announcement {}: {key} {value:?} is not a local time YYYY-MM-DD HH:MM / 公告 {} 的 {key} 须为当地时间 YYYY-MM-DD HH:MM",
                        a.id, a.id
                    )
                })?);
            }
            if let [Some(starts), Some(ends)] = window
                && ends <= starts
            {
                return Err(format!(
                    "announcement {} ends before it starts / 公告 {} 的结束时间早于开始时间",
                    a.id, a.id
                ));
            }
        }
        let mut codes = std::collections::BTreeSet::new();
        for b in self.business.iter().flatten() {
            if !codes.insert(b.code.as_str()) {
                return Err(format!(
                    "business type {} is listed twice / 业务类型 {} 重复",
                    b.code, b.code
                ));
            }
        }
        if let Some(b) = &self.booking {
            b.check()?;
        }
        Ok(())
    }
}

/// What a hall has in force, sent in its live status (`LiveStatus.config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigReport {
    /// The revision in force (the highest KV revision of its scopes' documents when taken); 0:
    /// hall.toml's own, no document taken yet.
    pub rev: u64,
    /// The last revision refused (above the one in force), and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refusal>,
    /// The business types in force, in the kiosk's order.
    #[serde(default)]
    pub business: Vec<BusinessInForce>,
}

/// A revision a hall refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub rev: u64,
    /// Why, in both languages.
    pub reason: Text,
}

/// A business type in force at a hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessInForce {
    pub code: String,
    pub name: Text,
    /// Its class as hall.toml names it (`basic`, `complex` …).
    pub class: String,
    /// The handling-time limit in minutes.
    pub limit_min: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Text {
        Text {
            zh: s.into(),
            en: s.into(),
        }
    }

    #[test]
    fn scopes_parse_and_name_their_keys() {
        assert_eq!(Scope::parse("chain").unwrap().key(), "chain");
        assert_eq!(Scope::parse("region:gd-gz").unwrap().key(), "region.gd-gz");
        assert_eq!(Scope::parse("hall:gz_01").unwrap().key(), "hall.gz_01");
        for bad in [
            "", "Chain", "region:", "hall:a.b", "hall:a b", "city:x", "chain:x",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Scope::of_hall("gz-01", "").len(),
            2,
            "no region: chain and hall"
        );
        assert_eq!(
            Scope::Hall("gz".into()).subject(),
            "$KV.HALLQ_CONFIG.hall.gz"
        );
    }

    #[test]
    fn the_more_specific_scope_wins() {
        let chain = ConfigDoc {
            kpi: Some(KpiDoc {
                satisfaction_pct: Some(95.0),
                within_limit_pct: Some(98.0),
                ..KpiDoc::default()
            }),
            limits: [("basic".into(), 15), ("complex".into(), 30)].into(),
            announcements: vec![AnnouncementDoc {
                id: "a".into(),
                text: text("chain a"),
                where_to_ask: None,
                starts: None,
                ends: None,
            }],
            ..ConfigDoc::default()
        };
        let hall = ConfigDoc {
            kpi: Some(KpiDoc {
                within_limit_pct: Some(90.0),
                ..KpiDoc::default()
            }),
            limits: [("basic".into(), 20)].into(),
            announcements: vec![
                AnnouncementDoc {
                    id: "a".into(),
                    text: text("hall a"),
                    where_to_ask: None,
                    starts: None,
                    ends: None,
                },
                AnnouncementDoc {
                    id: "b".into(),
                    text: text("hall b"),
                    where_to_ask: None,
                    starts: None,
                    ends: None,
                },
            ],
            ..ConfigDoc::default()
        };
        let m = ConfigDoc::merge([&chain, &ConfigDoc::default(), &hall]);
        let kpi = m.kpi.unwrap();
        assert_eq!(kpi.satisfaction_pct, Some(95.0));
        assert_eq!(kpi.within_limit_pct, Some(90.0));
        assert_eq!(m.limits["basic"], 20);
        assert_eq!(m.limits["complex"], 30);
        let texts: Vec<_> = m.announcements.iter().map(|a| a.text.zh.as_str()).collect();
        assert_eq!(texts, ["hall a", "hall b"]);
        assert!(m.business.is_none());
    }

    #[test]
    fn a_document_out_of_range_is_refused_in_both_languages() {
        let doc = ConfigDoc {
            limits: [("basic".into(), 0)].into(),
            ..ConfigDoc::default()
        };
        let e = doc.check().unwrap_err();
        assert!(e.contains("outside") && e.contains("时限"), "{e}");
        let doc = ConfigDoc {
            announcements: vec![AnnouncementDoc {
                id: "x".into(),
                text: text(""),
                where_to_ask: None,
                starts: None,
                ends: None,
            }],
            ..ConfigDoc::default()
        };
        assert!(doc.check().unwrap_err().contains("中文"));
    }

    #[test]
    fn an_announcement_s_window_is_a_real_local_time_and_ends_after_it_starts() {
        let with = |starts: Option<&str>, ends: Option<&str>| ConfigDoc {
            announcements: vec![AnnouncementDoc {
                id: "w".into(),
                text: text("window"),
                where_to_ask: None,
                starts: starts.map(Into::into),
                ends: ends.map(Into::into),
            }],
            ..ConfigDoc::default()
        };
        assert!(
            with(Some("2027-01-01 09:00"), Some("2027-02-28 18:30"))
                .check()
                .is_ok()
        );
        assert!(
            with(None, Some("2028-02-29T00:00")).check().is_ok(),
            "a leap day"
        );
        for bad in [
            "2027-02-29 09:00",
            "2027-13-01 09:00",
            "2027-01-01 24:00",
            "2027-01-01 9:00",
            "2027/01/01 09:00",
            "1999-12-31 23:59",
            "2027-01-01 09:00:00",
            "+027-01-01 09:00",
        ] {
            let e = with(Some(bad), None).check().unwrap_err();
            assert!(
                e.contains("YYYY-MM-DD HH:MM") && e.contains("当地时间"),
                "{bad}: {e}"
            );
        }
        let e = with(Some("2027-01-02 09:00"), Some("2027-01-02 09:00"))
            .check()
            .unwrap_err();
        assert!(e.contains("ends before") && e.contains("早于"), "{e}");
        assert_eq!(
            LocalTime::parse("2027-03-04 05:06"),
            Some(LocalTime {
                year: 2027,
                month: 3,
                day: 4,
                minute: 306
            })
        );
    }
}
