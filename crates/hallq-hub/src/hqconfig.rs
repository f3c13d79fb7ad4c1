//! Configuration down, the hub's side (docs/chain.md, "Configuration down"): what the writer
//! does with headquarters' documents. The uplink fetches the documents of the hall's scopes and
//! hands them over as an [`Offer`]; the writer asks [`HqState::decide`], which merges them, lays
//! them over hall.toml and checks the result against the live queue. Pure: no I/O but reading
//! the journal at start ([`HqState::restore`]).
//!
//! hall.toml is the base: a section no document sets is the hall's own, and the hall's devices,
//! counters, clerks, broker and limits never come from HQ.

use std::sync::Arc;

use hallq_journal::{Journal, JournalError};
use hallq_proto::state::Announcement;
use hallq_proto::time::days_from_civil;
use hallq_proto::{AnnouncementId, BusinessCode, CounterNo, LocalText, Timestamp};
use hallq_queue::config::BusinessType;
use hallq_queue::{Engine, Event, EventKind};
use hallq_wire::{BusinessInForce, ConfigDoc, ConfigReport, LocalTime, Refusal, Text};

use crate::config::HallConfig;

/// The documents of the hall's scopes as fetched, least specific first, and the hall's revision
/// (the highest KV revision among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The hall's revision.
    pub rev: u64,
    /// Each scope (`chain`, `region:R`, `hall:H`) and its document's bytes, if it has one.
    pub docs: Vec<(String, Option<Vec<u8>>)>,
}

/// What the hub runs on besides hall.toml: the revision in force and its document, and the last
/// revision refused.
#[derive(Debug, Clone)]
pub struct HqState {
    /// hall.toml's configuration (with the registry of the last reload).
    pub base: Arc<HallConfig>,
    /// The revision in force and its merged document; none: hall.toml alone.
    pub applied: Option<(u64, ConfigDoc)>,
    /// The last revision refused, and why.
    pub refused: Option<(u64, LocalText)>,
    /// When the revision in force was taken: where an announcement of it has no `starts`, the
    /// wall display says it runs from then.
    pub taken_at: Timestamp,
}

/// A bilingual reason.
fn reason(zh: impl Into<String>, en: impl Into<String>) -> LocalText {
    LocalText::new(zh.into(), en.into())
}

/// A message that has both languages in it already (`… / …`), for both.
fn both(text: String) -> LocalText {
    LocalText::new(text.clone(), text)
}

impl HqState {
    /// The state a journal records: its last `config_applied` and `config_refused`, laid over
    /// `base`. Returns the configuration to run on; a document that no longer fits hall.toml
    /// (a counter removed, say) is dropped with a log line, and the hub runs on hall.toml.
    pub fn restore(
        base: Arc<HallConfig>,
        journal: &Journal,
    ) -> Result<(Self, Arc<HallConfig>), JournalError> {
        let last = |kind: &str| -> Result<Option<Event>, JournalError> {
            let body: Option<String> = journal.connection().query_row(
                "SELECT (SELECT body FROM events WHERE type = ?1 ORDER BY seq DESC LIMIT 1)",
                [kind],
                |r| r.get(0),
            )?;
            Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
        };
        let mut state = Self {
            base: Arc::clone(&base),
            applied: None,
            refused: None,
            taken_at: Timestamp(0),
        };
        if let Some(Event {
            kind: EventKind::ConfigRefused { rev, reason },
            ..
        }) = last("config_refused")?
        {
            state.refused = Some((rev, reason));
        }
        let mut running = base;
        if let Some(Event {
            kind: EventKind::ConfigApplied { rev, doc },
            at_ms,
        }) = last("config_applied")?
        {
            let doc = serde_json::from_str::<ConfigDoc>(&doc).map_err(|e| e.to_string());
            match doc.and_then(|d| effective(&state.base, &d).map(|c| (d, c))) {
                Ok((doc, config)) => {
                    running = Arc::new(config);
                    state.applied = Some((rev, doc));
                    state.taken_at = at_ms;
                }
                Err(error) => tracing::error!(
                    rev,
                    %error,
                    "HQ's configuration in force no longer fits hall.toml: running on hall.toml / 总部配置与 hall.toml 不符，按 hall.toml 运行"
                ),
            }
        }
        Ok((state, running))
    }

