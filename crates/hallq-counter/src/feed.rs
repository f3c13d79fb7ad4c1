//! What the terminal's runtime takes from the hub: the client's updates as the desk's
//! [`Input`]s, and a command's reply as its answer. The binary and the end-to-end tests feed the
//! desk through these, so a test drives the desk as the terminal does.

use hallq_client::{ClientError, Update};
use hallq_proto::state::Liveness;
use hallq_proto::{Reply, ReplyBody, ReplyResult};

use crate::controller::{Input, Problem};

/// What the desk takes from an update of the hub's.
pub fn desk_input(u: Update) -> Option<Input> {
    Some(match u {
        Update::Counter(c) => Input::Counter(c),
        Update::Board(b) => Input::Board(b),
        Update::Services(s) => Input::Services(s),
        Update::Complaints(c) => Input::Complaints(c),
        Update::Hub(h) => Input::HubReachable(h.status == Liveness::Online),
        _ => return None,
    })
}

/// What the desk reads of a reply: a line to show, or why not.
pub fn answer(reply: Result<Reply, ClientError>) -> Input {
    Input::Answered(match reply {
        Ok(r) => match r.body {
            ReplyBody::Ok(ReplyResult::Complaint { complaint, .. }) => Ok(Some(format!(
                "投诉已登记 {complaint}：2 小时内首次联系客户 / complaint {complaint} opened: first contact within 2 h"
            ))),
            // A customer with a value tier: the clerk reads the tier's greeting, never a level
            // (issue 16 §4).
            ReplyBody::Ok(ReplyResult::Called {
                greeting: Some(g), ..
            }) => Ok(Some(format!("{} / {}", g.zh, g.en))),
            ReplyBody::Ok(_) => Ok(None),
            ReplyBody::Error(e) => Err(Problem::Refused(e.code)),
        },
        Err(_) => Err(Problem::NoAnswer),
    })
}

#[cfg(test)]
mod tests {
    use hallq_proto::{
        BusinessCode, CommandId, CounterNo, LocalText, Priority, TicketId, TicketNo, Timestamp,
    };

    use super::*;

    fn called(greeting: Option<LocalText>) -> Reply {
        Reply::ok(
            CommandId::new("counter-3-0001").unwrap(),
            Timestamp(0),
            ReplyResult::Called {
                ticket: TicketId::new("20261123-0001").unwrap(),
                number: TicketNo("A001".into()),
                business: BusinessCode::new("basic").unwrap(),
                priority: Priority::Ordinary,
                counter: CounterNo(3),
                recalls: 0,
                greeting,
            },
        )
    }

    #[test]
    fn a_tiers_greeting_is_the_line_the_clerk_reads() {
        let g = LocalText::new(
            "尊敬的钻卡客户，您好！",
            "Welcome, valued diamond customer.",
        );
        assert_eq!(
            answer(Ok(called(Some(g)))),
            Input::Answered(Ok(Some(
                "尊敬的钻卡客户，您好！ / Welcome, valued diamond customer.".into()
            )))
        );
        assert_eq!(answer(Ok(called(None))), Input::Answered(Ok(None)));
    }
}
