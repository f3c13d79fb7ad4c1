//! A picture of the ticket as the paper would show it: decoded ops drawn dot for dot at 8 dots
//! per millimetre, in black and white, and written as a 1-bit PNG.
//!
//! The preview follows the printer's rules, not a word processor's: characters sit in fixed
//! cells (12 × 24 dots for ASCII, 24 × 24 for Chinese in Chinese mode, times the size
//! multipliers), a line is as tall as its tallest character or the 30-dot line spacing,
//! alignment moves whole lines, a full line wraps by itself, and the paper ends at the cut.
//! Text comes from a real CJK font ([`CjkFont`]); the QR code from the `qrcode` crate with the
//! error correction the bytes asked for, which picks the same smallest version as the printer.

mod font;

pub use font::{CjkFont, SEARCH};

use qrcode::{Color, EcLevel, QrCode};

use crate::compose::Align;
use crate::error::PrintError;
use crate::escpos::{Op, QrEcc};
use crate::layout::PaperWidth;
use font::Cell;

/// Default line spacing (`ESC 2`) in dots: a line shorter than this is fed this far.
const LINE_SPACING: u32 = 30;
/// White paper above the first line, in dots.
const TOP_MARGIN: u32 = 16;

/// A black-and-white picture of the paper, the unprinted margins included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    width: u32,
    height: u32,
    /// Row by row; `true` is black.
    dots: Vec<bool>,
}

impl Raster {
    fn new(width: u32) -> Self {
        Self {
            width,
            height: 0,
            dots: Vec::new(),
        }
    }

    /// Width in dots (the whole paper, 8 dots per millimetre).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in dots.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Whether the dot at (`x`, `y`) is black; outside the picture it is white.
    pub fn is_black(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.dots[(y * self.width + x) as usize]
    }

    /// How many black dots row `y` has.
    pub fn ink_in_row(&self, y: u32) -> usize {
        (0..self.width).filter(|&x| self.is_black(x, y)).count()
    }

    fn grow(&mut self, height: u32) {
        if height > self.height {
            self.height = height;
            self.dots.resize((self.width * height) as usize, false);
        }
    }

    fn set(&mut self, x: i64, y: i64, black: bool) {
        let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
            return;
        };
        if x < self.width {
            self.grow(y + 1);
            self.dots[(y * self.width + x) as usize] = black;
        }
    }

    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32, black: bool) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(i64::from(xx), i64::from(yy), black);
            }
        }
    }

    /// The picture as a 1-bit greyscale PNG.
    pub fn to_png(&self) -> Result<Vec<u8>, PrintError> {
        let row_bytes = self.width.div_ceil(8) as usize;
        let mut packed = vec![0xFF_u8; row_bytes * self.height as usize];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.is_black(x, y) {
                    packed[y as usize * row_bytes + (x / 8) as usize] &= !(0x80 >> (x % 8));
                }
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height.max(1));
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let png_error = |e: png::EncodingError| PrintError::Png(e.to_string());
        let mut writer = encoder.write_header().map_err(png_error)?;
        if self.height == 0 {
            packed = vec![0xFF; row_bytes];
        }
        writer.write_image_data(&packed).map_err(png_error)?;
        writer.finish().map_err(png_error)?;
        Ok(out)
    }
}

/// `ops` as a PNG of `width` paper, drawn with the first CJK font found on this system.
pub fn png(ops: &[Op], width: PaperWidth) -> Result<Vec<u8>, PrintError> {
    let font = CjkFont::find()?;
    raster(ops, width, &font).to_png()
}

/// `ops` drawn on `width` paper with `font`.
pub fn raster(ops: &[Op], width: PaperWidth, font: &CjkFont) -> Raster {
    let paper = width.mm() * PaperWidth::DOTS_PER_MM;
    let mut head = Head {
        font,
        raster: Raster::new(paper),
        margin: (paper - width.dots()) / 2,
        printable: width.dots(),
        y: TOP_MARGIN,
        line: Vec::new(),
        line_width: 0,
        modes: Modes::default(),
        chinese: false,
        cuts: Vec::new(),
    };
    for op in ops {
        head.apply(op);
    }
    head.end_line();
    let Head {
        mut raster,
        y,
        cuts,
        ..
    } = head;
    // The paper ends at the last cut when nothing was printed after it; earlier cuts (several
    // tickets in one stream) show as dashed lines.
    let end = match cuts.last() {
        Some(&cut) if cut >= y => cut,
        _ => y,
    };
    raster.grow(end);
    raster.height = end;
    raster.dots.truncate((raster.width * end) as usize);
    for &cut in cuts.iter().filter(|&&c| c < end) {
        for x in (0..raster.width).filter(|x| x % 16 < 8) {
            raster.set(i64::from(x), i64::from(cut), true);
        }
    }
    raster
}

/// The print modes in force, as `ESC @` leaves them.
#[derive(Debug, Clone, Copy)]
struct Modes {
    align: Align,
    bold: bool,
    reverse: bool,
    w: u8,
    h: u8,
}

impl Default for Modes {
    fn default() -> Self {
        Self {
            align: Align::Left,
            bold: false,
            reverse: false,
            w: 1,
            h: 1,
        }
    }
}

