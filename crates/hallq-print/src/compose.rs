//! The slip laid out as printer-neutral blocks: which text on which line, in which size.
//!
//! This is where the ticket's look is decided; [`crate::escpos::encode`] only translates blocks
//! to bytes. Top to bottom: the hall, a reprint mark, the number (as large as the paper
//! allows), a priority label, the business, then how many are ahead, the wait and the time, the
//! documents to have ready, the QR code of the ticket id, and what to do if the call is missed.
//!
//! Chinese comes first. With [`Lang::Zh`] each text is printed in Chinese with its English
//! beneath, or on the same line when a short label fits; with [`Lang::En`] only in English.

use hallq_proto::vocab::{Lang, LocalText};

use crate::layout::{Layout, PaperWidth};
use crate::slip::TicketSlip;
use crate::text::{width, wrap};

/// Horizontal alignment of a line (`ESC a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Align {
    /// Flush left: the body text.
    #[default]
    Left,
    /// Centred: the number, the business, the QR code.
    Center,
    /// Flush right.
    Right,
}

/// How a line is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Style {
    /// Where the line sits.
    pub align: Align,
    /// Emphasis (`ESC E`).
    pub bold: bool,
    /// White on black (`GS B`), for the labels that must not be missed.
    pub reverse: bool,
    /// Character width multiplier, 1–8 (`GS !`).
    pub width: u8,
    /// Character height multiplier, 1–8 (`GS !`).
    pub height: u8,
}

impl Style {
    /// Plain body text, flush left.
    pub const BODY: Self = Self {
        align: Align::Left,
        bold: false,
        reverse: false,
        width: 1,
        height: 1,
    };

    /// The same style, centred.
    pub fn center(self) -> Self {
        Self {
            align: Align::Center,
            ..self
        }
    }

    /// The same style, emphasised.
    pub fn bold(self) -> Self {
        Self { bold: true, ..self }
    }

    /// The same style, white on black.
    pub fn reverse(self) -> Self {
        Self {
            reverse: true,
            ..self
        }
    }

    /// The same style at `width` × `height` the normal character size.
    pub fn size(self, width: u8, height: u8) -> Self {
        Self {
            width,
            height,
            ..self
        }
    }
}

/// One piece of the ticket, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// One line of text, already wrapped to the paper.
    Line {
        /// The text; it fits the line at its style's width.
        text: String,
        /// How it is printed.
        style: Style,
    },
    /// A horizontal rule across the paper.
    Rule,
    /// An empty line of body height.
    Blank,
    /// A QR code, centred.
    Qr {
        /// What it encodes: the ticket id.
        data: String,
        /// Module (dot square) size in printer dots.
        module: u8,
    },
}

/// The ticket number's character size: as large as keeps a five-character number on one line.
pub fn number_scale(width: PaperWidth) -> u8 {
    match width {
        PaperWidth::Mm58 => 4,
        PaperWidth::Mm80 => 6,
    }
}

/// The QR code's module size in dots: large enough to scan from a phone held at arm's length.
pub fn qr_module(width: PaperWidth) -> u8 {
    match width {
        PaperWidth::Mm58 => 6,
        PaperWidth::Mm80 => 8,
    }
}

