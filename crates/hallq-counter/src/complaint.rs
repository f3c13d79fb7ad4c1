//! The complaint form's rules and its receipt, shared by the clerk's terminal ([`crate::Desk`])
//! and the greeter's handheld ([`Greeter`]) (issue 16 §2): both take the same fields (the
//! category, what it is about, an optional mobile for the call back, sealed by the hub), refuse a
//! number that is not a mainland mobile before anything is sent, send the same `complaint_open`,
//! and print the same 《投诉受理回执》 after the hub's answer, each on its own printer (the
//! counter's 80 mm, the handheld's 58 mm). Only the channel printed differs.
//!
//! On the handheld the answer and the paper are the greeter's line: the case number when the
//! hub took it, and when the printer failed, that the case stands and the number must be given
//! by hand.

use hallq_print::receipt::Opened;
use hallq_proto::command::TicketRef;
use hallq_proto::state::Services;
use hallq_proto::{
    BusinessCode, Command, ComplaintCategory, Lang, LocalText, Phone, Reply, ReplyBody,
    ReplyResult, VisitId,
};

use crate::controller::{Problem, TypedNumber};
use crate::floor::Greeter;
use crate::paper::ToPrint;

/// What a complaint is about beyond the form: where it arose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The ticket being served or called, at a counter.
    pub ticket: Option<TicketRef>,
    /// The visit the greeter is helping.
    pub visit: Option<VisitId>,
    /// The business type the visitor came for, as the greeter chose it.
    pub business: Option<BusinessCode>,
}

/// Whether `contact` may be sent: empty (no call back) or a mainland mobile number.
pub fn number_ok(contact: &TypedNumber) -> bool {
    contact.0.trim().is_empty() || Phone::parse(&contact.0).is_ok()
}

/// The `complaint_open` of a form; `None` while it says nothing (a summary is required). The
/// number must have passed [`number_ok`].
pub fn command(
    category: ComplaintCategory,
    summary: &str,
    contact: &TypedNumber,
    context: Context,
) -> Option<Command> {
    let summary = summary.trim();
    if summary.is_empty() {
        return None;
    }
    Some(Command::ComplaintOpen {
        category,
        summary: summary.to_owned(),
        visit: context.visit,
        ticket: context.ticket,
        business: context.business,
        responsibility: None,
        contact: Phone::parse(&contact.0).ok(),
    })
}

/// The receipt `cmd` (a `complaint_open`) prints once answered: taken through `channel`, about
/// the command's business type or else `business` (the ticket's), named from `services`.
pub fn receipt(
    cmd: &Command,
    channel: LocalText,
    business: Option<&BusinessCode>,
    services: Option<&Services>,
) -> Option<ToPrint> {
    let Command::ComplaintOpen {
        category,
        summary,
        contact,
        business: sent,
        ..
    } = cmd
    else {
        return None;
    };
    let name = sent.as_ref().or(business).and_then(|code| {
        services?
            .services
            .iter()
            .find(|i| &i.business == code)
            .map(|i| i.name.clone())
    });
    Some(ToPrint::Receipt {
        opened: Opened {
            channel,
            category: *category,
            business: name,
            summary: summary.clone(),
            contact_given: contact.is_some(),
        },
        hall: services.map_or_else(
            || LocalText::new("营业厅", "Business hall"),
            |s| s.hall_name.clone(),
        ),
    })
}

/// The channel printed on a receipt the greeter's handheld takes.
pub fn greeter_channel() -> LocalText {
    LocalText::new("营业厅引导员", "Greeter at the hall")
}

/// The greeter's last complaint, as its line says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Sent; no answer yet.
    Sent,
    /// The hub opened the case.
    Opened(String),
    /// The hub refused it, or did not answer.
    Refused(Problem),
}

impl Greeter {
    /// A complaint taken on the floor from the greeter's form, about the visit being helped and
    /// the business chosen; `None` while a command is in flight or the form says nothing. A
    /// number that is not a mobile is the greeter's line and nothing is sent.
    pub fn complaint(
        &mut self,
        category: ComplaintCategory,
        summary: &str,
        contact: &TypedNumber,
    ) -> Option<Command> {
        if self.in_flight {
            return None;
        }
        if !number_ok(contact) {
            self.complaint = Some(Taken::Refused(Problem::BadNumber));
            self.not_printed = None;
            return None;
        }
        let context = Context {
            ticket: None,
            visit: self.visit.clone(),
            business: self.business.clone(),
        };
        let cmd = command(category, summary, contact, context)?;
        self.in_flight = true;
        self.complaint = Some(Taken::Sent);
        self.not_printed = None;
        Some(cmd)
    }

