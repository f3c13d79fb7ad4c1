//! The complaint receipt (《投诉受理回执》), printed for the customer when a complaint is opened.
//!
//! The hall code asks that a complainant leave with a paper saying that the case was taken, when,
//! through which channel, and by when the hall must answer: the duty supervisor's first contact
//! (2 h) and the solution (general case, 24 h) or progress feedback (complex case, 72 h). Every
//! time on it is the hub's: the received time is the reply's `at_ms`, the limits are the ones the
//! hub journaled with the case (`complaint` reply), so the paper and the report never disagree.
//!
//! The complainant's number is never printed: the receipt says only that the hall will call the
//! number given, so a receipt left on a counter gives nobody's number away.

use hallq_proto::ids::{ComplaintId, Timestamp};
use hallq_proto::reply::{Reply, ReplyBody, ReplyResult};
use hallq_proto::time;
use hallq_proto::vocab::{ComplaintCategory, Lang, LocalText};

use crate::compose::{Block, Fit, Page, Style};
use crate::layout::Layout;

/// One complaint receipt, ready to be laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintReceipt {
    /// The case number the customer quotes when asking about progress: large, and in the QR
    /// code for staff to scan.
    pub complaint: ComplaintId,
    /// When the hub took the case (the reply's time, never the device's clock).
    pub received_at: Timestamp,
    /// Where the case was taken: the counter, the greeter at the door, the duty supervisor.
    pub channel: LocalText,
    /// General (solution in 24 h) or complex (progress feedback in 72 h).
    pub category: ComplaintCategory,
    /// The business type it concerns, when one was given.
    pub business: Option<LocalText>,
    /// What the complaint is about, as staff wrote it (no personal data).
    pub summary: String,
    /// The duty supervisor contacts the customer by then.
    pub first_contact_due: Timestamp,
    /// The solution (general) or progress feedback (complex) is due by then.
    pub due: Timestamp,
    /// Whether a number was left for the call back: the receipt says so, without the number.
    pub contact_given: bool,
    /// The hall's name, at the top.
    pub hall: LocalText,
    /// The hall's offset from UTC in minutes, to print the times as the hall's wall clock.
    pub utc_offset_min: i32,
    /// The customer's language: Chinese prints Chinese with English beneath, English only English.
    pub lang: Lang,
}

/// What the opening device knew when it sent `complaint_open`, to print with the hub's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// Where the case was taken.
    pub channel: LocalText,
    /// The category it was opened with.
    pub category: ComplaintCategory,
    /// The business type's name, when one was given.
    pub business: Option<LocalText>,
    /// The summary sent.
    pub summary: String,
    /// Whether a call-back number was sent.
    pub contact_given: bool,
}

impl ComplaintReceipt {
    /// The receipt for the hub's `reply` to a `complaint_open` that the device sent as `opened`,
    /// in a hall named `hall`; `None` when the reply is not an opened case (a refusal, say):
    /// nothing is printed for a case that does not exist.
    pub fn new(
        reply: &Reply,
        opened: Opened,
        hall: LocalText,
        utc_offset_min: i32,
        lang: Lang,
    ) -> Option<Self> {
        let ReplyBody::Ok(ReplyResult::Complaint {
            complaint,
            first_contact_due_ms,
            due_ms,
            resolved: false,
        }) = &reply.body
        else {
            return None;
        };
        Some(Self {
            complaint: complaint.clone(),
            received_at: reply.at_ms,
            channel: opened.channel,
            category: opened.category,
            business: opened.business,
            summary: opened.summary,
            first_contact_due: *first_contact_due_ms,
            due: *due_ms,
            contact_given: opened.contact_given,
            hall,
            utc_offset_min,
            lang,
        })
    }

    /// The slip's title.
    pub fn title() -> LocalText {
        LocalText::new("投诉受理回执", "Complaint receipt")
    }

    /// The case number, as a line.
    pub fn case_text(&self) -> LocalText {
        let id = self.complaint.as_str();
        LocalText::new(format!("受理编号 {id}"), format!("Case no. {id}"))
    }

