//! The greeter checks a booked customer in at the door (issue 15 §3, docs/booking.md "By the
//! greeter"): the booking code the customer shows, or the mobile number they booked with, keyed
//! on the handheld and sent as `check_in` for the visit being helped. The hub's answer is told in
//! its own words: the ticket with its note (on time, or late and queued as a walk-in), or the
//! refusal (too early: when check-in opens).

use hallq_proto::command::CheckIn;
use hallq_proto::reply::ReplyResult;
use hallq_proto::{Command, ErrorInfo, Lang, LocalText, Phone, ReplyBody, VisitId};

use crate::controller::Problem;
use crate::floor::Greeter;

/// The command for what the greeter keyed: a mobile number when it is one, else a booking
/// code as typed (the hub reads it whatever its case, spaces and dashes, and says so when it is
/// not a code). `None` for nothing keyed.
pub fn command(keyed: &str, lang: Lang, visit: Option<VisitId>) -> Option<Command> {
    let keyed = keyed.trim();
    if keyed.is_empty() {
        return None;
    }
    let digits: String = keyed.chars().filter(|c| !c.is_whitespace()).collect();
    let (code, phone) = match Phone::parse(&digits) {
        Ok(p) => (None, Some(p)),
        Err(_) => (Some(keyed.to_owned()), None),
    };
    Some(Command::CheckIn(CheckIn {
        code,
        phone,
        priority_reason: None,
        lang,
        visit,
    }))
}

/// The greeter's answer as [`Greeter::answered`] takes it (the visit and the ticket's number,
/// or the problem), with the hub's own words for the customer.
pub type Answer = (
    Result<(Option<VisitId>, Option<String>), Problem>,
    Option<LocalText>,
);

/// What the greeter reads for the hub's answer to a check-in: the ticket's number, and the
/// hub's words (the note, or the refusal with its time); or the problem when there was no
/// answer.
pub fn answer(reply: Result<&ReplyBody, ()>) -> Answer {
    match reply {
        Ok(ReplyBody::Ok(ReplyResult::CheckedIn { note, ticket, .. })) => (
            Ok((Some(ticket.visit.clone()), Some(ticket.number.0.clone()))),
            Some(note.clone()),
        ),
        Ok(ReplyBody::Ok(_)) => (Ok((None, None)), None),
        Ok(ReplyBody::Error(e)) => (Err(Problem::Refused(e.code)), Some(words(e))),
        Err(()) => (Err(Problem::NoAnswer), None),
    }
}

fn words(e: &ErrorInfo) -> LocalText {
    if e.zh.is_empty() || e.en.is_empty() {
        e.code.message()
    } else {
        LocalText::new(e.zh.clone(), e.en.clone())
    }
}

impl Greeter {
    /// Checks in the booking `keyed` (code or number) for the visitor being helped; `None`
    /// while a command is in flight or nothing is keyed.
    pub fn check_in(&mut self, keyed: &str, lang: Lang) -> Option<Command> {
        if self.in_flight {
            return None;
        }
        let command = command(keyed, lang, self.visit.clone())?;
        self.in_flight = true;
        self.checkin_in_flight = true;
        self.said = None;
        Some(command)
    }

    /// Whether the command in flight is a check-in: its answer goes to
    /// [`Greeter::checked_in`].
    pub fn checking_in(&self) -> bool {
        self.checkin_in_flight
    }

    /// The hub's answer to the check-in.
    pub fn checked_in(&mut self, (result, said): Answer) {
        self.checkin_in_flight = false;
        self.answered(result);
        self.said = said;
    }

    /// The line the greeter reads after a check-in: "已签到 A019 · 预约签到成功…", or the
    /// refusal in the hub's words; `None` when the last answer was not a check-in's.
    pub fn check_in_line(&self, lang: Lang) -> Option<(String, bool)> {
        let said = self.said.as_ref()?.get(lang);
        Some(match self.last.as_ref()? {
            Ok(number) => (
                match lang {
                    Lang::Zh => format!("已签到 {number} · {said}"),
                    Lang::En => format!("Checked in: {number} · {said}"),
                },
                false,
            ),
            Err(_) => (said.to_owned(), true),
        })
    }
}

#[cfg(test)]
#[path = "checkin_tests.rs"]
mod tests;
