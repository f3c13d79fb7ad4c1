//! Blocks to ESC/POS bytes.
//!
//! The printer's modes (alignment, emphasis, size, reverse) persist until changed, so the
//! encoder keeps the modes in force and sends a command only when a line needs another.

use crate::compose::{Align, Block, Style, compose};
use crate::escpos::{ESC, FS, GS, LF, QrEcc};
use crate::layout::Layout;
use crate::slip::TicketSlip;

/// Extra feed in motion units before the partial cut, past the cutter's own offset: a small
/// white margin under the footer.
const CUT_FEED: u8 = 16;

/// Lines fed after the ticket when there is no cutter, so the last line clears the tear bar.
const TEAR_FEED: u8 = 5;

/// The ESC/POS bytes that print `slip` on `layout`'s printer, from initialisation to the cut.
pub fn encode(slip: &TicketSlip, layout: &Layout) -> Vec<u8> {
    encode_blocks(&compose(slip, layout), layout)
}

/// The ESC/POS bytes for already composed blocks: initialise, set the code page, print each
/// block, then cut (or feed to the tear bar).
pub fn encode_blocks(blocks: &[Block], layout: &Layout) -> Vec<u8> {
    let mut out = Encoder {
        layout,
        bytes: Vec::with_capacity(1024),
        style: Style::BODY,
    };
    out.bytes.extend_from_slice(&[ESC, b'@']);
    if layout.code_page.chinese_mode() {
        out.bytes.extend_from_slice(&[FS, b'&']);
    } else {
        out.bytes.extend_from_slice(&[FS, b'.']);
    }
    out.bytes
        .extend_from_slice(&[ESC, b't', layout.code_page.table()]);

    for block in blocks {
        match block {
            Block::Line { text, style } => {
                out.set(*style);
                out.text(text);
                out.bytes.push(LF);
            }
            Block::Rule => {
                out.set(Style::BODY);
                let rule = '─';
                let count = layout.width.columns() / layout.code_page.char_width(rule);
                out.text(&rule.to_string().repeat(count));
                out.bytes.push(LF);
            }
            Block::Blank => {
                out.set(Style::BODY);
                out.bytes.push(LF);
            }
            Block::Qr { data, module } => {
                out.set(Style {
                    align: Align::Center,
                    ..Style::BODY
                });
                out.bytes.extend(qr(data.as_bytes(), *module, QrEcc::M));
            }
        }
    }

    out.set(Style::BODY);
    if layout.cutter {
        out.bytes.extend_from_slice(&[ESC, b'd', 1]);
        out.bytes.extend_from_slice(&[GS, b'V', 66, CUT_FEED]);
    } else {
        out.bytes.extend_from_slice(&[ESC, b'd', TEAR_FEED]);
    }
    out.bytes
}

/// The bytes being written and the printer modes they leave in force.
struct Encoder<'a> {
    layout: &'a Layout,
    bytes: Vec<u8>,
    style: Style,
}

impl Encoder<'_> {
    /// Sends the commands that change the modes in force to `style`.
    fn set(&mut self, style: Style) {
        let was = self.style;
        if style.align != was.align {
            let n = match style.align {
                Align::Left => 0,
                Align::Center => 1,
                Align::Right => 2,
            };
            self.bytes.extend_from_slice(&[ESC, b'a', n]);
        }
        if style.bold != was.bold {
            self.bytes
                .extend_from_slice(&[ESC, b'E', u8::from(style.bold)]);
        }
        if style.reverse != was.reverse {
            self.bytes
                .extend_from_slice(&[GS, b'B', u8::from(style.reverse)]);
        }
        if (style.width, style.height) != (was.width, was.height) {
            self.bytes
                .extend_from_slice(&[GS, b'!', size_byte(style.width, style.height)]);
        }
        self.style = style;
    }

    fn text(&mut self, text: &str) {
        self.bytes.extend(self.layout.code_page.encode(text));
    }
}

/// The `GS !` parameter: width multiplier − 1 in bits 4–6, height multiplier − 1 in bits 0–2.
fn size_byte(width: u8, height: u8) -> u8 {
    let w = width.clamp(1, 8) - 1;
    let h = height.clamp(1, 8) - 1;
    (w << 4) | h
}

