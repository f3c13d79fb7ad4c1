//! The PNG preview follows the printer's rules: fixed cells, wrapping at the paper's edge, QR
//! modules of the size asked for, white on black, and paper that ends at the cut.
//!
//! These tests draw with the system's CJK font; without one they fail with the message that
//! says which package to install.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_print::compose::Align;
use hallq_print::escpos::{self, Op, QrEcc};
use hallq_print::render::{self, CjkFont, Raster};
use hallq_print::slip::example;
use hallq_print::{Layout, PaperWidth};
use hallq_proto::vocab::Lang;

fn font() -> CjkFont {
    CjkFont::find().unwrap_or_else(|e| panic!("{e}"))
}

/// The columns (x) that have any black dot.
fn inked_columns(r: &Raster) -> Vec<u32> {
    (0..r.width())
        .filter(|&x| (0..r.height()).any(|y| r.is_black(x, y)))
        .collect()
}

#[test]
fn the_sample_tickets_draw_inside_the_printable_area_and_end_at_the_cut() {
    let font = font();
    for (paper, width, margin) in [(PaperWidth::Mm58, 464, 40), (PaperWidth::Mm80, 640, 32)] {
        let bytes = escpos::encode(&example(Lang::Zh), &Layout::new(paper));
        let raster = render::raster(&escpos::decode(&bytes).unwrap(), paper, &font);
        assert_eq!(raster.width(), width);
        let inked = inked_columns(&raster);
        assert!(
            inked.first().is_some_and(|&x| x >= margin),
            "{paper:?} ink left of the head"
        );
        assert!(
            inked.last().is_some_and(|&x| x < width - margin),
            "{paper:?} ink right of the head"
        );
        // The last line of the footer, then the feed before the cut: blank paper at the end.
        let last_ink = (0..raster.height())
            .rev()
            .find(|&y| raster.ink_in_row(y) > 0)
            .unwrap();
        assert!(
            raster.height() - last_ink > 16,
            "{paper:?}: the paper runs on past the text"
        );
        assert!(
            raster.height() < 1600,
            "{paper:?}: {} dots is not a ticket",
            raster.height()
        );
    }
}

#[test]
fn a_full_line_wraps_by_itself_and_the_paper_ends_at_the_cut() {
    let font = font();
    // A line of `n` characters, fed and cut.
    let paper = |n: usize| {
        render::raster(
            &[
                Op::Text("x".repeat(n)),
                Op::LineFeed,
                Op::Cut {
                    partial: true,
                    feed: 16,
                },
            ],
            PaperWidth::Mm58,
            &font,
        )
    };
    let (one, two) = (paper(32), paper(33));
    assert_eq!(two.height() - one.height(), 30, "one more line of 30 dots");
}

#[test]
fn chinese_takes_a_double_cell_and_ascii_a_single_one() {
    let font = font();
    let ink_width = |text: &str| {
        let ops = [Op::ChineseMode(true), Op::Text(text.into()), Op::LineFeed];
        let inked = inked_columns(&render::raster(&ops, PaperWidth::Mm58, &font));
        inked.last().unwrap() - inked.first().unwrap() + 1
    };
    let chinese = ink_width("中中中中");
    let ascii = ink_width("HHHH");
    assert!((80..=96).contains(&chinese), "four 24-dot cells: {chinese}");
    assert!((38..=48).contains(&ascii), "four 12-dot cells: {ascii}");
}

#[test]
fn the_qr_code_has_the_asked_module_size_and_is_centred() {
    let font = font();
    let ops = [
        Op::Align(Align::Center),
        Op::Qr {
            data: "20261123-0042".into(),
            module: 6,
            ecc: QrEcc::M,
        },
    ];
    let r = render::raster(&ops, PaperWidth::Mm58, &font);
    let inked = inked_columns(&r);
    let (left, right) = (inked[0], *inked.last().unwrap());
    assert_eq!(right - left + 1, 21 * 6, "version 1: 21 modules of 6 dots");
    assert_eq!(left - 40, 384 - (right - 40 + 1), "centred on the head");
    // The top-left finder pattern: its top edge is 7 black modules in a row.
    let top = (0..r.height()).find(|&y| r.ink_in_row(y) > 0).unwrap();
    assert!((left..left + 42).all(|x| r.is_black(x, top)));
    assert!(!r.is_black(left + 42, top + 6 * 3));
}

#[test]
fn reverse_text_is_white_on_a_black_cell() {
    let font = font();
    let ops = [Op::Reverse(true), Op::Text("  ".into()), Op::LineFeed];
    let r = render::raster(&ops, PaperWidth::Mm58, &font);
    let top = (0..r.height()).find(|&y| r.ink_in_row(y) > 0).unwrap();
    for y in top..top + 24 {
        assert_eq!(r.ink_in_row(y), 24, "two blank 12-dot cells, solid black");
    }
}

#[test]
fn the_png_is_a_one_bit_picture_of_the_paper() {
    let bytes = escpos::encode(&example(Lang::En), &Layout::new(PaperWidth::Mm80));
    let png = render::png(&escpos::decode(&bytes).unwrap(), PaperWidth::Mm80).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(
        u32::from_be_bytes([png[16], png[17], png[18], png[19]]),
        640
    );
    assert_eq!((png[24], png[25]), (1, 0), "bit depth 1, greyscale");
}