    /// Whether the command in flight is a complaint (its answer is the complaint's).
    pub fn complaint_in_flight(&self) -> bool {
        self.in_flight && self.complaint == Some(Taken::Sent)
    }

    /// The hub's answer to the complaint sent.
    pub fn complaint_answered(&mut self, reply: Result<&Reply, ()>) {
        self.in_flight = false;
        self.complaint = Some(match reply.map(|r| &r.body) {
            Ok(ReplyBody::Ok(ReplyResult::Complaint { complaint, .. })) => {
                Taken::Opened(complaint.to_string())
            }
            Ok(ReplyBody::Error(e)) => Taken::Refused(Problem::Refused(e.code)),
            Ok(ReplyBody::Ok(_)) | Err(()) => Taken::Refused(Problem::NoAnswer),
        });
    }

    /// Whether the receipt printed: a failure is the greeter's line until the next press.
    pub fn complaint_printed(&mut self, result: Result<(), LocalText>) {
        self.not_printed = result.err();
    }

    /// The greeter's line after a complaint: the case number and its first deadline, or why
    /// not, or that the receipt did not print (the case stands); `(text, is a problem)`.
    pub fn complaint_line(&self, lang: Lang) -> Option<(String, bool)> {
        if let Some(why) = &self.not_printed {
            return Some((why.get(lang).to_owned(), true));
        }
        match self.complaint.as_ref()? {
            Taken::Sent => None,
            Taken::Opened(id) => Some((
                match lang {
                    Lang::Zh => format!("投诉已登记 {id}：2 小时内首次联系客户"),
                    Lang::En => format!("Complaint {id} opened: first contact within 2 h"),
                },
                false,
            )),
            Taken::Refused(p) => Some((p.message().get(lang).to_owned(), true)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

    use super::*;

    #[test]
    fn a_number_that_is_not_a_mobile_is_refused_before_anything_is_sent() {
        let mut g = Greeter::default();
        let bad = TypedNumber("12345".into());
        assert_eq!(
            g.complaint(ComplaintCategory::General, "排队太久", &bad),
            None
        );
        assert_eq!(g.complaint, Some(Taken::Refused(Problem::BadNumber)));
        assert!(
            g.complaint_line(Lang::Zh)
                .is_some_and(|(_, problem)| problem)
        );
        assert!(!g.in_flight);
    }

    #[test]
    fn the_greeters_complaint_names_the_visit_and_the_business_chosen() {
        let mut g = Greeter {
            visit: Some(VisitId::new("V20261207-0001").unwrap()),
            business: Some(BusinessCode::new("complex").unwrap()),
            ..Greeter::default()
        };
        let cmd = g
            .complaint(
                ComplaintCategory::Complex,
                "  合约金额不对 ",
                &TypedNumber("13800131234".into()),
            )
            .unwrap();
        let Command::ComplaintOpen {
            summary,
            visit,
            business,
            contact,
            ..
        } = &cmd
        else {
            panic!("{cmd:?}")
        };
        assert_eq!(summary, "合约金额不对");
        assert_eq!(
            visit.as_ref().map(ToString::to_string).as_deref(),
            Some("V20261207-0001")
        );
        assert_eq!(business.as_ref().map(BusinessCode::as_str), Some("complex"));
        assert!(contact.is_some());
        assert!(g.complaint_in_flight());
        assert_eq!(
            g.complaint(ComplaintCategory::General, "again", &TypedNumber::default()),
            None,
            "one at a time"
        );
    }

    #[test]
    fn a_blank_form_sends_nothing() {
        assert_eq!(
            command(
                ComplaintCategory::General,
                "  ",
                &TypedNumber::default(),
                Context::default()
            ),
            None
        );
    }

    #[test]
    fn a_printer_fault_is_the_greeters_line_and_the_case_stands() {
        let mut g = Greeter {
            complaint: Some(Taken::Opened("K20261207-001".into())),
            ..Greeter::default()
        };
        g.complaint_printed(Err(LocalText::new(
            "《投诉受理回执》未能打印",
            "did not print",
        )));
        let (line, problem) = g.complaint_line(Lang::Zh).unwrap();
        assert!(problem && line.contains("未能打印"), "{line}");
    }
}