    /// The time received, as a line.
    pub fn received_text(&self) -> LocalText {
        let at = time::iso_minute(self.received_at, self.utc_offset_min);
        LocalText::new(format!("受理时间 {at}"), format!("Received {at}"))
    }

    /// The channel, as a line.
    pub fn channel_text(&self) -> LocalText {
        LocalText::new(
            format!("受理渠道 {}", self.channel.zh),
            format!("Channel: {}", self.channel.en),
        )
    }

    /// The category with its limit, as a line.
    pub fn category_text(&self) -> LocalText {
        match self.category {
            // Each fits one line of a 58 mm roll.
            ComplaintCategory::General => LocalText::new(
                "投诉类别 一般（24 小时内解决）",
                "Type: general, solved in 24 h",
            ),
            ComplaintCategory::Complex => LocalText::new(
                "投诉类别 复杂（72 小时内反馈进展）",
                "Type: complex, progress in 72 h",
            ),
        }
    }

    /// The first contact's due time, as a line.
    pub fn first_contact_text(&self) -> LocalText {
        let at = time::iso_minute(self.first_contact_due, self.utc_offset_min);
        LocalText::new(format!("首次联系 {at} 前"), format!("First contact: {at}"))
    }

    /// The solution's (general) or progress feedback's (complex) due time, as a line.
    pub fn due_text(&self) -> LocalText {
        let at = time::iso_minute(self.due, self.utc_offset_min);
        match self.category {
            ComplaintCategory::General => {
                LocalText::new(format!("处理结果 {at} 前"), format!("Solution by {at}"))
            }
            ComplaintCategory::Complex => {
                LocalText::new(format!("进展反馈 {at} 前"), format!("Progress by {at}"))
            }
        }
    }

    /// How the customer will hear from the hall.
    pub fn contact_text(&self) -> LocalText {
        if self.contact_given {
            LocalText::new(
                "值班主管将致电您留下的号码，处理结果以书面或短信告知",
                "The duty supervisor will call the number you left; the result comes in writing or by SMS",
            )
        } else {
            LocalText::new(
                "您未留联系电话，请凭受理编号到厅查询处理结果",
                "You left no number: ask at the hall with the case number for the result",
            )
        }
    }

    /// The last lines.
    pub fn footer() -> LocalText {
        LocalText::new(
            "请妥善保管本回执，查询进度请出示受理编号",
            "Keep this receipt; quote the case number to ask about progress",
        )
    }
}

/// Lays out `receipt` for `layout`: the hall and the title, the case number large, when and how
/// it was received, what it is about, the two due times, how the customer will hear, the case
/// number's QR code, and the footer.
pub fn compose(receipt: &ComplaintReceipt, layout: &Layout) -> Vec<Block> {
    let mut page = Page::new(layout, receipt.lang);
    let body = Style::BODY;
    page.heading(&receipt.hall, &ComplaintReceipt::title());

    page.emphasis(&receipt.case_text());
    page.text(&receipt.received_text(), body, body, Fit::Beneath);
    page.text(&receipt.channel_text(), body, body, Fit::Beneath);
    page.text(&receipt.category_text(), body, body, Fit::Beneath);
    if let Some(business) = &receipt.business {
        let line = LocalText::new(
            format!("业务类型 {}", business.zh),
            format!("Business: {}", business.en),
        );
        page.text(&line, body, body, Fit::Beneath);
    }
    if !receipt.summary.trim().is_empty() {
        let heading = LocalText::new("投诉事项：", "About:");
        page.text(&heading, body.bold(), body, Fit::Inline);
        page.line(receipt.summary.trim(), body);
    }
    page.blocks.push(Block::Rule);

    let limits = LocalText::new("处理时限", "Time limits");
    page.text(&limits, body.bold(), body, Fit::Inline);
    page.text(
        &receipt.first_contact_text(),
        body.bold(),
        body,
        Fit::Beneath,
    );
    page.text(&receipt.due_text(), body.bold(), body, Fit::Beneath);
    page.text(&receipt.contact_text(), body, body, Fit::Beneath);
    page.blocks.push(Block::Rule);

    page.blocks.push(Block::Qr {
        data: receipt.complaint.as_str().to_owned(),
        module: crate::compose::qr_module(layout.width),
    });
    page.line(receipt.complaint.as_str(), body.center());
    page.blocks.push(Block::Blank);
    page.text(
        &ComplaintReceipt::footer(),
        body.center(),
        body.center(),
        Fit::Beneath,
    );
    page.finish()
}

