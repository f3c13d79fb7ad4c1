//! What goes on the paper: the hub's ticket, the hall's name, the customer's language.
//!
//! A slip holds only what the hub said and what the kiosk knows for sure (its hall, the hall's
//! UTC offset, the customer's language, whether this is a reprint). Nothing on the ticket is
//! invented or computed beyond formatting: the wait is the hub's estimate, and when the hub has
//! none the ticket says that no counter serves the business right now.

use hallq_proto::ids::{BusinessCode, TicketId, TicketNo, Timestamp, VisitId};
use hallq_proto::reply::TicketIssued;
use hallq_proto::time;
use hallq_proto::vocab::{Lang, LocalText, Priority};

/// One queue ticket, ready to be laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSlip {
    /// The ticket's id: the QR code's payload, which staff scan to find the ticket.
    pub ticket: TicketId,
    /// The number the customer listens for, printed large.
    pub number: TicketNo,
    /// The business type's name, so the customer knows they took the right ticket.
    pub business: LocalText,
    /// Priority service or green channel earns a label; an ordinary ticket gets none.
    pub priority: Priority,
    /// When the hub issued it (the hub's clock, never the kiosk's).
    pub issued_at: Timestamp,
    /// The hall's offset from UTC in minutes, to print the issue time as the hall's wall clock.
    pub utc_offset_min: i32,
    /// Tickets of this business called before this one, as the hub counted at issue.
    pub people_ahead: u32,
    /// The hub's estimate in minutes; `None` when no counter serves the business now.
    pub estimated_wait_min: Option<u32>,
    /// Documents to have ready (一次性告知), so nobody queues twice for a missing paper.
    pub documents: Vec<LocalText>,
    /// The hall's name, at the top: a ticket taken home says where it is valid.
    pub hall: LocalText,
    /// The customer's language: Chinese prints Chinese with English beneath, English prints
    /// English only.
    pub lang: Lang,
    /// A reprint is marked, so a second paper for one number is never mistaken for two tickets.
    pub reprint: bool,
    /// The last lines: what to do if the call is missed. A hall may word its own.
    pub footer: LocalText,
    /// The ticket's live page (the hub's `[phone]`): when there is one, the QR code holds it
    /// instead of the ticket's id, which is still printed beneath for staff.
    pub page_url: Option<String>,
    /// The booked appointment the ticket was checked in for (`check_in`); none for a walk-in's
    /// ticket. The slip says the booked time, so staff see it was booked.
    pub appointment: Option<Appointment>,
}

/// A booked appointment, on the slip of the ticket it was checked in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appointment {
    /// The booked slot's start.
    pub start: Timestamp,
    /// Checked in later than the hall's limit: the ticket queues as a walk-in's.
    pub late: bool,
}

impl TicketSlip {
    /// The footer every ticket carries unless the hall words its own: a skipped ticket is put
    /// back in its queue by staff (the `requeue` command), so the customer is sent to staff.
    pub fn default_footer() -> LocalText {
        LocalText::new(
            "请留意叫号，过号请联系工作人员",
            "Please listen for your number. Missed your call? Ask staff.",
        )
    }

    /// The slip for a ticket the hub issued, for a customer who chose `lang`, in a hall named
    /// `hall` whose clocks are `utc_offset_min` minutes ahead of UTC.
    pub fn new(issued: &TicketIssued, hall: LocalText, utc_offset_min: i32, lang: Lang) -> Self {
        Self {
            ticket: issued.ticket.clone(),
            number: issued.number.clone(),
            business: issued.business_name.clone(),
            priority: issued.priority,
            issued_at: issued.issued_at_ms,
            utc_offset_min,
            people_ahead: issued.people_ahead,
            estimated_wait_min: issued.estimated_wait_min,
            documents: issued.documents.clone(),
            hall,
            lang,
            reprint: false,
            footer: Self::default_footer(),
            page_url: issued.page_url.clone(),
            appointment: None,
        }
    }

    /// The same slip, for a ticket checked in for the appointment `appointment`.
    pub fn with_appointment(mut self, appointment: Appointment) -> Self {
        self.appointment = Some(appointment);
        self
    }

    /// The booked time, as a sentence: `预约时段 10:30`; late, that the ticket is a walk-in's.
    pub fn appointment_text(&self) -> Option<LocalText> {
        let a = self.appointment?;
        let at = time::hhmm(a.start, self.utc_offset_min);
        Some(if a.late {
            LocalText::new(
                format!("预约时段 {at}（已超时，按现场取号排队）"),
                format!("Appointment {at} (late: queued as a walk-in)"),
            )
        } else {
            LocalText::new(format!("预约时段 {at}"), format!("Appointment {at}"))
        })
    }

    /// The same slip, marked as a reprint.
    pub fn reprinted(mut self) -> Self {
        self.reprint = true;
        self
    }