    /// The revision in force (0: hall.toml alone).
    pub fn rev(&self) -> u64 {
        self.applied.as_ref().map_or(0, |(r, _)| *r)
    }

    /// Whether `rev` was decided already (in force, or refused): a fetch of the same documents
    /// again changes nothing and journals nothing.
    pub fn seen(&self, rev: u64) -> bool {
        rev == self.rev() || self.refused.as_ref().is_some_and(|(r, _)| *r == rev)
    }

    /// Decides `offer` against the live queue: the configuration to run on and the event to
    /// journal, or the refusal's event. The caller journals the event in the batch's commit
    /// and, when applied, swaps the engine's configuration and its own, then calls [`Self::took`].
    pub fn decide(&self, offer: &Offer, engine: &Engine, now: Timestamp) -> Decision {
        let rev = offer.rev;
        match self.check(offer, engine) {
            Ok((doc, config)) => {
                let json = serde_json::to_string(&doc).unwrap_or_default();
                Decision::Apply {
                    config: Box::new(config),
                    doc,
                    event: Event {
                        at_ms: now,
                        kind: EventKind::ConfigApplied { rev, doc: json },
                    },
                }
            }
            Err(reason) => Decision::Refuse {
                event: Event {
                    at_ms: now,
                    kind: EventKind::ConfigRefused { rev, reason },
                },
            },
        }
    }

    fn check(&self, offer: &Offer, engine: &Engine) -> Result<(ConfigDoc, HallConfig), LocalText> {
        let mut docs = Vec::new();
        for (scope, bytes) in &offer.docs {
            let Some(bytes) = bytes else { continue };
            let doc = serde_json::from_slice::<ConfigDoc>(bytes).map_err(|e| {
                reason(
                    format!("{scope} 的配置文件无法读取：{e}"),
                    format!("the document of {scope} cannot be read: {e}"),
                )
            })?;
            docs.push(doc);
        }
        let doc = ConfigDoc::merge(&docs);
        doc.check().map_err(both)?;
        let config = effective(&self.base, &doc).map_err(both)?;
        let in_force = self.applied.as_ref().and_then(|(_, d)| d.booking.as_ref());
        crate::booking::switch::no_way_back(in_force, doc.booking.as_ref()).map_err(both)?;
        // Business types removed while someone holds a ticket of theirs: nobody could call it.
        for b in &engine.config().business {
            if config.queue.business(&b.code).is_some() {
                continue;
            }
            let live = engine
                .tickets()
                .iter()
                .filter(|t| t.business == b.code && t.status.is_live())
                .count();
            if live > 0 {
                return Err(reason(
                    format!(
                        "业务类型 {}（{}）仍有 {live} 张号在等候或办理中，不能删除；请在无人等候时再发布",
                        b.code, b.name.zh
                    ),
                    format!(
                        "business type {} ({}) has {live} tickets waiting or in service and cannot be removed; publish again when nobody waits for it",
                        b.code, b.name.en
                    ),
                ));
            }
        }
        Ok((doc, config))
    }

    /// Records that `rev` with `doc` is in force from `now` on.
    pub fn took(&mut self, rev: u64, doc: ConfigDoc, now: Timestamp) {
        self.applied = Some((rev, doc));
        self.taken_at = now;
    }

    /// The revision in force and when it was taken, for `state/hub`; none: hall.toml alone.
    pub fn in_force(&self) -> Option<hallq_proto::state::ConfigInForce> {
        self.applied
            .as_ref()
            .map(|(rev, _)| hallq_proto::state::ConfigInForce {
                rev: *rev,
                since_ms: self.taken_at,
            })
    }

    /// The last revision refused, for `state/hub`, while it is newer than the one in force (a
    /// later revision taken since makes it history).
    pub fn refusal(&self) -> Option<hallq_proto::state::ConfigRefused> {
        self.refused
            .as_ref()
            .filter(|(r, _)| *r > self.rev())
            .map(|(rev, reason)| hallq_proto::state::ConfigRefused {
                rev: *rev,
                reason: reason.clone(),
            })
    }

