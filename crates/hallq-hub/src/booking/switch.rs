//! The switch to HQ as the booking master by a published revision (docs/booking.md, "At HQ").
//!
//! HQ's configuration document may carry `[booking] master = "hq"`, `from` (a business day)
//! and `hq_url`. Laid over hall.toml's `[booking]` ([`lay_over`], from `hqconfig::effective`):
//! the published document wins, as for every section it sets. The hub keeps selling until the
//! day `from` begins in the hall's time zone; from then on its API answers `409
//! booking_at_hq` ([`refresh`], on every tick of the writer, so the switch falls on the
//! business-day boundary whenever the document was taken). Chosen: the document can switch a
//! hall to HQ, not back: a switch back would need HQ's open bookings handed to the hub, which
//! is not built; such a document is refused with the reason.

use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_wire::{BookingDoc, BookingMaster};

use super::{Keeper, Master};
use crate::config::HallConfig;

/// `doc` laid over `config`'s `[booking]`: bilingual errors for what cannot work.
pub fn lay_over(config: &mut HallConfig, doc: &BookingDoc) -> Result<(), String> {
    let has_uplink = config.uplink.is_some();
    let Some(section) = config.booking.as_mut() else {
        return Err("[booking] in HQ's document, but the hall takes no bookings ([booking] in hall.toml) / 总部配置含 [booking]，但本厅未开通预约（hall.toml 无 [booking]）".into());
    };
    if let Some(url) = &doc.hq_url {
        section.hq_url = Some(url.clone());
    }
    match doc.master {
        Some(BookingMaster::Hub) if section.master == Master::Hq => {
            return Err("booking.master = \"hub\": a switch from HQ back to the hall's hub is not built (HQ's open bookings would have to come back) / 不支持由总部切回本厅预约".into());
        }
        None | Some(BookingMaster::Hub) => {}
        Some(BookingMaster::Hq) => {
            // hall.toml has HQ sell already, from always: nothing to switch.
            if section.master == Master::Hq && section.hq_from.is_none() {
                return Ok(());
            }
            let Some(from) = doc.from else {
                return Err("booking.master = \"hq\" needs from, the first business day HQ sells (YYYYMMDD) / 切换到总部预约须指定起始营业日 from".into());
            };
            if !has_uplink {
                return Err("booking.master = \"hq\" needs [uplink] in hall.toml (HQ's bookings come down over it) / 切换到总部预约须配置 [uplink]".into());
            }
            if section.hq_url.as_deref().is_none_or(str::is_empty) {
                return Err("booking.master = \"hq\" needs hq_url, HQ's booking page for the hall / 切换到总部预约须指定总部预约页 hq_url".into());
            }
            section.master = Master::Hq;
            section.hq_from = Some(BusinessDay(from));
        }
    }
    Ok(())
}

/// A document after `in_force` (the `[booking]` of the document in force): once HQ has been
/// published as the master, it stays (a switch back is not built), and its `from` can only
/// move earlier (a later one would give days back to the hub).
pub fn no_way_back(in_force: Option<&BookingDoc>, next: Option<&BookingDoc>) -> Result<(), String> {
    let Some(BookingDoc {
        master: Some(BookingMaster::Hq),
        from: Some(was),
        ..
    }) = in_force
    else {
        return Ok(());
    };
    match next {
        Some(BookingDoc {
            master: Some(BookingMaster::Hq),
            from: Some(from),
            ..
        }) if from <= was => Ok(()),
        Some(BookingDoc {
            master: Some(BookingMaster::Hq),
            from: Some(from),
            ..
        }) => Err(format!(
            "booking.from {from} is later than {was} in force: HQ's first day can only move earlier / 总部预约起始日只能提前，不能推后（现为 {was}）"
        )),
        _ => Err("HQ sells this hall's bookings by the document in force; a document without booking.master = \"hq\" would switch back, which is not built / 本厅已由总部办理预约，不支持切回".into()),
    }
}