    /// The same slip with the hall's own footer.
    pub fn with_footer(mut self, footer: LocalText) -> Self {
        self.footer = footer;
        self
    }

    /// The issue time on the hall's wall clock: `2026-11-23 09:05`.
    pub fn issued_local(&self) -> String {
        let (day, _) = time::local(self.issued_at, self.utc_offset_min);
        let (y, m, d) = (day.0 / 10_000, day.0 / 100 % 100, day.0 % 100);
        let hhmm = time::hhmm(self.issued_at, self.utc_offset_min);
        format!("{y:04}-{m:02}-{d:02} {hhmm}")
    }

    /// The label for a ticket called ahead of ordinary ones; `None` for an ordinary ticket.
    pub fn priority_label(&self) -> Option<LocalText> {
        self.priority.label()
    }

    /// The reprint mark, when this is one.
    pub fn reprint_label(&self) -> Option<LocalText> {
        self.reprint.then(|| LocalText::new("重打", "REPRINT"))
    }

    /// How many are ahead, as a sentence.
    pub fn people_ahead_text(&self) -> LocalText {
        let n = self.people_ahead;
        match n {
            0 => LocalText::new("您前面没有人等候", "Nobody is ahead of you"),
            1 => LocalText::new("您前面还有 1 人", "1 person ahead of you"),
            _ => LocalText::new(
                format!("您前面还有 {n} 人"),
                format!("{n} people ahead of you"),
            ),
        }
    }

    /// The hub's wait estimate, as a sentence.
    pub fn wait_text(&self) -> LocalText {
        match self.estimated_wait_min {
            None => LocalText::new(
                "当前暂无窗口办理此业务",
                "No counter serves this business right now",
            ),
            Some(0) => LocalText::new("即将叫号", "You will be called shortly"),
            // 预计等候, as the kiosk's screen says it.
            Some(1) => LocalText::new("预计等候约 1 分钟", "Estimated wait: about 1 minute"),
            Some(m) => LocalText::new(
                format!("预计等候约 {m} 分钟"),
                format!("Estimated wait: about {m} minutes"),
            ),
        }
    }

    /// The issue time, as a sentence.
    pub fn issued_text(&self) -> LocalText {
        let at = self.issued_local();
        LocalText::new(format!("取号时间 {at}"), format!("Issued {at}"))
    }
}

/// A sample ticket for previews, docs and tests: a plan change at A012 in a Beijing hall, five
/// people ahead, fifteen minutes, two documents.
pub fn example(lang: Lang) -> TicketSlip {
    let issued = TicketIssued {
        ticket: id("20261123-0042", TicketId::new),
        number: TicketNo("A012".into()),
        visit: id("V20261123-0007", VisitId::new),
        business: id("basic", BusinessCode::new),
        business_name: LocalText::new("套餐变更", "Plan change"),
        priority: Priority::Ordinary,
        issued_at_ms: Timestamp(1_795_395_900_000),
        people_ahead: 5,
        estimated_wait_min: Some(15),
        documents: vec![
            LocalText::new("本人有效身份证件原件", "Your valid ID card (original)"),
            LocalText::new(
                "办理业务的手机号码及服务密码",
                "The phone number and its service password",
            ),
        ],
        page_url: None,
    };
    let hall = LocalText::new(
        "中国移动北京西单营业厅",
        "China Mobile Xidan Business Hall, Beijing",
    );
    TicketSlip::new(&issued, hall, 480, lang)
}

fn id<T, E>(s: &str, make: impl Fn(String) -> Result<T, E>) -> T {
    make(s.to_owned()).unwrap_or_else(|_| unreachable!("example ids are valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slip_carries_the_hubs_ticket_and_the_halls_local_time() {
        let slip = example(Lang::Zh);
        assert_eq!(slip.number.0, "A012");
        assert_eq!(slip.ticket.as_str(), "20261123-0042");
        assert_eq!(slip.issued_local(), "2026-11-23 09:05");
        assert!(!slip.reprint && slip.reprinted().reprint);
    }

    #[test]
    fn only_a_priority_ticket_gets_a_label() {
        let mut slip = example(Lang::Zh);
        assert_eq!(slip.priority_label(), None);
        slip.priority = Priority::Care;
        assert_eq!(slip.priority_label().unwrap().zh, "优先服务");
        slip.priority = Priority::GreenChannel;
        assert_eq!(slip.priority_label().unwrap().en, "Green channel");
    }

    #[test]
    fn no_estimate_says_no_counter_serves_it_rather_than_guessing() {
        let mut slip = example(Lang::En);
        slip.estimated_wait_min = None;
        assert_eq!(slip.wait_text().zh, "当前暂无窗口办理此业务");
        slip.people_ahead = 1;
        assert_eq!(slip.people_ahead_text().en, "1 person ahead of you");
    }
}