    /// HQ's announcements in force, as the wall display's board carries them (every one,
    /// whatever its window: the board shows those whose window holds the time it is published
    /// at, [`StatePublisher`](crate::publish::StatePublisher) decides). Their ids are `hq:` and
    /// HQ's id, so that none is taken for an announcement posted in the hall. A window's local
    /// times are the hall's (`utc_offset_min`).
    pub fn announcements(&self, utc_offset_min: i32) -> Vec<Announcement> {
        let Some((_, doc)) = &self.applied else {
            return Vec::new();
        };
        let at = |text: &Option<String>| {
            let t = LocalTime::parse(text.as_deref()?)?;
            let minutes = days_from_civil(t.year, t.month, t.day) * 1440 + i64::from(t.minute)
                - i64::from(utc_offset_min);
            Some(Timestamp(minutes * 60_000))
        };
        let local = |t: &Text| LocalText::new(t.zh.clone(), t.en.clone());
        doc.announcements
            .iter()
            .filter_map(|a| {
                Some(Announcement {
                    // A document is checked before it is taken: an id that fails here is not
                    // one it could have had.
                    id: AnnouncementId::new(format!("hq:{}", a.id)).ok()?,
                    text: local(&a.text),
                    starts_at_ms: at(&a.starts).unwrap_or(self.taken_at),
                    ends_at_ms: at(&a.ends),
                    where_to_ask: a.where_to_ask.as_ref().map(local),
                })
            })
            .collect()
    }

    /// Records that `rev` was refused.
    pub fn refused(&mut self, rev: u64, why: LocalText) {
        self.refused = Some((rev, why));
    }

    /// hall.toml reloaded: the new base, and the configuration to run on (the document in force
    /// laid over it, or the base alone if it no longer fits).
    pub fn rebase(&mut self, base: Arc<HallConfig>) -> Arc<HallConfig> {
        self.base = Arc::clone(&base);
        match &self.applied {
            Some((_, doc)) => match effective(&base, doc) {
                Ok(c) => Arc::new(c),
                Err(error) => {
                    tracing::error!(%error, "HQ's configuration does not fit the reloaded hall.toml: kept as it was / 总部配置与重新加载的 hall.toml 不符");
                    base
                }
            },
            None => base,
        }
    }

    /// What the hall reports to HQ: the revision in force, the last refusal above it, and the
    /// business types of `running`.
    pub fn report(&self, running: &HallConfig) -> ConfigReport {
        let text = |t: &LocalText| Text {
            zh: t.zh.clone(),
            en: t.en.clone(),
        };
        ConfigReport {
            rev: self.rev(),
            refused: self.refusal().map(|r| Refusal {
                rev: r.rev,
                reason: text(&r.reason),
            }),
            business: running
                .queue
                .business
                .iter()
                .map(|b| BusinessInForce {
                    code: b.code.to_string(),
                    name: text(&b.name),
                    class: serde_json::to_value(b.class)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    limit_min: b.limit_min(),
                })
                .collect(),
        }
    }
}

/// What the writer does with an offer.
#[derive(Debug)]
pub enum Decision {
    /// Run on `config` from now on; journal `event` (`config_applied`).
    Apply {
        config: Box<HallConfig>,
        doc: ConfigDoc,
        event: Event,
    },
    /// Keep the configuration; journal `event` (`config_refused`).
    Refuse { event: Event },
}

