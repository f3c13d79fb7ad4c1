//! ESC/POS, the command language of thermal receipt printers: the subset a ticket needs.
//!
//! [`encode`] turns a slip into bytes; [`decode`] reads such bytes back into typed [`Op`]s.
//! Decoding is how the tests check what reaches the paper (the number, the Chinese business
//! name, the QR payload, the cut) and what the PNG preview draws, so it interprets exactly the
//! commands `encode` emits and steps over other well-known commands as [`Op::Unknown`].
//!
//! | command | bytes | op |
//! |---|---|---|
//! | initialise | `ESC @` | [`Op::Init`] |
//! | character table | `ESC t n` | [`Op::CodeTable`] |
//! | Chinese mode on / off | `FS &` / `FS .` | [`Op::ChineseMode`] |
//! | alignment | `ESC a n` | [`Op::Align`] |
//! | emphasis | `ESC E n` | [`Op::Bold`] |
//! | white on black | `GS B n` | [`Op::Reverse`] |
//! | character size | `GS ! n` | [`Op::Size`] |
//! | text | bytes ≥ 0x20 in the code page | [`Op::Text`] |
//! | print and feed a line | `LF` | [`Op::LineFeed`] |
//! | print and feed n lines | `ESC d n` | [`Op::Feed`] |
//! | QR code: model 2, module size, error correction, store, print | `GS ( k` | [`Op::Qr`] |
//! | feed and cut | `GS V m [n]` | [`Op::Cut`] |

mod decode;
mod encode;

pub use decode::{DecodeError, decode, texts};
pub use encode::{encode, encode_blocks};

use crate::compose::Align;

/// Escape: starts most commands.
pub const ESC: u8 = 0x1B;
/// Group separator: starts the size, cut, graphics and QR commands.
pub const GS: u8 = 0x1D;
/// File separator: starts the Chinese-mode commands.
pub const FS: u8 = 0x1C;
/// Data link escape: starts the real-time status request.
pub const DLE: u8 = 0x10;
/// End of transmission: `DLE EOT n` asks for status `n`.
pub const EOT: u8 = 0x04;
/// Line feed: prints the line buffer and feeds one line.
pub const LF: u8 = 0x0A;

/// Error correction of a QR code: how much of it may be smudged and still scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrEcc {
    /// About 7 %.
    L,
    /// About 15 %: the ticket's choice, as thermal paper scuffs in a pocket.
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

impl QrEcc {
    /// The `GS ( k` function 169 parameter (48–51).
    pub fn byte(self) -> u8 {
        match self {
            Self::L => 48,
            Self::M => 49,
            Self::Q => 50,
            Self::H => 51,
        }
    }

    /// The level a parameter byte selects (48–51; anything else is L, the printer's default).
    pub fn from_byte(b: u8) -> Self {
        match b {
            49 => Self::M,
            50 => Self::Q,
            51 => Self::H,
            _ => Self::L,
        }
    }
}

/// One decoded printer operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `ESC @`: reset the printer's modes.
    Init,
    /// `ESC t n`: the single-byte character table.
    CodeTable(u8),
    /// `FS &` (on) or `FS .` (off): read bytes ≥ 0x80 as GB18030 Chinese.
    ChineseMode(bool),
    /// `ESC a n`: alignment of the lines that follow.
    Align(Align),
    /// `ESC E n`: emphasis.
    Bold(bool),
    /// `GS B n`: white on black.
    Reverse(bool),
    /// `GS ! n`: character size multipliers, 1–8 each.
    Size {
        /// Width multiplier.
        w: u8,
        /// Height multiplier.
        h: u8,
    },
    /// Printable text, decoded from the code page in force.
    Text(String),
    /// `LF`: print the line and feed one line.
    LineFeed,
    /// `ESC d n`: print the line and feed `n` lines.
    Feed(u8),
    /// `GS ( k` function 181: print the QR code stored before.
    Qr {
        /// The stored payload.
        data: String,
        /// Module size in dots (function 167; 3 unless set).
        module: u8,
        /// Error correction (function 169; L unless set).
        ecc: QrEcc,
    },
    /// `GS V`: cut the paper.
    Cut {
        /// Partial cut (a tab left so the ticket does not fall) rather than full.
        partial: bool,
        /// Extra feed before the cut, in motion units (0 for the forms without one).
        feed: u8,
    },
    /// A well-formed command this interpreter does not act on, or a stray control byte: the
    /// bytes, so a test can still see it.
    Unknown(Vec<u8>),
}
