//! The texts of the notices, in the ticket's language. Short: a Chinese text of 70 characters
//! or less fits one SMS.

use hallq_proto::{ComplaintAnswer, Lang, TicketNo};

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

/// The written result of complaint `case` (原因、解决方案、补偿措施、后续承诺), as the SMS to the
/// complainant: the case named, each part on its line, and where to ask. Chinese, as the
/// supervisor writes the parts; several messages long (it goes in `message_payload` over SMPP).
pub fn complaint_result_text(hall: &str, case: &str, answer: &ComplaintAnswer) -> String {
    format!(
        "【{hall}】您的投诉（受理编号 {case}）已处理完毕，处理结果如下：\n{}\n如有疑问，请凭受理编号到厅咨询。",
        answer.text().zh
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

    #[test]
    fn a_complaint_result_names_the_case_and_every_part() {
        let answer = ComplaintAnswer {
            cause: "套餐变更未及时生效".into(),
            solution: "已按新套餐重新计费".into(),
            compensation: None,
            promise: "今后变更当日生效".into(),
        };
        let text = complaint_result_text("示范营业厅", "K20261123-001", &answer);
        assert!(
            text.starts_with("【示范营业厅】您的投诉（受理编号 K20261123-001）"),
            "{text}"
        );
        for part in [
            "原因：套餐变更未及时生效",
            "解决方案：已按新套餐重新计费",
            "补偿措施：无",
            "后续承诺：今后变更当日生效",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }
}
