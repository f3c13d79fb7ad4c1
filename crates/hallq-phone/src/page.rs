//! The page's HTML (maud: every value escaped). Both languages are in the page, each text as a
//! `zh` and an `en` span, and the stylesheet shows one: the language switch and the live
//! updates need no second request and no second renderer. The live part ([`live`]) is the same
//! fragment in the first page and in every update the events stream sends.

use hallq_proto::{LocalText, Score};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::assets::{CSS, SCRIPT};
use crate::view::{GoneReason, NoticeLead, NoticeView, TicketState, TicketView};

/// The four grades, best first, as on the evaluator's pad.
pub const GRADES: [Score; 4] = [
    Score::VerySatisfied,
    Score::Satisfied,
    Score::Neutral,
    Score::Dissatisfied,
];

/// The grade's name on the wire (`very_satisfied`).
pub fn grade_code(s: Score) -> &'static str {
    match s {
        Score::VerySatisfied => "very_satisfied",
        Score::Satisfied => "satisfied",
        Score::Neutral => "neutral",
        Score::Dissatisfied => "dissatisfied",
    }
}

fn t(zh: &str, en: &str) -> Markup {
    html! { span.zh lang="zh-CN" { (zh) } span.en lang="en" { (en) } }
}

fn lt(text: &LocalText) -> Markup {
    t(&text.zh, &text.en)
}

/// A short name of the state, for the script's cue (`called` vibrates and beeps).
pub fn state_kind(v: &TicketView) -> &'static str {
    match v.state {
        TicketState::Waiting => "waiting",
        TicketState::Called { .. } => "called",
        TicketState::Serving { .. } => "serving",
        TicketState::Done => "done",
        TicketState::Gone { .. } => "gone",
    }
}

/// The lead time's words on the page's button and in its confirmation.
fn lead_text(lead: NoticeLead) -> Markup {
    match lead {
        NoticeLead::Ahead(n) => t(
            &format!("前面还剩 {n} 人时"),
            &format!("when {n} are ahead"),
        ),
        NoticeLead::Minutes(m) => t(
            &format!("预计还需约 {m} 分钟时"),
            &format!("about {m} min before my turn"),
        ),
    }
}

/// The lead times worth offering now: those not reached already (a notice chosen within its
/// lead would never come). Without an estimate, the minutes stay on offer.
fn offered(v: &TicketView, choices: &[NoticeLead]) -> Vec<NoticeLead> {
    choices
        .iter()
        .copied()
        .filter(|c| match *c {
            NoticeLead::Ahead(n) => v.people_ahead > n,
            NoticeLead::Minutes(m) => v.estimated_wait_min.is_none_or(|e| e > m),
        })
        .collect()
}

/// "Tell me when my turn is near", while the ticket waits: the choices, the choice made, or
/// the notice itself (`data-notice="near"`: the script vibrates and beeps when it appears).
fn notice(v: &TicketView, choices: &[NoticeLead], token: &str) -> Markup {
    if v.state != TicketState::Waiting {
        return html! {};
    }
    match v.notice {
        Some(NoticeView { near: true, .. }) => html! {
            section #near .near role="alert" data-notice="near" {
                div.callout { (t("快到您了", "Your turn is near")) }
                p { (t("请回到大厅，留意叫号", "Please come back to the hall and watch for your call")) }
            }
        },
        Some(NoticeView { lead, near: false }) => html! {
            section #notice .notice.set data-lead=(lead.code()) {
                p { (t("已设置到号提醒：", "Notice set: ")) strong { (lead_text(lead)) } }
                p.hint { (t("请保持本页打开，届时本页会振动并提示音（不发短信）", "Keep this page open: it vibrates and beeps then (no SMS)")) }
            }
        },
        None if !offered(v, choices).is_empty() => html! {
            section #notice .notice {
                h2 { (t("快到我时提醒我", "Tell me when my turn is near")) }
                form method="post" action=(format!("/t/{token}/notice")) {
                    @for c in offered(v, choices) {
                        button type="submit" name="lead" value=(c.code()) class="lead" { (lead_text(c)) }
                    }
                }
                p.hint { (t("在本页提醒（振动和提示音），不发短信；选择即同意用于本号提醒", "Shown on this page (vibration and a beep), no SMS; choosing is your consent for this ticket")) }
            }
        },
        None => html! {},
    }
}