/// A character waiting in the line buffer.
#[derive(Debug, Clone, Copy)]
struct Pending {
    c: char,
    columns: u32,
    modes: Modes,
}

/// The print head: the line buffer and where the paper is.
struct Head<'a> {
    font: &'a CjkFont,
    raster: Raster,
    /// Unprinted paper left of the printable area.
    margin: u32,
    printable: u32,
    /// Top of the next line.
    y: u32,
    line: Vec<Pending>,
    line_width: u32,
    modes: Modes,
    chinese: bool,
    cuts: Vec<u32>,
}

impl Head<'_> {
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Init => self.modes = Modes::default(),
            Op::ChineseMode(on) => self.chinese = *on,
            Op::Align(a) => self.modes.align = *a,
            Op::Bold(b) => self.modes.bold = *b,
            Op::Reverse(r) => self.modes.reverse = *r,
            Op::Size { w, h } => {
                self.modes.w = (*w).clamp(1, 8);
                self.modes.h = (*h).clamp(1, 8);
            }
            Op::Text(text) => {
                for c in text.chars() {
                    self.push(c);
                }
            }
            Op::LineFeed => self.feed_line(),
            Op::Feed(n) => {
                for _ in 0..(*n).max(1) {
                    self.feed_line();
                }
            }
            Op::Qr { data, module, ecc } => {
                self.end_line();
                self.qr(data, u32::from(*module).max(1), *ecc);
            }
            Op::Cut { feed, .. } => {
                self.end_line();
                self.y += u32::from(*feed);
                self.cuts.push(self.y);
            }
            Op::CodeTable(_) | Op::Unknown(_) => {}
        }
    }

    fn push(&mut self, c: char) {
        let columns = if self.chinese && !c.is_ascii() { 2 } else { 1 };
        let width = columns * PaperWidth::COLUMN_DOTS * u32::from(self.modes.w);
        if self.line_width + width > self.printable {
            // A full line prints by itself, as the printer does.
            self.feed_line();
        }
        self.line.push(Pending {
            c,
            columns,
            modes: self.modes,
        });
        self.line_width += width;
    }

    /// Feeds past what is in the line buffer, if anything: a QR code or a cut starts a line.
    fn end_line(&mut self) {
        if !self.line.is_empty() {
            self.feed_line();
        }
    }

    /// Prints the line buffer and feeds: by the tallest character, at least the line spacing.
    fn feed_line(&mut self) {
        let height = self.flush();
        self.y += height.max(LINE_SPACING);
    }

    /// Prints the line buffer without feeding past it; returns the line's height (0 if empty).
    fn flush(&mut self) -> u32 {
        if self.line.is_empty() {
            return 0;
        }
        let line = std::mem::take(&mut self.line);
        let width = std::mem::take(&mut self.line_width);
        let height = line
            .iter()
            .map(|p| PaperWidth::LINE_DOTS * u32::from(p.modes.h))
            .max()
            .unwrap_or(PaperWidth::LINE_DOTS);
        let mut x = self.margin + self.offset(width);
        for p in line {
            let (w, h) = (u32::from(p.modes.w), u32::from(p.modes.h));
            let cell_w = p.columns * PaperWidth::COLUMN_DOTS * w;
            let cell_h = PaperWidth::LINE_DOTS * h;
            // Characters of one line share the bottom, like the printer's baseline.
            let top = self.y + height - cell_h;
            if p.modes.reverse {
                self.raster.fill(x, top, cell_w, cell_h, true);
            }
            let cell = Cell {
                x,
                y: top,
                columns: p.columns,
                w,
                h,
                head: (self.margin, self.margin + self.printable),
            };
            self.font
                .draw(&mut self.raster, p.c, cell, !p.modes.reverse, p.modes.bold);
            x += cell_w;
        }
        self.raster.grow(self.y + height);
        height
    }

    /// Left offset within the printable area of something `width` dots wide.
    fn offset(&self, width: u32) -> u32 {
        let room = self.printable.saturating_sub(width);
        match self.modes.align {
            Align::Left => 0,
            Align::Center => room / 2,
            Align::Right => room,
        }
    }

    fn qr(&mut self, data: &str, module: u32, ecc: QrEcc) {
        let level = match ecc {
            QrEcc::L => EcLevel::L,
            QrEcc::M => EcLevel::M,
            QrEcc::Q => EcLevel::Q,
            QrEcc::H => EcLevel::H,
        };
        let Ok(code) = QrCode::with_error_correction_level(data.as_bytes(), level) else {
            // The printer prints nothing for a payload it cannot encode; so does the preview.
            return;
        };
        let modules = code.width() as u32;
        let size = modules * module;
        let x0 = self.margin + self.offset(size);
        for (i, color) in code.to_colors().into_iter().enumerate() {
            if color == Color::Dark {
                let (mx, my) = (i as u32 % modules, i as u32 / modules);
                self.raster
                    .fill(x0 + mx * module, self.y + my * module, module, module, true);
            }
        }
        self.y += size;
        self.raster.grow(self.y);
    }
}

/// The dark modules of `data`'s QR code (error correction M, as printed), row by row, with the
/// code's width in modules; `None` for a payload too long to encode. For a screen that draws the
/// ticket's code itself (the kiosk's ticket screen).
pub fn qr_modules(data: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Some((code.width(), dark))
}
