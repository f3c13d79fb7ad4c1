//! Checklists recorded at any time (issue 16 §1): a mystery shopper's visit, told to the duty
//! supervisor after it happened, and any checklist a hall gives the `on_demand` schedule (an
//! ad-hoc self-inspection). The hub lists them in `state/inspections` (`on_demand`); the console
//! offers each as a button ("记录一次暗访 / Record a visit") and [`crate::inspect`] does it item by
//! item like the scheduled ones. What this module adds is the visit's own fields: when it took
//! place (typed as the supervisor heard it: `09:40` today, or `12-05 09:40` an earlier day), who
//! made it (the shopper's name or organisation: free text, never a customer's data), and the note
//! on the whole (the case and the suggestions).

use hallq_proto::inspection::OnDemandChecklist;
use hallq_proto::{BusinessDay, Lang, LocalText, Timestamp, time};

/// How far back a visit may be told; the hub refuses older (hallq-inspect's
/// `MAX_VISIT_AGE_MS`).
const MAX_AGE_DAYS: i64 = 31;

/// The most characters of the shopper's name or organisation, as the hub takes it.
pub const MAX_SHOPPER_CHARS: usize = 60;

/// The visit's own part of a checklist recorded at any time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VisitForm {
    /// Whether it is a mystery shopper's visit: only then a time and a shopper are asked.
    pub shopper_visit: bool,
    /// The visit's time as typed.
    pub time: String,
    /// When that is, or why it is not a time the hub takes.
    pub at: Option<Result<Timestamp, LocalText>>,
    /// The shopper's name or organisation.
    pub shopper: String,
    /// The note on the whole: the case and the suggestions.
    pub note: String,
}

impl VisitForm {
    /// A new visit's fields, the time filled in with `now` (the usual case: told the same day).
    pub fn new(kind: &str, now: Option<Timestamp>, utc_offset_min: i32) -> Self {
        let shopper_visit = kind == "mystery_shopper";
        let mut form = Self {
            shopper_visit,
            ..Self::default()
        };
        if let (true, Some(now)) = (shopper_visit, now) {
            let minute = time::local(now, utc_offset_min).1;
            form.set_time(
                &format!("{:02}:{:02}", minute / 60, minute % 60),
                now,
                utc_offset_min,
            );
        }
        form
    }

    /// Takes the time typed, read against `now`.
    pub fn set_time(&mut self, text: &str, now: Timestamp, utc_offset_min: i32) {
        self.time = text.to_owned();
        self.at = Some(visit_time(text, now, utc_offset_min));
    }

    /// What still keeps the visit from being sent, if anything.
    pub fn missing(&self) -> Option<LocalText> {
        if !self.shopper_visit {
            return None;
        }
        match &self.at {
            None => {
                return Some(LocalText::new(
                    "还需填写到访时间",
                    "The visit's time is still to fill in",
                ));
            }
            Some(Err(why)) => return Some(why.clone()),
            Some(Ok(_)) => {}
        }
        if self.shopper.trim().is_empty() {
            return Some(LocalText::new(
                "还需填写暗访人员或机构",
                "The shopper's name or organisation is still to fill in",
            ));
        }
        if self.shopper.trim().chars().count() > MAX_SHOPPER_CHARS {
            return Some(LocalText::new(
                format!("暗访人员或机构不超过 {MAX_SHOPPER_CHARS} 字"),
                format!(
                    "The shopper's name or organisation is over {MAX_SHOPPER_CHARS} characters"
                ),
            ));
        }
        None
    }

    /// The visit's time, the shopper and the note as `inspection_record` carries them.
    pub fn fields(&self) -> (Option<Timestamp>, Option<String>, Option<String>) {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let at = match (&self.at, self.shopper_visit) {
            (Some(Ok(at)), true) => Some(*at),
            _ => None,
        };
        let shopper = if self.shopper_visit {
            text(&self.shopper)
        } else {
            None
        };
        (at, shopper, text(&self.note))
    }
}

