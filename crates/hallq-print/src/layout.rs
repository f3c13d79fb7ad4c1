//! What the printer is: paper width, the code page text is sent in, and whether it cuts.
//!
//! The kiosk's firmware profile says the same in its `[printer]` block (`width_mm`, `code_page`,
//! `cutter`); [`Layout::from_profile`] takes those three values as they are written there.

use std::fmt;
use std::str::FromStr;

use crate::error::PrintError;

/// The roll of paper, which fixes the printable width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaperWidth {
    /// 58 mm paper: 48 mm printable, 384 dots at 8 dots/mm.
    Mm58,
    /// 80 mm paper: 72 mm printable, 576 dots at 8 dots/mm.
    Mm80,
}

impl PaperWidth {
    /// Dots per millimetre of the common 203 dpi thermal head.
    pub const DOTS_PER_MM: u32 = 8;
    /// Width in dots of one column of font A (12 × 24); a Chinese character takes two.
    pub const COLUMN_DOTS: u32 = 12;
    /// Height in dots of one line of font A.
    pub const LINE_DOTS: u32 = 24;

    /// The roll for a width in millimetres, as a profile writes it.
    pub fn from_mm(mm: u32) -> Result<Self, PrintError> {
        match mm {
            58 => Ok(Self::Mm58),
            80 => Ok(Self::Mm80),
            other => Err(PrintError::UnknownPaperWidth(other)),
        }
    }

    /// The paper's width in millimetres.
    pub fn mm(self) -> u32 {
        match self {
            Self::Mm58 => 58,
            Self::Mm80 => 80,
        }
    }

    /// The printable width in dots: 384 or 576.
    pub fn dots(self) -> u32 {
        match self {
            Self::Mm58 => 384,
            Self::Mm80 => 576,
        }
    }

    /// Columns per line in font A: 32 or 48 (a Chinese character takes two).
    pub fn columns(self) -> usize {
        (self.dots() / Self::COLUMN_DOTS) as usize
    }
}

/// The character table text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CodePage {
    /// GB18030 in the printer's Chinese character mode (`FS &`): every Chinese character, ASCII
    /// as itself. What the hall's printers use (the profiles' `code_page = "gb18030"`).
    #[default]
    Gb18030,
    /// IBM code page 437 (`ESC t 0`), for a printer without Chinese fonts: ASCII and a few
    /// accented letters; Chinese prints as `?`. Useful only with English tickets.
    Cp437,
}

/// The upper half (0x80–0xFF) of code page 437, in byte order.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

impl CodePage {
    /// The names accepted by [`FromStr`], one per code page, as profiles write them.
    pub const NAMES: [&'static str; 2] = ["gb18030", "cp437"];

    /// The code page's name, as profiles write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gb18030 => "gb18030",
            Self::Cp437 => "cp437",
        }
    }

    /// Whether the printer must be in Chinese character mode (`FS &`) for this code page.
    pub fn chinese_mode(self) -> bool {
        matches!(self, Self::Gb18030)
    }

    /// The `ESC t n` table number for single-byte characters. In Chinese mode the printer reads
    /// bytes ≥ 0x80 as GB18030 instead, so only ASCII comes from this table (table 0 has it).
    pub fn table(self) -> u8 {
        0
    }

    /// `text` in this code page. A character it cannot carry becomes `?`, so one bad character
    /// never stops a ticket from printing; control characters become spaces, so text from
    /// configuration can never smuggle a printer command.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        match self {
            Self::Gb18030 => encoding_rs::GB18030.encode(&clean).0.into_owned(),
            Self::Cp437 => clean.chars().map(cp437_byte).collect(),
        }
    }

    /// The text that `bytes` carry in this code page (undecodable bytes become U+FFFD).
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Self::Gb18030 => encoding_rs::GB18030
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            Self::Cp437 => bytes
                .iter()
                .map(|&b| {
                    if b < 0x80 {
                        char::from(b)
                    } else {
                        CP437_HIGH
                            .chars()
                            .nth(usize::from(b - 0x80))
                            .unwrap_or('\u{fffd}')
                    }
                })
                .collect(),
        }
    }

    /// How many font A columns `c` takes on paper. In Chinese mode the printer draws every
    /// multi-byte character from its 24 × 24 font (two columns) and every ASCII byte from the
    /// 12 × 24 font (one): the width follows the bytes, not Unicode's East Asian width.
    pub fn char_width(self, c: char) -> usize {
        match self {
            Self::Gb18030 if !c.is_ascii() => 2,
            _ => 1,
        }
    }
}