/// `doc` laid over `base`: the business list (the counters keep their skills that still exist,
/// and gain the types that name them), the limits, the KPI targets. Every check that needs no
/// live queue: bilingual errors.
pub fn effective(base: &HallConfig, doc: &ConfigDoc) -> Result<HallConfig, String> {
    let mut config = base.clone();
    if let Some(list) = &doc.business {
        let mut business = Vec::new();
        for b in list {
            let t = serde_json::from_value::<BusinessType>(b.queue_json())
                .map_err(|e| format!("business type {}: {e} / 业务类型 {} 无效", b.code, b.code))?;
            business.push(t);
        }
        let queue = &mut config.queue;
        queue.business = business;
        for c in &mut queue.counters {
            let keep: Vec<BusinessCode> = c
                .skills
                .iter()
                .filter(|s| list.iter().any(|b| b.code == s.as_str()))
                .cloned()
                .collect();
            c.skills = keep;
        }
        for b in list {
            for n in &b.counters {
                let counter = u16::try_from(*n)
                    .ok()
                    .and_then(|n| queue.counters.iter_mut().find(|c| c.number == CounterNo(n)));
                let Some(counter) = counter else {
                    return Err(format!(
                        "business type {} names counter {n}, which this hall does not have / 业务类型 {} 指定的 {n} 号窗口在本厅不存在",
                        b.code, b.code
                    ));
                };
                let code = BusinessCode::new(b.code.clone()).map_err(|e| e.to_string())?;
                if !counter.skills.contains(&code) {
                    counter.skills.push(code);
                }
            }
        }
        for c in &queue.counters {
            if c.skills.is_empty() {
                return Err(format!(
                    "counter {} would serve no business type / {} 号窗口将没有可办理的业务",
                    c.number, c.number
                ));
            }
        }
        for b in &queue.business {
            if !queue.counters.iter().any(|c| c.skills.contains(&b.code)) {
                return Err(format!(
                    "no counter serves business type {}: name its counters (counters = […]) / 没有窗口办理业务类型 {}：请用 counters 指定窗口",
                    b.code, b.code
                ));
            }
        }
    }
    for (code, min) in &doc.limits {
        if let Some(b) = config
            .queue
            .business
            .iter_mut()
            .find(|b| b.code.as_str() == code)
        {
            b.limit_min = Some(*min);
        }
    }
    if let Some(k) = &doc.kpi {
        let t = &mut config.kpi;
        t.satisfaction_pct = k.satisfaction_pct.unwrap_or(t.satisfaction_pct);
        t.within_limit_pct = k.within_limit_pct.unwrap_or(t.within_limit_pct);
        t.complaint_resolution_pct = k
            .complaint_resolution_pct
            .unwrap_or(t.complaint_resolution_pct);
        t.wait_service_level_pct = k.wait_service_level_pct.unwrap_or(t.wait_service_level_pct);
        t.wait_target_min = k.wait_target_min.unwrap_or(t.wait_target_min);
    }
    if let Some(b) = &doc.booking {
        crate::booking::switch::lay_over(&mut config, b)?;
    }
    config.queue.validate().map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALL: &str = r#"
        [hall]
        id = "demo"
        name = { zh = "演示营业厅", en = "Demo Hall" }
    "#;

    fn base() -> HallConfig {
        HallConfig::parse(HALL).unwrap()
    }

    fn doc(toml_business: &str) -> ConfigDoc {
        let json = format!(
            "{{\"business\": [{toml_business}], \"limits\": {{\"basic\": 25, \"nope\": 9}}, \
             \"kpi\": {{\"within_limit_pct\": 90.0}}}}"
        );
        serde_json::from_str(&json).unwrap()
    }

    fn biz(code: &str, prefix: &str, counters: &str) -> String {
        format!(
            "{{\"code\": \"{code}\", \"name\": {{\"zh\": \"{code}\", \"en\": \"{code}\"}}, \
             \"prefix\": \"{prefix}\", \"class\": \"basic\", \"counters\": [{counters}]}}"
        )
    }

    const FIVE: [(&str, &str); 5] = [
        ("consult", "C"),
        ("basic", "A"),
        ("complex", "B"),
        ("repair", "D"),
        ("enterprise", "V"),
    ];

    fn five_and(extra: &str) -> String {
        let mut list: Vec<String> = FIVE.iter().map(|(c, p)| biz(c, p, "")).collect();
        if !extra.is_empty() {
            list.push(extra.to_owned());
        }
        list.join(", ")
    }

    #[test]
    fn a_document_is_laid_over_hall_toml() {
        let c = effective(&base(), &doc(&five_and(&biz("broadband", "K", "1, 2")))).unwrap();
        let code = |s: &str| BusinessCode::new(s).unwrap();
        assert!(c.queue.business(&code("broadband")).is_some());
        assert_eq!(c.queue.business(&code("basic")).unwrap().limit_min(), 25);
        assert!(c.queue.counters[0].skills.contains(&code("broadband")));
        assert!(!c.queue.counters[2].skills.contains(&code("broadband")));
        assert_eq!(c.kpi.within_limit_pct, 90.0);
        assert_eq!(c.kpi.satisfaction_pct, 95.0, "hall.toml's where unset");
        assert_eq!(c.queue.counters.len(), base().queue.counters.len());
    }

    #[test]
    fn what_cannot_work_in_this_hall_is_refused_in_both_languages() {
        let e = effective(&base(), &doc(&five_and(&biz("broadband", "K", "")))).unwrap_err();
        assert!(
            e.contains("no counter serves") && e.contains("没有窗口"),
            "{e}"
        );
        let e = effective(&base(), &doc(&five_and(&biz("broadband", "K", "99")))).unwrap_err();
        assert!(e.contains("counter 99") && e.contains("99 号窗口"), "{e}");
        // Counter 5 serves enterprise, complex and basic only.
        let only = [biz("consult", "C", ""), biz("repair", "D", "")].join(", ");
        let e = effective(&base(), &doc(&only)).unwrap_err();
        assert!(e.contains("would serve no business type"), "{e}");
        let e = effective(&base(), &doc(&five_and(&biz("x", "A", "1")))).unwrap_err();
        assert!(e.contains("业务类型重复"), "{e}");
    }

    #[test]
    fn the_report_names_the_types_in_force_and_a_refusal_above_it() {
        let mut s = HqState {
            base: Arc::new(base()),
            applied: None,
            refused: None,
            taken_at: Timestamp(0),
        };
        s.refused(7, LocalText::new("不行", "no"));
        let r = s.report(&base());
        assert_eq!(r.rev, 0);
        assert_eq!(r.refused.as_ref().unwrap().rev, 7);
        assert_eq!(s.refusal().unwrap().rev, 7, "for the console, in state/hub");
        assert!(
            r.business
                .iter()
                .any(|b| b.code == "basic" && b.class == "basic")
        );
        assert!(s.seen(7) && s.seen(0) && !s.seen(8));
        s.took(9, ConfigDoc::default(), Timestamp(5));
        assert!(
            s.report(&base()).refused.is_none(),
            "refusal below the one in force"
        );
        assert_eq!(s.refusal(), None);
    }

    #[test]
    fn hq_s_announcements_carry_their_window_in_the_hall_s_time() {
        let mut s = HqState {
            base: Arc::new(base()),
            applied: None,
            refused: None,
            taken_at: Timestamp(0),
        };
        assert!(s.announcements(480).is_empty(), "none in force");
        let doc: ConfigDoc = serde_json::from_str(
            r#"{"announcements": [
                {"id": "a", "text": {"zh": "甲", "en": "A"}},
                {"id": "b", "text": {"zh": "乙", "en": "B"}, "where_to_ask": {"zh": "问", "en": "ask"},
                 "starts": "2027-01-01 09:00", "ends": "2027-01-02 00:00"}]}"#,
        )
        .unwrap();
        s.took(3, doc, Timestamp(1_000));
        let a = s.announcements(480);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].id.as_str(), "hq:a");
        assert_eq!(
            a[0].starts_at_ms,
            Timestamp(1_000),
            "from when it was taken"
        );
        assert_eq!(a[0].ends_at_ms, None);
        // 2027-01-01 09:00 at UTC+8 is 01:00 UTC: 1798765200 s after the epoch.
        assert_eq!(a[1].starts_at_ms, Timestamp(1_798_765_200_000));
        assert_eq!(
            a[1].ends_at_ms,
            Some(Timestamp(1_798_732_800_000 + 86_400_000))
        );
        assert_eq!(a[1].where_to_ask.as_ref().unwrap().en, "ask");
    }
}
