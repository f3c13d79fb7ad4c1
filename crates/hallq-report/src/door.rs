//! The door and the kiosk as touchpoints (issue 16 §5; docs/reports.md "The door and the
//! kiosk"): entry → ticket conversion per hour from the door counter's counts, the kiosk's
//! loss by step, and which of the 16 touchpoints nothing observed.
//!
//! The door counter reports people, not visits: `door_entered` (touchpoint 4) and
//! `door_passed_by` (touchpoint 3) with a count of what it saw since its last report. The kiosk
//! journals `session_started` and `session_abandoned:<step>` without a visit (touchpoint 9), and
//! `self_service_chosen` with one. None of these is in a visit's trail, so they are counted here,
//! beside it.
//!
//! **Conversion** is tickets over entries, per local hour of the day. A ticket counts towards
//! it only in an hour (of a business day) in which the door counter reported; tickets of hours
//! without a report are counted apart, so a door counter that was off, or a hall without one,
//! shows "no door counter" instead of a conversion of 0 % or of infinity. A report covers the
//! minutes before it: with a counter that reports every 5 minutes, up to 5 minutes of an hour's
//! entries are in the next hour's row.

use hallq_proto::command::KioskStep;

use crate::measures::weekday_hour;

/// The kiosk's steps, in the order of its flow: where a session can end without a ticket.
pub const KIOSK_STEPS: [KioskStep; 5] = [
    KioskStep::ChooseBusiness,
    KioskStep::SelfServiceOffer,
    KioskStep::Priority,
    KioskStep::Phone,
    KioskStep::Confirm,
];

/// A kiosk step's key (as the journal writes it) and its label.
pub fn step_name(step: KioskStep) -> (&'static str, &'static str) {
    match step {
        KioskStep::ChooseBusiness => ("choose_business", "choosing the business 选择业务"),
        KioskStep::SelfServiceOffer => ("self_service_offer", "self-service offer 自助推荐"),
        KioskStep::Priority => ("priority", "priority question 优先选择"),
        KioskStep::Phone => ("phone", "phone number 手机号"),
        KioskStep::Confirm => ("confirm", "confirming 确认"),
    }
}

/// The index in [`KIOSK_STEPS`] of the step the journal names `key` (`None`: a step this
/// build does not know, counted as left at an unknown step).
pub fn step_index(key: &str) -> Option<usize> {
    KIOSK_STEPS.iter().position(|s| step_name(*s).0 == key)
}

/// One hour of one business day, while the day is folded.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    /// The door counter's reports of people entering.
    door_reports: u32,
    /// Reports that counted the passers-by.
    passer_reports: u32,
    entered: u64,
    passed_by: u64,
    tickets: u64,
}

/// One local hour of the day (0–23), summed over the business days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourAcc {
    /// People counted entering (touchpoint 4).
    pub entered: u64,
    /// People counted passing by (touchpoint 3).
    pub passed_by: u64,
    /// Entries of the hours whose reports counted the passers-by too: the entry rate's part.
    pub entered_with_passers: u64,
    /// Tickets issued in this hour.
    pub tickets: u64,
    /// Of which in an hour the door counter reported: the conversion's numerator.
    pub tickets_with_door: u64,
    /// Days on which the door counter reported in this hour.
    pub door_days: u64,
    /// Days with tickets in this hour but no door report.
    pub days_without_door: u64,
}

impl HourAcc {
    fn add(&mut self, o: &HourAcc) {
        self.entered += o.entered;
        self.passed_by += o.passed_by;
        self.entered_with_passers += o.entered_with_passers;
        self.tickets += o.tickets;
        self.tickets_with_door += o.tickets_with_door;
        self.door_days += o.door_days;
        self.days_without_door += o.days_without_door;
    }

    /// Tickets per entry, percent: `None` without a door report (or nobody entering).
    pub fn conversion_pct(&self) -> Option<f64> {
        (self.door_days > 0 && self.entered > 0)
            .then(|| 100.0 * self.tickets_with_door as f64 / self.entered as f64)
    }