/// Puts the master of `now`'s business day in force: HQ's page while HQ sells (the web side
/// refuses), none while the hub does. Logs the switch once.
pub fn refresh(keeper: &mut Keeper, config: &HallConfig, now: Timestamp) {
    let today = time::local(now, config.hall.utc_offset_min).0;
    let at_hq = config.booking.as_ref().and_then(|b| b.at_hq_on(today));
    let to_hq = at_hq.is_some();
    if keeper.set_at_hq(at_hq) {
        if to_hq {
            tracing::info!(day = %today, "HQ sells this hall's bookings from today: the hub's booking API answers booking_at_hq / 自今日起由总部办理本厅预约");
        } else {
            tracing::info!(day = %today, "the hub sells this hall's bookings / 由本厅办理预约");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALL: &str =
        "[hall]\nid = \"gz-01\"\nname = { zh = \"广州一厅\", en = \"Guangzhou 1\" }\n";

    fn hall(extra: &str) -> HallConfig {
        HallConfig::parse(&format!("{HALL}{extra}")).unwrap()
    }

    fn doc(master: Option<BookingMaster>, from: Option<u32>, url: Option<&str>) -> BookingDoc {
        BookingDoc {
            master,
            from,
            hq_url: url.map(str::to_owned),
        }
    }

    const UPLINK: &str = "[uplink]\nservers = [\"nats://127.0.0.1:4222\"]\n";

    #[test]
    fn hq_sells_from_the_published_day_on_and_the_hub_until_then() {
        let mut c = hall(&format!("[booking]\ncapacity = {{ basic = 1 }}\n{UPLINK}"));
        lay_over(
            &mut c,
            &doc(
                Some(BookingMaster::Hq),
                Some(20_261_208),
                Some("https://hq.example/book/gz-01"),
            ),
        )
        .unwrap();
        let b = c.booking.as_ref().unwrap();
        assert_eq!(b.at_hq_on(BusinessDay(20_261_207)), None);
        assert_eq!(
            b.at_hq_on(BusinessDay(20_261_208)).as_deref(),
            Some("https://hq.example/book/gz-01")
        );
        assert!(b.at_hq_on(BusinessDay(20_261_209)).is_some());
    }

    #[test]
    fn switches_that_cannot_work_are_refused_in_both_languages() {
        let url = Some("https://hq.example/book/gz-01");
        let hq = Some(BookingMaster::Hq);
        for (extra, d, says) in [
            ("", doc(hq, Some(20_261_208), url), "takes no bookings"),
            (
                "[booking]\ncapacity = { basic = 1 }\n",
                doc(hq, Some(20_261_208), url),
                "[uplink]",
            ),
            (
                &format!("[booking]\ncapacity = {{ basic = 1 }}\n{UPLINK}"),
                doc(hq, None, url),
                "needs from",
            ),
            (
                &format!("[booking]\ncapacity = {{ basic = 1 }}\n{UPLINK}"),
                doc(hq, Some(20_261_208), None),
                "needs hq_url",
            ),
            (
                &format!(
                    "[booking]\ncapacity = {{ basic = 1 }}\nmaster = \"hq\"\nhq_url = \"https://hq.example/b\"\n{UPLINK}"
                ),
                doc(Some(BookingMaster::Hub), None, None),
                "not built",
            ),
        ] {
            let mut c = hall(extra);
            let err = lay_over(&mut c, &d).unwrap_err();
            assert!(err.contains(says), "{err}");
            assert!(
                err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{err}"
            );
        }
    }

    #[test]
    fn once_published_hq_stays_the_master_and_its_day_only_moves_earlier() {
        let hq = |from| doc(Some(BookingMaster::Hq), Some(from), None);
        no_way_back(None, None).unwrap();
        no_way_back(None, Some(&hq(20_261_208))).unwrap();
        no_way_back(Some(&hq(20_261_208)), Some(&hq(20_261_208))).unwrap();
        no_way_back(Some(&hq(20_261_208)), Some(&hq(20_261_207))).unwrap();
        let later = no_way_back(Some(&hq(20_261_208)), Some(&hq(20_261_209))).unwrap_err();
        assert!(
            later.contains("earlier") && later.contains("提前"),
            "{later}"
        );
        for back in [
            None,
            Some(doc(Some(BookingMaster::Hub), None, None)),
            Some(doc(None, None, Some("https://hq.example/b"))),
        ] {
            let err = no_way_back(Some(&hq(20_261_208)), back.as_ref()).unwrap_err();
            assert!(err.contains("switch back") && err.contains("切回"), "{err}");
        }
    }

    #[test]
    fn a_hall_toml_master_hq_holds_from_always() {
        let mut c = hall(&format!(
            "[booking]\ncapacity = {{ basic = 1 }}\nmaster = \"hq\"\nhq_url = \"https://hq.example/b\"\n{UPLINK}"
        ));
        lay_over(
            &mut c,
            &doc(Some(BookingMaster::Hq), Some(20_261_208), None),
        )
        .unwrap();
        let b = c.booking.as_ref().unwrap();
        assert!(b.at_hq_on(BusinessDay(20_261_207)).is_some());
    }
}
