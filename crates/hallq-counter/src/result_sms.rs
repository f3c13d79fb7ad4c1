//! The written results the customer did not get (issue 16 §2), on the supervisor's console: a
//! resolved case whose result SMS failed for good (the hub's retries exhausted) is a red line
//! on the case list, "结果短信未送达，请电话告知 / Result SMS not delivered — please call the
//! customer", with a resend while the hub still holds the number sealed
//! (`complaint_result_resend`). The hub's `state/complaints` carries them (`undelivered`); a
//! delivery after the resend takes the line away.

use hallq_proto::state::Complaints;
use hallq_proto::{Command, ComplaintId, Lang, LocalText};

use crate::floor::Supervisor;

/// One undelivered result as the supervisor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndeliveredLine {
    /// The case id.
    pub complaint: String,
    /// "K20261207-001 · 结果短信未送达，请电话告知".
    pub text: String,
    /// Whether the number is still sealed: the hub may try again.
    pub resend: bool,
}

/// The line of each undelivered result of `complaints`.
pub fn undelivered_lines(complaints: &Complaints, lang: Lang) -> Vec<UndeliveredLine> {
    let words = LocalText::new(
        "结果短信未送达，请电话告知",
        "Result SMS not delivered — please call the customer",
    );
    complaints
        .undelivered
        .iter()
        .map(|u| UndeliveredLine {
            complaint: u.complaint.to_string(),
            text: format!("{} · {}", u.complaint, words.get(lang)),
            resend: u.resendable,
        })
        .collect()
}

impl Supervisor {
    /// Each undelivered result (see [`undelivered_lines`]).
    pub fn undelivered(&self, lang: Lang) -> Vec<UndeliveredLine> {
        self.complaints
            .as_ref()
            .map(|c| undelivered_lines(c, lang))
            .unwrap_or_default()
    }

    /// Asks the hub to send `id`'s written result again; `None` while a command is in flight
    /// or the case has no undelivered result (the line went away meanwhile).
    pub fn resend(&mut self, id: &str) -> Option<Command> {
        let complaint = ComplaintId::new(id).ok()?;
        let listed = self.complaints.as_ref().is_some_and(|c| {
            c.undelivered
                .iter()
                .any(|u| u.complaint == complaint && u.resendable)
        });
        if !listed {
            return None;
        }
        self.send(Command::ComplaintResultResend { complaint })
    }
}

#[cfg(test)]
mod tests {
    use hallq_proto::state::UndeliveredResult;
    use hallq_proto::{SCHEMA_VERSION, Timestamp};

    use super::*;

    fn complaints(resendable: bool) -> Complaints {
        Complaints {
            v: SCHEMA_VERSION,
            rev: 1,
            at_ms: Timestamp(1),
            cases: Vec::new(),
            callbacks: Vec::new(),
            undelivered: vec![UndeliveredResult {
                complaint: ComplaintId::new("K20261207-001").unwrap(),
                failed_at_ms: Timestamp(1),
                resendable,
            }],
        }
    }

    #[test]
    fn an_undelivered_result_is_a_line_with_a_resend_while_the_number_is_sealed() {
        let mut s = Supervisor::default();
        s.complaints(complaints(true));
        let lines = s.undelivered(Lang::Zh);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "K20261207-001 · 结果短信未送达，请电话告知");
        assert!(lines[0].resend);
        assert!(
            s.undelivered(Lang::En)[0]
                .text
                .ends_with("please call the customer")
        );
        let cmd = s.resend("K20261207-001");
        assert!(
            matches!(cmd, Some(Command::ComplaintResultResend { .. })),
            "{cmd:?}"
        );
        assert_eq!(s.resend("K20261207-001"), None, "one at a time");
    }

    #[test]
    fn a_purged_number_has_no_resend() {
        let mut s = Supervisor::default();
        s.complaints(complaints(false));
        assert!(!s.undelivered(Lang::Zh)[0].resend);
        assert_eq!(s.resend("K20261207-001"), None);
    }
}
