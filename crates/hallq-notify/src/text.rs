//! The texts of the notices, in the ticket's language. Short: a Chinese text of 70 characters
//! or less fits one SMS.

use hallq_proto::{Lang, TicketNo};

use crate::rule::Notice;

/// The text of `notice` for ticket `number` at hall `hall` (its short name).
pub fn notice_text(hall: &str, number: &TicketNo, lang: Lang, notice: Notice) -> String {
    match (notice, lang) {
        (
            Notice::Near {
                ahead,
                estimate_min,
            },
            Lang::Zh,
        ) => {
            let wait = estimate_min
                .map(|m| format!("，预计约{m}分钟"))
                .unwrap_or_default();
            format!("【{hall}】您的{number}号前面还有{ahead}位{wait}，请回到大厅留意叫号。")
        }
        (
            Notice::Near {
                ahead,
                estimate_min,
            },
            Lang::En,
        ) => {
            let wait = estimate_min
                .map(|m| format!(", about {m} min"))
                .unwrap_or_default();
            format!(
                "[{hall}] Ticket {number}: {ahead} ahead of you{wait}. Please come back to the hall."
            )
        }
        (Notice::Called { counter }, Lang::Zh) => {
            format!("【{hall}】请{number}号到{counter}号窗口办理。")
        }
        (Notice::Called { counter }, Lang::En) => {
            format!("[{hall}] Ticket {number}: please go to counter {counter} now.")
        }
    }
}

/// The text of an appointment's one-time code: Chinese first (the booking page is), English after,
/// in one message (longer than 70 UCS-2 characters, it goes in `message_payload`).
pub fn otp_text(hall: &str, code: &str, valid_min: u32) -> String {
    format!(
        "【{hall}】预约验证码{code}，{valid_min}分钟内有效，请勿告诉他人。Booking code {code}, valid {valid_min} min. Do not share it."
    )
}

#[cfg(test)]
mod tests {
    use hallq_proto::CounterNo;

    use super::*;

    #[test]
    fn the_texts_say_the_number_the_figures_and_the_counter() {
        let n = TicketNo("A012".into());
        let near = notice_text(
            "示范营业厅",
            &n,
            Lang::Zh,
            Notice::Near {
                ahead: 3,
                estimate_min: Some(9),
            },
        );
        assert_eq!(
            near,
            "【示范营业厅】您的A012号前面还有3位，预计约9分钟，请回到大厅留意叫号。"
        );
        assert!(near.chars().count() <= 70);
        let called = notice_text(
            "示范营业厅",
            &n,
            Lang::En,
            Notice::Called {
                counter: CounterNo(3),
            },
        );
        assert!(
            called.contains("A012") && called.contains("counter 3"),
            "{called}"
        );
    }

    #[test]
    fn the_code_text_holds_the_code_and_its_life_in_both_languages() {
        let t = otp_text("示范营业厅", "042917", 5);
        assert!(
            t.starts_with("【示范营业厅】预约验证码042917，5分钟内有效"),
            "{t}"
        );
        assert!(t.contains("Booking code 042917, valid 5 min"), "{t}");
    }
}