/// Lays out `slip` for `layout`.
pub fn compose(slip: &TicketSlip, layout: &Layout) -> Vec<Block> {
    let mut page = Page {
        layout,
        lang: slip.lang,
        blocks: Vec::new(),
    };
    let body = Style::BODY;

    page.text(
        &slip.hall,
        body.center().bold(),
        body.center(),
        Fit::Beneath,
    );
    if let Some(label) = slip.reprint_label() {
        page.text(
            &label,
            body.center().bold().reverse(),
            body.center(),
            Fit::Inline,
        );
    }
    page.blocks.push(Block::Rule);

    let scale = number_scale(layout.width);
    page.line(&slip.number.0, body.center().bold().size(scale, scale));
    if let Some(label) = slip.priority_label() {
        page.text(
            &label,
            body.center().bold().reverse(),
            body.center(),
            Fit::Inline,
        );
    }
    page.business(&slip.business);
    if let Some(booked) = slip.appointment_text() {
        page.text(&booked, body.center().bold(), body.center(), Fit::Beneath);
    }
    page.blocks.push(Block::Rule);

    page.emphasis(&slip.people_ahead_text());
    page.text(&slip.wait_text(), body.bold(), body, Fit::Beneath);
    page.text(&slip.issued_text(), body, body, Fit::Beneath);

    if !slip.documents.is_empty() {
        page.blocks.push(Block::Rule);
        let heading = LocalText::new("请备好以下材料：", "Please have ready:");
        page.text(&heading, body.bold(), body, Fit::Inline);
        for doc in &slip.documents {
            page.item(doc);
        }
    }
    page.blocks.push(Block::Rule);

    // With the hall's phone page on, the code opens the ticket's live page; staff still read
    // the ticket's id beneath it.
    page.blocks.push(Block::Qr {
        data: slip
            .page_url
            .clone()
            .unwrap_or_else(|| slip.ticket.as_str().to_owned()),
        module: qr_module(layout.width),
    });
    if slip.page_url.is_some() {
        let scan = LocalText::new(
            "扫码在手机上查看排队进度",
            "Scan to follow your turn on your phone",
        );
        page.text(&scan, body.center(), body.center(), Fit::Beneath);
    }
    page.line(slip.ticket.as_str(), body.center());
    page.blocks.push(Block::Blank);
    page.text(&slip.footer, body.center(), body.center(), Fit::Beneath);
    page.blocks
}

/// Where a Chinese text's English goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Always on lines of its own beneath: sentences read better whole.
    Beneath,
    /// On the same line when both fit (labels: `重打 REPRINT`), else beneath.
    Inline,
}

/// The blocks being built, with what every line needs to know.
/// The other slips ([`crate::receipt`], [`crate::documents`]) are laid out with the same page.
pub(crate) struct Page<'a> {
    pub(crate) layout: &'a Layout,
    pub(crate) lang: Lang,
    pub(crate) blocks: Vec<Block>,
}

impl<'a> Page<'a> {
    /// An empty page for `layout`'s printer in `lang`.
    pub(crate) fn new(layout: &'a Layout, lang: Lang) -> Self {
        Self {
            layout,
            lang,
            blocks: Vec::new(),
        }
    }

    /// A slip's heading: the hall's name, then the slip's title, large when it fits, then a
    /// rule. The receipt and the document list open so, so that a paper taken home says where
    /// it came from and what it is.
    pub(crate) fn heading(&mut self, hall: &LocalText, title: &LocalText) {
        let body = Style::BODY;
        self.text(hall, body.center().bold(), body.center(), Fit::Beneath);
        self.blocks.push(Block::Rule);
        let primary = self.primary(title);
        let style = self.big_or_bold(primary, body.center());
        self.line(primary, style);
        if self.lang == Lang::Zh {
            self.line(&title.en, body.center());
        }
        self.blocks.push(Block::Rule);
    }

    /// A note under a list item (how to get a missing document): indented past the bullet,
    /// after an arrow, in Chinese with its English beneath.
    pub(crate) fn note(&mut self, text: &LocalText) {
        // A code page without Chinese has no arrow either.
        let arrow = if self.layout.code_page.chinese_mode() {
            "  → "
        } else {
            "  -> "
        };
        self.hanging(arrow, text);
    }

    /// The blocks laid out.
    pub(crate) fn finish(self) -> Vec<Block> {
        self.blocks
    }
    /// `text` wrapped to the paper at `style`'s width, one block per line.
    pub(crate) fn line(&mut self, text: &str, style: Style) {
        let columns = self.layout.columns(style.width);
        for line in wrap(text, columns, self.layout.code_page) {
            // Reverse labels get a space either side, so the white text does not touch the edge.
            let text = if style.reverse && width(&line, self.layout.code_page) + 2 <= columns {
                format!(" {line} ")
            } else {
                line
            };
            self.blocks.push(Block::Line { text, style });
        }
    }

