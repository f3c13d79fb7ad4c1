//! The list of documents still needed (《补充材料清单》), printed at the counter when a service
//! ends with "needs more documents" (资料不全).
//!
//! The hall code's one-time notification (一次性告知): a customer sent away for a missing paper
//! is told, on paper and all at once, everything that is missing and how to get each piece, so
//! the next visit is the last. What is missing comes from the business type's document list
//! (the same list the ticket printed as "please have ready"), ticked by the clerk; how to get it
//! is the hall's own word for that document (`how` in the document list of hall.toml), such as
//! "身份证复印件可在厅内自助复印机免费打印".

use hallq_proto::ids::{CounterNo, TicketNo, Timestamp};
use hallq_proto::time;
use hallq_proto::vocab::{Lang, LocalText};

use crate::compose::{Block, Fit, Page, Style};
use crate::layout::Layout;

/// One document the customer still has to bring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The document, as the business type's list names it.
    pub document: LocalText,
    /// How to get it, when the hall says.
    pub how: Option<LocalText>,
}

/// One list of documents still needed, ready to be laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentList {
    /// The ticket served, so staff at the next visit find the first one.
    pub number: TicketNo,
    /// The business type's name.
    pub business: LocalText,
    /// The counter that served it.
    pub counter: CounterNo,
    /// When the service ended (the hub's time).
    pub at: Timestamp,
    /// What is missing, in the order of the business type's list.
    pub missing: Vec<Missing>,
    /// The hall's name, at the top.
    pub hall: LocalText,
    /// The hall's offset from UTC in minutes.
    pub utc_offset_min: i32,
    /// The customer's language.
    pub lang: Lang,
}

impl DocumentList {
    /// The slip's title.
    pub fn title() -> LocalText {
        LocalText::new("补充材料清单", "Documents still needed")
    }

    /// The ticket, business and counter, as a line.
    pub fn served_text(&self) -> LocalText {
        let (n, c) = (&self.number.0, self.counter.0);
        LocalText::new(
            format!("{n} · {} · {c} 号窗口", self.business.zh),
            format!("{n} · {} · counter {c}", self.business.en),
        )
    }

    /// When, as a line.
    pub fn at_text(&self) -> LocalText {
        let at = time::iso_minute(self.at, self.utc_offset_min);
        LocalText::new(format!("办理时间 {at}"), format!("Served {at}"))
    }

    /// The last lines: what to do once the documents are ready.
    pub fn footer() -> LocalText {
        LocalText::new(
            "材料备齐后请携带本清单重新取号或预约办理",
            "With these ready, bring this list and take a ticket or book a visit",
        )
    }
}

/// Lays out `list` for `layout`: the hall and the title, which service it was, then each missing
/// document with how to get it beneath, and the footer.
pub fn compose(list: &DocumentList, layout: &Layout) -> Vec<Block> {
    let mut page = Page::new(layout, list.lang);
    let body = Style::BODY;
    page.heading(&list.hall, &DocumentList::title());
    page.text(&list.served_text(), body.bold(), body, Fit::Beneath);
    page.text(&list.at_text(), body, body, Fit::Beneath);
    page.blocks.push(Block::Rule);
    let heading = LocalText::new("请补齐以下材料后再来办理：", "Please bring the following:");
    page.text(&heading, body.bold(), body, Fit::Beneath);
    for m in &list.missing {
        page.item(&m.document);
        if let Some(how) = &m.how {
            page.note(how);
        }
    }
    page.blocks.push(Block::Rule);
    page.text(
        &DocumentList::footer(),
        body.center(),
        body.center(),
        Fit::Beneath,
    );
    page.finish()
}

/// The ESC/POS bytes of `list` on `layout`'s printer, from initialisation to the cut.
pub fn encode(list: &DocumentList, layout: &Layout) -> Vec<u8> {
    crate::escpos::encode_blocks(&compose(list, layout), layout)
}

/// A sample list for previews, docs and tests: a plan change at counter 3 of a Beijing hall that
/// lacked a copy of the ID card and the service password.
pub fn example(lang: Lang) -> DocumentList {
    DocumentList {
        number: TicketNo("A012".into()),
        business: LocalText::new("套餐变更", "Plan change"),
        counter: CounterNo(3),
        at: Timestamp(1_795_397_400_000),
        missing: vec![
            Missing {
                document: LocalText::new("本人有效身份证件复印件", "A copy of your ID card"),
                how: Some(LocalText::new(
                    "身份证复印件可在厅内自助复印机免费打印",
                    "Copy it free at the hall's self-service copier",
                )),
            },
            Missing {
                document: LocalText::new("服务密码", "The service password"),
                how: None,
            },
        ],
        hall: LocalText::new(
            "中国移动北京西单营业厅",
            "China Mobile Xidan Business Hall, Beijing",
        ),
        utc_offset_min: 480,
        lang,
    }
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
                for block in compose(&example(lang), &layout) {
                    if let Block::Line { text, style } = block {
                        let w = width(&text, layout.code_page) * usize::from(style.width);
                        assert!(w <= paper.columns(), "{paper:?} {lang:?}: {text:?} is {w}");
                    }
                }
            }
        }
    }

    #[test]
    fn served_line_names_the_ticket_business_and_counter() {
        let list = example(Lang::Zh);
        assert_eq!(list.served_text().zh, "A012 · 套餐变更 · 3 号窗口");
        assert_eq!(list.at_text().en, "Served 2026-11-23 09:30");
    }
}
