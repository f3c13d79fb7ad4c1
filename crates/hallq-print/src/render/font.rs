//! The CJK font the preview draws with, standing in for the printer's built-in 24 × 24 Chinese
//! and 12 × 24 ASCII fonts.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};

use crate::error::PrintError;
use crate::render::Raster;

/// Where Debian, Ubuntu, Fedora and Arch put the common CJK fonts, with the face to use in each
/// collection (a monospaced face when there is one, like the printer's own fonts).
pub const SEARCH: [(&str, u32); 6] = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 1),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 1),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 1),
    ("/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc", 1),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
];

/// Share of a 24-dot cell that the font's em square takes: printer fonts leave a dot or two
/// between characters.
const EM: f32 = 0.92;
/// Where the baseline sits in a cell, from its top, as a share of the cell's height.
const BASELINE: f32 = 0.86;
/// Coverage above which an antialiased pixel is black: thermal paper has no grey.
const INK: f32 = 0.45;

/// A loaded CJK font.
#[derive(Debug)]
pub struct CjkFont {
    font: FontVec,
    /// The file it came from, for messages.
    path: PathBuf,
}

/// One character cell on paper, in dots.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    pub(crate) x: u32,
    pub(crate) y: u32,
    /// Font A columns: 1 for ASCII, 2 for Chinese.
    pub(crate) columns: u32,
    /// Width multiplier.
    pub(crate) w: u32,
    /// Height multiplier.
    pub(crate) h: u32,
    /// The print head's dots, left edge included, right edge excluded: nothing is drawn
    /// outside them, as the paper's margins are never printed.
    pub(crate) head: (u32, u32),
}

impl CjkFont {
    /// The first font of [`SEARCH`] that is installed.
    pub fn find() -> Result<Self, PrintError> {
        for (path, index) in SEARCH {
            if Path::new(path).is_file() {
                return Self::load(Path::new(path), index);
            }
        }
        Err(PrintError::NoCjkFont)
    }

    /// Face `index` of the font file at `path` (0 for a plain `.ttf`; a collection falls back to
    /// its first face when it has no face `index`).
    pub fn load(path: &Path, index: u32) -> Result<Self, PrintError> {
        let fail = |reason: String| PrintError::Font {
            path: path.display().to_string(),
            reason,
        };
        let data = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let font = FontVec::try_from_vec_and_index(data.clone(), index)
            .or_else(|_| FontVec::try_from_vec_and_index(data, 0))
            .map_err(|e| fail(e.to_string()))?;
        if font.glyph_id('中').0 == 0 {
            return Err(fail("no Chinese characters in this font".into()));
        }
        Ok(Self {
            font,
            path: path.to_owned(),
        })
    }

    /// The font file in use.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Draws `c` into `cell` of `raster`, black or (`ink == false`) white; `bold` strikes it
    /// twice, a dot apart per width multiplier, as the printer's emphasis does.
    pub(crate) fn draw(&self, raster: &mut Raster, c: char, cell: Cell, ink: bool, bold: bool) {
        let units = self.font.units_per_em().unwrap_or(1000.0);
        let ratio = self.font.height_unscaled() / units;
        let id = self.font.glyph_id(c);
        let cell_w = (12 * cell.columns * cell.w) as f32;
        let em_y = (24 * cell.h) as f32 * EM;
        let mut scale = PxScale {
            x: (24 * cell.w) as f32 * EM * ratio,
            y: em_y * ratio,
        };
        // Box-drawing characters are stretched to fill their cell, so a rule of them is one
        // unbroken line, as in the printer's font.
        let unscaled_advance = self.font.h_advance_unscaled(id);
        if ('\u{2500}'..='\u{257F}').contains(&c) && unscaled_advance > 0.0 {
            scale.x = cell_w * 1.02 * self.font.height_unscaled() / unscaled_advance;
        }
        let scaled = self.font.as_scaled(scale);
        let advance = scaled.h_advance(id);
        let x0 = cell.x as f32 + (cell_w - advance) / 2.0;
        let baseline = cell.y as f32 + (24 * cell.h) as f32 * BASELINE;
        let strikes = if bold { 1 + cell.w.max(1) } else { 1 };
        for dx in 0..strikes {
            let glyph = id.with_scale_and_position(scale, point(x0 + dx as f32, baseline));
            let Some(outlined) = self.font.outline_glyph(glyph) else {
                return;
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let x = bounds.min.x as i64 + i64::from(gx);
                let y = bounds.min.y as i64 + i64::from(gy);
                let on_head = i64::from(cell.head.0) <= x && x < i64::from(cell.head.1);
                if coverage > INK && on_head {
                    raster.set(x, y, ink);
                }
            });
        }
    }
}
