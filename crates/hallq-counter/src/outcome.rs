//! What the supervisor's console says after a command: what was done, or why not, in both
//! languages and in the supervisor's terms. The hub's own refusal text is written for the device
//! that sent the command ("请先签到" reads as if the supervisor had to sign in when it is the
//! counter that has no clerk).

use hallq_proto::{Command, ErrorCode, LocalText};

use crate::controller::Problem;

/// What `cmd` did, once the hub accepted it.
pub fn done(cmd: &Command) -> LocalText {
    match cmd {
        Command::OpenCounter { counter: Some(c) } => {
            LocalText::new(format!("已开启 {c} 号窗口"), format!("Counter {c} opened"))
        }
        Command::CloseCounter { counter: Some(c) } => {
            LocalText::new(format!("已关闭 {c} 号窗口"), format!("Counter {c} closed"))
        }
        Command::AnnouncementPost { .. } => LocalText::new(
            "公告已发布，各综合屏即时显示",
            "Announcement posted: every display shows it now",
        ),
        Command::AnnouncementClear { .. } => {
            LocalText::new("公告已撤下", "Announcement taken down")
        }
        Command::ComplaintUpdate {
            complaint,
            contacted: true,
            ..
        } => LocalText::new(
            format!("投诉 {complaint}：已记录首次联系"),
            format!("Complaint {complaint}: first contact recorded"),
        ),
        Command::ComplaintUpdate { complaint, .. } => LocalText::new(
            format!("投诉 {complaint}：已记录进展"),
            format!("Complaint {complaint}: progress recorded"),
        ),
        Command::ComplaintResolve { complaint, .. } => LocalText::new(
            format!("投诉 {complaint} 已办结"),
            format!("Complaint {complaint} resolved"),
        ),
        Command::ComplaintResultResend { complaint } => LocalText::new(
            format!("投诉 {complaint}：结果短信重发中"),
            format!("Complaint {complaint}: result SMS being sent again"),
        ),
        Command::CallbackDone { visit, .. } => LocalText::new(
            format!("{visit} 已回电"),
            format!("{visit}: call back recorded"),
        ),
        _ => LocalText::new("已完成", "Done"),
    }
}

/// Why `cmd` did not go through.
pub fn refused(cmd: &Command, problem: Problem) -> LocalText {
    match (cmd, problem) {
        (Command::OpenCounter { counter: Some(c) }, Problem::Refused(ErrorCode::NotSignedIn)) => {
            LocalText::new(
                format!("{c} 号窗口无柜员签到，无法开启：请柜员先在该窗口签到"),
                format!(
                    "No clerk is signed in at counter {c}, so it cannot open: the clerk signs in there first"
                ),
            )
        }
        _ => problem.message(),
    }
}

#[cfg(test)]
mod tests {
    use hallq_proto::CounterNo;

    use super::*;

    #[test]
    fn opening_a_counter_without_a_clerk_names_the_counter_not_the_supervisor() {
        let open = Command::OpenCounter {
            counter: Some(CounterNo(4)),
        };
        let said = refused(&open, Problem::Refused(ErrorCode::NotSignedIn));
        assert!(said.zh.contains("4 号窗口无柜员签到"), "{said:?}");
        assert!(
            said.en.contains("No clerk is signed in at counter 4"),
            "{said:?}"
        );
        assert!(!said.zh.starts_with("请先签到"));
        assert_eq!(
            refused(&open, Problem::NoAnswer),
            Problem::NoAnswer.message()
        );
    }

    #[test]
    fn a_post_says_what_was_done_in_both_languages() {
        let post = Command::AnnouncementPost {
            announcement: None,
            text: LocalText::new("今晚升级", "Upgrade tonight"),
            starts_at_ms: None,
            ends_at_ms: None,
            where_to_ask: None,
        };
        let said = done(&post);
        assert!(said.zh.contains("公告已发布"), "{said:?}");
        assert!(said.en.contains("Announcement posted"), "{said:?}");
        let opened = done(&Command::OpenCounter {
            counter: Some(CounterNo(2)),
        });
        assert_eq!(opened.zh, "已开启 2 号窗口");
        assert_eq!(opened.en, "Counter 2 opened");
    }
}