/// The ESC/POS bytes of `receipt` on `layout`'s printer, from initialisation to the cut.
pub fn encode(receipt: &ComplaintReceipt, layout: &Layout) -> Vec<u8> {
    crate::escpos::encode_blocks(&compose(receipt, layout), layout)
}

/// A sample receipt for previews, docs and tests: a general complaint about a plan change taken
/// at counter 3 of a Beijing hall at 10:05, with a number left for the call back.
pub fn example(lang: Lang) -> ComplaintReceipt {
    let at = Timestamp(1_795_399_500_000);
    let reply = Reply::ok(
        hallq_proto::CommandId::new("c3-000017".to_owned())
            .unwrap_or_else(|_| unreachable!("example ids are valid")),
        at,
        ReplyResult::Complaint {
            complaint: ComplaintId::new("K20261123-001".to_owned())
                .unwrap_or_else(|_| unreachable!("example ids are valid")),
            first_contact_due_ms: at.plus_secs(2 * 3600),
            due_ms: at.plus_secs(24 * 3600),
            resolved: false,
        },
    );
    let opened = Opened {
        channel: LocalText::new("营业厅 3 号窗口", "Counter 3 at the hall"),
        category: ComplaintCategory::General,
        business: Some(LocalText::new("套餐变更", "Plan change")),
        summary: "套餐变更后当月仍按原套餐扣费".into(),
        contact_given: true,
    };
    let hall = LocalText::new(
        "中国移动北京西单营业厅",
        "China Mobile Xidan Business Hall, Beijing",
    );
    ComplaintReceipt::new(&reply, opened, hall, 480, lang)
        .unwrap_or_else(|| unreachable!("the example reply opens a case"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::PaperWidth;
    use crate::text::width;

    #[test]
    fn every_line_fits_the_paper_at_its_size() {
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let layout = Layout::new(paper);
            for lang in [Lang::Zh, Lang::En] {
                let mut receipt = example(lang);
                // The counter's channel, and the greeter's handheld's (58 mm) on the floor.
                for (category, channel) in [
                    (ComplaintCategory::General, receipt.channel.clone()),
                    (
                        ComplaintCategory::Complex,
                        LocalText::new("营业厅引导员", "Greeter at the hall"),
                    ),
                ] {
                    receipt.category = category;
                    receipt.channel = channel;
                    for block in compose(&receipt, &layout) {
                        if let Block::Line { text, style } = block {
                            let w = width(&text, layout.code_page) * usize::from(style.width);
                            assert!(w <= paper.columns(), "{paper:?} {lang:?}: {text:?} is {w}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_refused_complaint_prints_nothing() {
        let reply = Reply::error(
            None,
            Timestamp(0),
            hallq_proto::ErrorInfo::new(hallq_proto::ErrorCode::UnknownComplaint),
        );
        let r = example(Lang::Zh);
        let opened = Opened {
            channel: r.channel,
            category: r.category,
            business: None,
            summary: String::new(),
            contact_given: false,
        };
        assert!(ComplaintReceipt::new(&reply, opened, r.hall, 480, Lang::Zh).is_none());
    }

    #[test]
    fn the_times_are_the_halls_wall_clock() {
        let r = example(Lang::Zh);
        assert_eq!(r.received_text().zh, "受理时间 2026-11-23 10:05");
        assert_eq!(r.first_contact_text().en, "First contact: 2026-11-23 12:05");
        assert_eq!(r.due_text().zh, "处理结果 2026-11-24 10:05 前");
    }
}