/// One `GS ( k` command for a QR code (cn = 49): `fn_` and its parameters.
fn qr_function(fn_: u8, params: &[u8]) -> Vec<u8> {
    let len = params.len() + 2;
    let (pl, ph) = ((len & 0xFF) as u8, ((len >> 8) & 0xFF) as u8);
    let mut out = vec![GS, b'(', b'k', pl, ph, 49, fn_];
    out.extend_from_slice(params);
    out
}

/// The QR code sequence: model 2 (function 165), module size (167), error correction (169),
/// store the payload (180), print it (181). The printer picks the smallest version that holds
/// the payload.
fn qr(data: &[u8], module: u8, ecc: QrEcc) -> Vec<u8> {
    let mut out = qr_function(65, &[50, 0]);
    out.extend(qr_function(67, &[module.clamp(1, 16)]));
    out.extend(qr_function(69, &[ecc.byte()]));
    // A store holds at most 7089 bytes; a ticket id is at most 64.
    let mut store = vec![48];
    store.extend_from_slice(&data[..data.len().min(7089)]);
    out.extend(qr_function(80, &store));
    out.extend(qr_function(81, &[48]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{CodePage, PaperWidth};
    use crate::slip::example;
    use hallq_proto::vocab::Lang;

    #[test]
    fn qr_commands_are_model_2_size_ecc_m_store_and_print() {
        let bytes = qr(b"20261123-0042", 6, QrEcc::M);
        let expected: Vec<u8> = [
            &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00][..],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31],
            &[0x1D, 0x28, 0x6B, 16, 0x00, 0x31, 0x50, 0x30],
            b"20261123-0042",
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30],
        ]
        .concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn a_long_qr_payload_sets_the_high_length_byte() {
        let bytes = qr(&[b'x'; 300], 8, QrEcc::M);
        let store = bytes
            .windows(7)
            .position(|w| w[..3] == [GS, b'(', b'k'] && w[5..] == [49, 80])
            .unwrap();
        assert_eq!(&bytes[store + 3..store + 5], &[(303 % 256) as u8, 1]);
    }

    #[test]
    fn size_byte_puts_width_high_and_height_low() {
        assert_eq!(size_byte(1, 1), 0x00);
        assert_eq!(size_byte(2, 2), 0x11);
        assert_eq!(size_byte(3, 3), 0x22);
        assert_eq!(size_byte(1, 2), 0x01);
        assert_eq!(size_byte(9, 0), 0x70);
    }

    #[test]
    fn a_ticket_starts_with_init_and_chinese_mode_and_ends_with_a_partial_cut() {
        let bytes = encode(&example(Lang::Zh), &Layout::new(PaperWidth::Mm80));
        assert_eq!(&bytes[..7], &[ESC, b'@', FS, b'&', ESC, b't', 0]);
        assert_eq!(&bytes[bytes.len() - 4..], &[GS, b'V', 66, CUT_FEED]);
        // 套餐变更 in GB18030 is in there, and no UTF-8 of it.
        let gb = CodePage::Gb18030.encode("套餐变更");
        assert!(bytes.windows(gb.len()).any(|w| w == gb));
        assert!(!bytes.windows(3).any(|w| w == "套".as_bytes()));
    }

    #[test]
    fn without_a_cutter_the_ticket_is_fed_to_the_tear_bar() {
        let layout = Layout::from_profile(58, "gb18030", false).unwrap();
        let bytes = encode(&example(Lang::Zh), &layout);
        assert_eq!(&bytes[bytes.len() - 3..], &[ESC, b'd', TEAR_FEED]);
        assert!(!bytes.windows(2).any(|w| w == [GS, b'V']));
    }

    #[test]
    fn a_cp437_printer_leaves_chinese_mode() {
        let layout = Layout {
            code_page: CodePage::Cp437,
            ..Layout::new(PaperWidth::Mm58)
        };
        let bytes = encode(&example(Lang::En), &layout);
        assert_eq!(&bytes[..7], &[ESC, b'@', FS, b'.', ESC, b't', 0]);
    }
}