    /// Of the people passing in front, the share who came in, percent (touchpoint 3 → 4):
    /// `None` when the counter did not count the passers-by.
    pub fn entry_rate_pct(&self) -> Option<f64> {
        let seen = self.entered_with_passers + self.passed_by;
        (seen > 0).then(|| 100.0 * self.entered_with_passers as f64 / seen as f64)
    }
}

/// The kiosk's sessions and where they ended without a ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KioskAcc {
    /// Sessions started (the first touch).
    pub sessions: u64,
    /// Left at each of [`KIOSK_STEPS`] …
    pub left_at: [u64; 5],
    /// … or at a step this build does not know.
    pub left_unknown: u64,
    /// Took the self-service offer.
    pub self_service: u64,
}

impl KioskAcc {
    /// Sessions that ended without a ticket and without self-service.
    pub fn left(&self) -> u64 {
        self.left_at.iter().sum::<u64>() + self.left_unknown
    }

    /// The rest: sessions that went on to ask for a ticket (or were still open, or ended in a
    /// way the kiosk does not journal, e.g. a refusal).
    pub fn went_on(&self) -> u64 {
        self.sessions
            .saturating_sub(self.left() + self.self_service)
    }
}

/// What the fold counts of the door and the kiosk.
#[derive(Debug, Clone, Default)]
pub struct DoorAcc {
    /// Local hours 0–23, summed over the days closed.
    pub hours: [HourAcc; 24],
    /// The kiosk.
    pub kiosk: KioskAcc,
    /// The day being folded, by local hour.
    today: [Cell; 24],
}

impl DoorAcc {
    fn cell(&mut self, at: i64, utc_offset_min: i32) -> &mut Cell {
        &mut self.today[weekday_hour(at, utc_offset_min).1]
    }

    /// The door counter counted `count` people entering (or passing by) since its last report.
    pub(crate) fn door(&mut self, at: i64, passed_by: bool, count: u32, utc_offset_min: i32) {
        let c = self.cell(at, utc_offset_min);
        if passed_by {
            c.passer_reports += 1;
            c.passed_by += u64::from(count);
        } else {
            c.door_reports += 1;
            c.entered += u64::from(count);
        }
    }

    /// A ticket was issued.
    pub(crate) fn ticket(&mut self, at: i64, utc_offset_min: i32) {
        self.cell(at, utc_offset_min).tickets += 1;
    }

    /// The business day closed: its hours are added to the sums.
    pub(crate) fn close_day(&mut self) {
        for (h, c) in self.hours.iter_mut().zip(std::mem::take(&mut self.today)) {
            let door = c.door_reports > 0;
            h.add(&HourAcc {
                entered: c.entered,
                passed_by: c.passed_by,
                entered_with_passers: if c.passer_reports > 0 { c.entered } else { 0 },
                tickets: c.tickets,
                tickets_with_door: if door { c.tickets } else { 0 },
                door_days: u64::from(door),
                days_without_door: u64::from(!door && c.tickets > 0),
            });
        }
    }

    /// Adds the counts of a later range of days (both closed).
    pub(crate) fn join(&mut self, later: &DoorAcc) {
        for (a, b) in self.hours.iter_mut().zip(&later.hours) {
            a.add(b);
        }
        let (k, l) = (&mut self.kiosk, &later.kiosk);
        k.sessions += l.sessions;
        for (a, b) in k.left_at.iter_mut().zip(l.left_at) {
            *a += b;
        }
        k.left_unknown += l.left_unknown;
        k.self_service += l.self_service;
    }

    /// The section.
    pub fn section(&self) -> Section {
        let mut total = HourAcc::default();
        for h in &self.hours {
            total.add(h);
        }
        Section {
            hours: self
                .hours
                .iter()
                .enumerate()
                .filter(|(_, h)| h.entered + h.passed_by + h.tickets > 0 || h.door_days > 0)
                .map(|(hour, h)| (hour as u8, *h))
                .collect(),
            total,
            kiosk: self.kiosk,
        }
    }
}