/// A visit's time typed as `HH:MM` (today) or `MM-DD HH:MM` (this year; last year's when that
/// would be ahead), read in the hall's time at `now`: not ahead of `now` by more than the five
/// minutes the hub allows, at most 31 days back.
pub fn visit_time(text: &str, now: Timestamp, utc_offset_min: i32) -> Result<Timestamp, LocalText> {
    let unreadable = || {
        LocalText::new(
            "到访时间请写成 时:分（如 09:40），或 月-日 时:分（如 12-05 09:40）",
            "Write the visit's time as HH:MM (e.g. 09:40), or MM-DD HH:MM (e.g. 12-05 09:40)",
        )
    };
    let text = text.trim().replace('：', ":");
    let (date, clock) = match text.split_once(' ') {
        Some((d, c)) => (Some(d.trim()), c.trim()),
        None => (None, text.as_str()),
    };
    let number = |s: &str, digits: std::ops::RangeInclusive<usize>| -> Result<u32, LocalText> {
        if !digits.contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unreadable());
        }
        s.parse().map_err(|_| unreadable())
    };
    let (h, m) = clock.split_once(':').ok_or_else(unreadable)?;
    let (h, m) = (number(h, 1..=2)?, number(m, 2..=2)?);
    if h > 23 || m > 59 {
        return Err(unreadable());
    }
    let today = time::local(now, utc_offset_min).0;
    let day = match date {
        None => today,
        Some(d) => {
            let (mo, da) = d.split_once('-').ok_or_else(unreadable)?;
            let (mo, da) = (number(mo, 1..=2)?, number(da, 1..=2)?);
            let year = i64::from(today.0 / 10_000);
            // A date that does not exist (02-30) comes back from the calendar as another one.
            let real =
                |y: i64| time::civil_from_days(time::days_from_civil(y, mo, da)) == (y, mo, da);
            if !(1..=12).contains(&mo) || !real(year) && !real(year - 1) {
                return Err(unreadable());
            }
            let day = |y: i64| BusinessDay(u32::try_from(y).unwrap_or(0) * 10_000 + mo * 100 + da);
            if day(year) > today || !real(year) {
                day(year - 1)
            } else {
                day(year)
            }
        }
    };
    let at = time::at(day, h * 60 + m, utc_offset_min);
    if at.0 > now.0 + 5 * 60_000 {
        return Err(LocalText::new(
            "到访时间不能晚于现在",
            "The visit's time cannot be later than now",
        ));
    }
    if at.0 < now.0 - MAX_AGE_DAYS * 86_400_000 {
        return Err(LocalText::new(
            "只能记录近 31 天内的到访",
            "Only a visit within the last 31 days can be recorded",
        ));
    }
    Ok(at)
}

/// The button that begins an `on_demand` checklist: "记录一次暗访 / Record a visit" for a mystery
/// shopper's, "记录：{name}" for another.
pub fn record_label(c: &OnDemandChecklist, lang: Lang) -> String {
    match (c.kind.as_str(), lang) {
        ("mystery_shopper", Lang::Zh) => "记录一次暗访".to_owned(),
        ("mystery_shopper", Lang::En) => "Record a visit".to_owned(),
        (_, Lang::Zh) => format!("记录：{}", c.name.zh),
        (_, Lang::En) => format!("Record: {}", c.name.en),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CST: i32 = 480;

    fn at(day: u32, h: u32, m: u32) -> Timestamp {
        time::at(BusinessDay(day), h * 60 + m, CST)
    }

    #[test]
    fn a_visit_s_time_reads_today_or_an_earlier_day_never_ahead() {
        let now = at(20261207, 15, 0);
        assert_eq!(visit_time("09:40", now, CST), Ok(at(20261207, 9, 40)));
        assert_eq!(visit_time(" 9：05 ", now, CST), Ok(at(20261207, 9, 5)));
        assert_eq!(
            visit_time("12-05 16:20", now, CST),
            Ok(at(20261205, 16, 20))
        );
        // Early January: a December visit is last year's.
        let jan = at(20270103, 10, 0);
        assert_eq!(visit_time("12-28 11:00", jan, CST), Ok(at(20261228, 11, 0)));
        assert_eq!(visit_time("15:04", now, CST), Ok(at(20261207, 15, 4)));
        for (typed, says) in [
            ("16:00", "晚于现在"),
            ("10-01 10:00", "31 天"),
            ("25:00", "时:分"),
            ("nine", "时:分"),
            ("02-30 10:00", "时:分"),
            ("", "时:分"),
        ] {
            let err = visit_time(typed, now, CST).unwrap_err();
            assert!(err.zh.contains(says), "{typed}: {err:?}");
            assert!(!err.en.is_empty());
        }
    }

    #[test]
    fn a_shopper_s_visit_needs_its_time_and_shopper_another_only_its_items() {
        let now = at(20261207, 15, 0);
        let mut v = VisitForm::new("mystery_shopper", Some(now), CST);
        assert_eq!(v.time, "15:00", "filled in with now");
        assert!(v.missing().unwrap().zh.contains("暗访人员"));
        v.shopper = "质量部 李四".into();
        v.set_time("09:40", now, CST);
        assert_eq!(v.missing(), None);
        v.note = " 礼貌周到；建议加强一次性告知 ".into();
        assert_eq!(
            v.fields(),
            (
                Some(at(20261207, 9, 40)),
                Some("质量部 李四".into()),
                Some("礼貌周到；建议加强一次性告知".into())
            )
        );
        let other = VisitForm::new("self_inspection", Some(now), CST);
        assert_eq!(
            (other.missing(), other.fields()),
            (None, (None, None, None))
        );
    }
}