    /// A text in the customer's language: Chinese with English per `fit`, or English alone.
    /// `secondary` is the English line's style beneath Chinese.
    pub(crate) fn text(&mut self, text: &LocalText, primary: Style, secondary: Style, fit: Fit) {
        match self.lang {
            Lang::En => self.line(&text.en, primary),
            Lang::Zh => {
                let both = format!("{} {}", text.zh, text.en);
                let fits =
                    width(&both, self.layout.code_page) + 2 <= self.layout.columns(primary.width);
                if fit == Fit::Inline && fits {
                    self.line(&both, primary);
                } else {
                    self.line(&text.zh, primary);
                    self.line(&text.en, secondary);
                }
            }
        }
    }

    /// The text in the customer's language, as the printer would take it.
    pub(crate) fn primary<'t>(&self, text: &'t LocalText) -> &'t str {
        match self.lang {
            Lang::Zh => &text.zh,
            Lang::En => &text.en,
        }
    }

    /// Double size when the text fits on one line so, else bold at normal size: a text wrapped
    /// at double size reads worse than a whole one in bold.
    pub(crate) fn big_or_bold(&self, text: &str, style: Style) -> Style {
        if width(text, self.layout.code_page) <= self.layout.columns(2) {
            style.bold().size(2, 2)
        } else {
            style.bold()
        }
    }

    /// The business name, centred, large when it fits; its English beneath in normal size.
    pub(crate) fn business(&mut self, name: &LocalText) {
        let primary = self.primary(name);
        let style = self.big_or_bold(primary, Style::BODY.center());
        self.line(primary, style);
        if self.lang == Lang::Zh {
            self.line(&name.en, Style::BODY.center());
        }
    }

    /// A sentence that matters most after the number (how many are ahead): large when it fits.
    pub(crate) fn emphasis(&mut self, text: &LocalText) {
        let style = self.big_or_bold(self.primary(text), Style::BODY);
        self.text(text, style, Style::BODY, Fit::Beneath);
    }

    /// A list item: a bullet and a hanging indent; in Chinese, the English under the Chinese
    /// at the same indent.
    pub(crate) fn item(&mut self, text: &LocalText) {
        self.hanging("· ", text);
    }

    /// `text` after `lead`, wrapped with a hanging indent as wide as the lead; in Chinese, the
    /// English under the Chinese at the same indent.
    fn hanging(&mut self, lead: &str, text: &LocalText) {
        let cp = self.layout.code_page;
        let indent = " ".repeat(width(lead, cp));
        let columns = self.layout.columns(1).saturating_sub(indent.len());
        let texts = match self.lang {
            Lang::Zh => vec![&text.zh, &text.en],
            Lang::En => vec![&text.en],
        };
        for (n, text) in texts.into_iter().enumerate() {
            for (i, line) in wrap(text, columns, cp).into_iter().enumerate() {
                let first = if n == 0 && i == 0 { lead } else { &indent };
                self.blocks.push(Block::Line {
                    text: format!("{first}{line}"),
                    style: Style::BODY,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::example;
    use crate::text::width;
    use hallq_proto::vocab::Priority;

    fn lines(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Line { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_line_fits_the_paper_at_its_size() {
        for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
            let layout = Layout::new(paper);
            for lang in [Lang::Zh, Lang::En] {
                let mut slip = example(lang).reprinted();
                slip.priority = Priority::Care;
                for block in compose(&slip, &layout) {
                    if let Block::Line { text, style } = block {
                        let w = width(&text, layout.code_page) * usize::from(style.width);
                        assert!(w <= paper.columns(), "{paper:?} {lang:?}: {text:?} is {w}");
                    }
                }
            }
        }
    }

    #[test]
    fn chinese_comes_first_with_english_beneath() {
        let blocks = compose(&example(Lang::Zh), &Layout::new(PaperWidth::Mm80));
        let lines = lines(&blocks);
        let zh = lines.iter().position(|l| *l == "您前面还有 5 人").unwrap();
        assert_eq!(lines[zh + 1], "5 people ahead of you");
        assert!(lines.contains(&"套餐变更") && lines.contains(&"Plan change"));
    }

    #[test]
    fn an_english_ticket_has_no_chinese() {
        let blocks = compose(&example(Lang::En), &Layout::new(PaperWidth::Mm58));
        for line in lines(&blocks) {
            assert!(!line.chars().any(|c| c >= '\u{2E80}'), "{line:?}");
        }
    }

    #[test]
    fn the_number_is_the_largest_text_and_the_qr_carries_the_ticket_id() {
        let blocks = compose(&example(Lang::Zh), &Layout::new(PaperWidth::Mm58));
        let number = blocks
            .iter()
            .find_map(|b| match b {
                Block::Line { text, style } if text == "A012" => Some(*style),
                _ => None,
            })
            .unwrap();
        assert!(blocks.iter().all(|b| match b {
            Block::Line { style, .. } => style.height <= number.height,
            _ => true,
        }));
        assert!(blocks.contains(&Block::Qr {
            data: "20261123-0042".into(),
            module: 6
        }));
    }

    #[test]
    fn with_a_phone_page_the_qr_carries_its_url_and_the_id_is_still_printed() {
        let mut slip = example(Lang::Zh);
        let url = "http://192.168.10.2:8090/t/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        slip.page_url = Some(url.into());
        let blocks = compose(&slip, &Layout::new(PaperWidth::Mm58));
        assert!(blocks.contains(&Block::Qr {
            data: url.into(),
            module: 6
        }));
        let text = lines(&blocks);
        assert!(text.contains(&"20261123-0042"), "{text:?}");
        assert!(text.iter().any(|l| l.contains("扫码")), "{text:?}");
    }

    #[test]
    fn a_checked_in_ticket_says_its_booked_time_and_a_late_one_that_it_is_a_walk_ins() {
        let layout = Layout::new(PaperWidth::Mm58);
        let slip = example(Lang::Zh);
        // 10:30 in the example's Beijing hall: its issue time (09:05) plus 85 minutes.
        let start = hallq_proto::Timestamp(slip.issued_at.0 + 85 * 60_000);
        let plain = compose(&slip, &layout);
        assert!(!lines(&plain).iter().any(|l| l.contains("预约")));
        let booked = slip
            .clone()
            .with_appointment(crate::slip::Appointment { start, late: false });
        let blocks = compose(&booked, &layout);
        let text = lines(&blocks);
        assert!(text.contains(&"预约时段 10:30"), "{text:?}");
        assert!(text.contains(&"Appointment 10:30"), "{text:?}");
        let late = slip.with_appointment(crate::slip::Appointment { start, late: true });
        let text = lines(&compose(&late, &layout)).join("");
        assert!(
            text.contains("按现场取号排队") && text.contains("walk-in"),
            "{text}"
        );
        for block in compose(&late, &layout) {
            if let Block::Line { text, style } = block {
                let w = width(&text, layout.code_page) * usize::from(style.width);
                assert!(w <= layout.width.columns(), "{text:?} is {w}");
            }
        }
    }

    #[test]
    fn labels_appear_only_when_due() {
        let layout = Layout::new(PaperWidth::Mm80);
        let plain = compose(&example(Lang::Zh), &layout);
        assert!(
            !lines(&plain)
                .iter()
                .any(|l| l.contains("重打") || l.contains("优先"))
        );
        let mut slip = example(Lang::Zh).reprinted();
        slip.priority = Priority::GreenChannel;
        let marked = compose(&slip, &layout);
        let lines = lines(&marked);
        assert!(lines.contains(&" 重打 REPRINT "), "{lines:?}");
        assert!(lines.contains(&" 绿色通道 Green channel "), "{lines:?}");
    }
}