/// The door and kiosk section of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Each local hour with entries, passers-by, tickets or a door report.
    pub hours: Vec<(u8, HourAcc)>,
    /// All hours.
    pub total: HourAcc,
    /// The kiosk.
    pub kiosk: KioskAcc,
}

impl Section {
    /// Whether any door counter reported in the range.
    pub fn has_door(&self) -> bool {
        self.total.door_days > 0
    }
}

/// A touchpoint that nothing observed in the range, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unobserved {
    /// 1–16.
    pub number: u8,
    /// Its name, Chinese and English.
    pub name: String,
    /// Why: by design (no device can see it) or what would have recorded it.
    pub why: &'static str,
}

/// Why touchpoint `n` can be missing from a journal: what observes it (DOMAIN.md's touchpoint
/// table), or that nothing can.
pub fn why_unobserved(n: u8, has_door: bool) -> &'static str {
    match n {
        1 => {
            "outside the hall: no device sees it (a booking or campaign could give the source) 厅外寻找，无设备可观察"
        }
        2 => "no visit started: nobody took a ticket or was met by the greeter 无到访记录",
        3 | 4 if !has_door => "no door counter reported 无客流计数器数据",
        3 => "the door counter does not count passers-by 客流计数器不统计路过人数",
        4 => "the door counter counted nobody entering 客流计数器未计到进厅",
        5 => {
            "the environment is judged by inspections, per hall and not per visit (service-standard compliance) 环境由服务监督检查记录，不按到访"
        }
        6 => "the greeter marked no visitor as wandering 引导员未记录徘徊",
        7 => "the greeter recorded no consultation 引导员未记录咨询",
        8 => "no product experience was recorded (greeter, experience area) 未记录体验",
        9 => "no kiosk session and no self-service 无自助终端会话",
        10 => "no service ended in a sale 无销售结果",
        11 => "no ticket was issued 无取号",
        12 => "no service started at a counter 无办理",
        13 => "no counter marked a wait on the back office or system 未标记后台等待",
        14 => "no service was finished 无办理结果",
        15 => "no complaint was opened 无投诉",
        _ => "no visit ended 无离开记录",
    }
}

/// Puts the door and kiosk figures into `report`: the touchpoint map's counts on touchpoints
/// 2–4 and 9, the unobserved touchpoints with their reasons, and the section itself.
pub(crate) fn apply(report: &mut crate::Report, section: Section) {
    let t = section.total;
    let k = section.kiosk;
    let has_door = section.has_door();
    for row in &mut report.touchpoints {
        let (counted, what) = match row.number {
            2 if has_door => (
                Some(t.tickets_with_door),
                format!(
                    "tickets of {} entering 进厅取号 {}",
                    t.entered,
                    crate::render::pct1(t.conversion_pct())
                ),
            ),
            3 if t.passed_by > 0 || t.entered_with_passers > 0 => (
                Some(t.passed_by),
                format!(
                    "passers-by 路过; entry rate 进厅率 {}",
                    crate::render::pct1(t.entry_rate_pct())
                ),
            ),
            4 if has_door => (Some(t.entered), "entering 进厅 (door counter)".to_owned()),
            9 if k.sessions + k.self_service > 0 => (
                Some(k.sessions),
                format!(
                    "kiosk sessions 会话; left 放弃 {}, self-service 自助 {}",
                    k.left(),
                    k.self_service
                ),
            ),
            _ => (None, String::new()),
        };
        row.counted = counted;
        row.counted_what = what;
    }
    report.unobserved = report
        .touchpoints
        .iter()
        .filter(|r| r.reached == 0 && r.counted.is_none_or(|n| n == 0))
        .map(|r| Unobserved {
            number: r.number,
            name: r.name.clone(),
            why: why_unobserved(r.number, has_door),
        })
        .collect();
    report
        .notes
        .retain(|n| !n.starts_with(crate::report::NEVER_OBSERVED));
    if let Some(note) = crate::report::never_note(&report.touchpoints) {
        report.notes.insert(0, note);
    }
    report.door = section;
}