/// The part of the page that changes: the number, the state, the wait, the notice, the
/// documents, the rating.
pub fn live(v: &TicketView, choices: &[NoticeLead], token: &str) -> Markup {
    let action = format!("/t/{token}/rate");
    html! {
        section.ticket data-state=(state_kind(v)) {
            div.label { (t("您的号码", "Your number")) }
            div #number .number { (v.number) }
            div.business { (lt(&v.business)) }
        }
        (notice(v, choices, token))
        (status(v))
        @if matches!(v.state, TicketState::Waiting | TicketState::Called { .. }) && !v.documents.is_empty() {
            section.docs {
                h2 { (t("请备好以下资料（一次性告知）", "Please have ready")) }
                ul { @for d in &v.documents { li { (lt(d)) } } }
            }
        }
        @if v.rateable() {
            section #rate .rate {
                h2 { (t("请为本次服务评价", "How was our service?")) }
                form method="post" action=(&action) {
                    @for g in GRADES {
                        button type="submit" name="score" value=(grade_code(g)) class=(format!("grade {}", grade_code(g))) {
                            (lt(&g.label()))
                        }
                    }
                }
            }
        } @else if let Some(g) = v.rated {
            section #rated .rated {
                p { (t("感谢您的评价：", "Thank you for rating: ")) strong { (lt(&g.label())) } }
            }
        }
    }
}

fn status(v: &TicketView) -> Markup {
    match &v.state {
        TicketState::Waiting => html! {
            section #status .status.waiting {
                div.ahead {
                    span.big #ahead { (v.people_ahead) }
                    (t(" 人在您前面", " ahead of you"))
                }
                div.wait {
                    @match v.estimated_wait_min {
                        Some(m) => { (t("预计等候约 ", "About ")) span #wait { (m) } (t(" 分钟", " min wait")) }
                        None => { (t("暂无窗口办理此业务，请稍候", "No counter serves this now; please wait")) }
                    }
                }
                p.hint { (t("叫号时本页会振动并提示音，请留意", "This page vibrates and beeps when you are called")) }
            }
        },
        TicketState::Called { counter } => html! {
            section #status .status.called role="alert" {
                div.callout { (t("请到", "Please go to")) }
                div #counter .counter { (lt(counter)) }
                div.callout { (t("办理业务", "now")) }
            }
        },
        TicketState::Serving { counter } => html! {
            section #status .status.serving {
                div.callout { (t("正在办理", "Being served at")) }
                div #counter .counter.small { (lt(counter)) }
            }
        },
        TicketState::Done => html! {
            section #status .status.done { div.callout { (t("业务已办结，谢谢光临", "Done. Thank you for coming")) } }
        },
        TicketState::Gone { why } => {
            let (zh, en) = match why {
                GoneReason::Skipped => (
                    "叫号时您未到场，号码已过。请联系大堂工作人员",
                    "You were called and missed it. Please ask staff in the hall",
                ),
                GoneReason::Cancelled => ("此号已取消", "This ticket was cancelled"),
                GoneReason::Closed => (
                    "今日营业已结束，此号已失效",
                    "The day is over: this ticket has ended",
                ),
            };
            html! { section #status .status.gone { div.callout { (t(zh, en)) } } }
        }
    }
}

/// The whole page: the live part, the switches, the script that keeps it live.
pub fn page(
    hall: &LocalText,
    v: &TicketView,
    choices: &[NoticeLead],
    token: &str,
    lang_en: bool,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(if lang_en { "en" } else { "zh-CN" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (v.number) " · " (hall.zh) }
                style { (PreEscaped(CSS)) }
            }
            body data-token=(token) {
                header {
                    span.hall { (lt(hall)) }
                    span.tools {
                        button #lang type="button" { span.zh { "English" } span.en { "中文" } }
                        button #large type="button" { (t("大字", "Large text")) }
                    }
                }
                main #live { (live(v, choices, token)) }
                p #offline .offline hidden { (t("连接中断，正在重新连接…", "Connection lost, reconnecting…")) }
                footer { (t("本页不含任何个人信息，仅当日有效", "No personal data here. Valid today only")) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// The page for a token that opens nothing: why, in both languages, and what to do.
pub fn refusal(expired: bool) -> Markup {
    let (zh, en) = if expired {
        (
            "此排队号已过期：链接仅在取号当日有效",
            "This ticket has expired: its link is valid on the day it was taken only",
        )
    } else {
        ("无效的排队号链接", "This ticket link is not valid")
    };
    message_page(zh, en)
}

/// A page of one message, both languages shown (the visitor's choice is not known).
pub fn message_page(zh: &str, en: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (zh) " / " (en) }
                style { (PreEscaped(CSS)) }
            }
            body.message {
                main {
                    h1 { (zh) }
                    p.en-always { (en) }
                    p { "请重新扫描小票上的二维码，或咨询大堂工作人员。" }
                    p.en-always { "Scan the QR code on your ticket again, or ask staff in the hall." }
                }
            }
        }
    }
}