fn cp437_byte(c: char) -> u8 {
    if c.is_ascii() {
        return c as u8;
    }
    CP437_HIGH
        .chars()
        .position(|h| h == c)
        .and_then(|i| u8::try_from(0x80 + i).ok())
        .unwrap_or(b'?')
}

impl FromStr for CodePage {
    type Err = PrintError;

    /// Accepts `gb18030` and `cp437` (also `ibm437`, `pc437`), in any case.
    fn from_str(s: &str) -> Result<Self, PrintError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gb18030" | "gb-18030" => Ok(Self::Gb18030),
            "cp437" | "ibm437" | "pc437" => Ok(Self::Cp437),
            _ => Err(PrintError::UnknownCodePage(s.to_owned())),
        }
    }
}

impl fmt::Display for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything about the printer that changes the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Layout {
    /// The paper roll: it sets the columns per line and the sizes of the number and QR code.
    pub width: PaperWidth,
    /// How text is encoded, and whether Chinese mode is entered.
    pub code_page: CodePage,
    /// Whether the printer cuts the ticket off; without a cutter the ticket is fed past the tear
    /// bar instead.
    pub cutter: bool,
}

impl Layout {
    /// A GB18030 printer with a cutter on `width` paper: the hall's usual printer.
    pub fn new(width: PaperWidth) -> Self {
        Self {
            width,
            code_page: CodePage::Gb18030,
            cutter: true,
        }
    }

    /// The layout for a profile's `[printer]` block: `width_mm`, `code_page`, `cutter`.
    pub fn from_profile(width_mm: u32, code_page: &str, cutter: bool) -> Result<Self, PrintError> {
        Ok(Self {
            width: PaperWidth::from_mm(width_mm)?,
            code_page: code_page.parse()?,
            cutter,
        })
    }

    /// Columns per line in font A at `scale` times the normal width.
    pub fn columns(&self, scale: u8) -> usize {
        self.width.columns() / usize::from(scale.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_widths_give_the_font_a_columns_of_the_profiles() {
        assert_eq!(
            (PaperWidth::Mm58.dots(), PaperWidth::Mm58.columns()),
            (384, 32)
        );
        assert_eq!(
            (PaperWidth::Mm80.dots(), PaperWidth::Mm80.columns()),
            (576, 48)
        );
        assert!(matches!(
            PaperWidth::from_mm(76),
            Err(PrintError::UnknownPaperWidth(76))
        ));
    }

    #[test]
    fn profile_code_page_names_are_accepted_and_unknown_ones_refused_clearly() {
        assert_eq!("gb18030".parse::<CodePage>().unwrap(), CodePage::Gb18030);
        assert_eq!("GB18030".parse::<CodePage>().unwrap(), CodePage::Gb18030);
        assert_eq!("CP437".parse::<CodePage>().unwrap(), CodePage::Cp437);
        let err = "big5".parse::<CodePage>().unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("未知的代码页") && text.contains("unknown code page \"big5\""),
            "{text}"
        );
        assert!(text.contains("gb18030, cp437"), "{text}");
        let layout = Layout::from_profile(58, "gb18030", false).unwrap();
        assert_eq!(layout.width, PaperWidth::Mm58);
        assert!(!layout.cutter);
    }

    #[test]
    fn gb18030_round_trips_chinese_and_ascii() {
        let text = "套餐变更 Plan change A012 ·—€𠀀";
        let bytes = CodePage::Gb18030.encode(text);
        assert_eq!(&bytes[..4], &[0xCC, 0xD7, 0xB2, 0xCD], "套餐 in GB18030");
        assert_eq!(CodePage::Gb18030.decode(&bytes), text);
    }

    #[test]
    fn control_characters_never_reach_the_printer() {
        let bytes = CodePage::Gb18030.encode("A\x1b@\x1dV");
        assert_eq!(bytes, b"A @ V");
    }

    #[test]
    fn cp437_carries_its_table_and_marks_the_rest() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
        assert_eq!(CodePage::Cp437.encode("Café ½ 中"), b"Caf\x82 \xab ?");
        assert_eq!(CodePage::Cp437.decode(b"Caf\x82 \xab"), "Café ½");
    }

    #[test]
    fn width_follows_the_bytes_the_printer_gets() {
        assert_eq!(CodePage::Gb18030.char_width('中'), 2);
        assert_eq!(CodePage::Gb18030.char_width('·'), 2);
        assert_eq!(CodePage::Gb18030.char_width('A'), 1);
        assert_eq!(CodePage::Cp437.char_width('中'), 1);
    }
}
