//! The papers staff hand over, read back from their ESC/POS bytes as a printer would take them:
//! the complaint receipt (《投诉受理回执》) and the list of documents still needed
//! (《补充材料清单》).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_print::escpos::{self, Op};
use hallq_print::{CodePage, Layout, PaperWidth, documents, receipt};
use hallq_proto::vocab::{ComplaintCategory, Lang};

/// The printed lines: each text run up to its line feed, joined.
fn lines(ops: &[Op]) -> Vec<String> {
    let mut out = vec![String::new()];
    for op in ops {
        match op {
            Op::Text(t) => out.last_mut().unwrap().push_str(t),
            Op::LineFeed | Op::Feed(_) => out.push(String::new()),
            _ => {}
        }
    }
    out.into_iter().filter(|l| !l.trim().is_empty()).collect()
}

/// The paper's text with every space and line break taken out: what it says, however the
/// paper's width wrapped it.
fn said(ops: &[Op]) -> String {
    lines(ops)
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Where the paper's text (as [`said`] gives it) says `want`, if it does.
fn find(text: &str, want: &str) -> Option<usize> {
    text.find(
        &want
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
    )
}

#[test]
fn the_complaint_receipt_reads_back_with_case_time_channel_and_due_times() {
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let layout = Layout::new(paper);
        let bytes = receipt::encode(&receipt::example(Lang::Zh), &layout);
        let ops = escpos::decode(&bytes).unwrap();
        let text = said(&ops);
        for want in [
            "投诉受理回执",
            "Complaint receipt",
            "受理编号 K20261123-001",
            "受理时间 2026-11-23 10:05",
            "Received 2026-11-23 10:05",
            "受理渠道 营业厅 3 号窗口",
            "投诉类别 一般（24 小时内解决）",
            "首次联系 2026-11-23 12:05 前",
            "First contact: 2026-11-23 12:05",
            "处理结果 2026-11-24 10:05 前",
            "Solution by 2026-11-24 10:05",
            "套餐变更后当月仍按原套餐扣费",
        ] {
            assert!(
                find(&text, want).is_some(),
                "{paper:?}: {want:?} missing from {text}"
            );
        }
        // The number the customer quotes is its own line, whole, on either paper.
        assert!(lines(&ops).iter().any(|l| l.trim() == "K20261123-001"));
        assert!(
            ops.contains(&Op::ChineseMode(true)),
            "Chinese goes out in GB18030"
        );
        assert!(
            ops.iter()
                .any(|op| matches!(op, Op::Qr { data, .. } if data == "K20261123-001")),
            "the QR code carries the case number"
        );
        assert!(matches!(ops.last(), Some(Op::Cut { .. })), "{ops:?}");
    }
}

#[test]
fn a_complex_complaint_promises_progress_within_72_hours() {
    let mut r = receipt::example(Lang::En);
    r.category = ComplaintCategory::Complex;
    r.due = r.received_at.plus_secs(72 * 3600);
    r.contact_given = false;
    // The summary is as staff typed it; an English-speaking customer's is typed in English.
    r.summary = "Charged the old plan after the change".into();
    let ops = escpos::decode(&receipt::encode(&r, &Layout::new(PaperWidth::Mm80))).unwrap();
    let text = said(&ops);
    for want in [
        "Progress by 2026-11-26 10:05",
        "Type: complex, progress in 72 h",
        "You left no number",
    ] {
        assert!(find(&text, want).is_some(), "{want:?} missing from {text}");
    }
    assert!(
        !text.chars().any(|c| c >= '\u{2E80}'),
        "an English receipt has no Chinese: {text}"
    );
}

#[test]
fn the_receipt_never_prints_the_complainants_number() {
    let r = receipt::example(Lang::Zh);
    assert!(r.contact_given);
    let ops = escpos::decode(&receipt::encode(&r, &Layout::new(PaperWidth::Mm58))).unwrap();
    let text = said(&ops);
    let longest_digit_run = text
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(
        longest_digit_run < 11,
        "no phone number on the paper: {text}"
    );
    assert!(
        find(&text, "值班主管将致电您留下的号码").is_some(),
        "{text}"
    );
}

#[test]
fn the_document_list_reads_back_with_each_missing_paper_and_how_to_get_it() {
    let layout = Layout::new(PaperWidth::Mm58);
    let bytes = documents::encode(&documents::example(Lang::Zh), &layout);
    let ops = escpos::decode(&bytes).unwrap();
    let text = said(&ops);
    let at =
        |want: &str| find(&text, want).unwrap_or_else(|| panic!("{want:?} missing from {text}"));
    at("补充材料清单");
    at("A012 · 套餐变更 · 3 号窗口");
    at("办理时间 2026-11-23 09:30");
    let copy = at("· 本人有效身份证件复印件");
    let how = at("→ 身份证复印件可在厅内自助复印机免费打印");
    let how_en = at("Copy it free at the hall's self-service copier");
    let password = at("· 服务密码");
    assert!(
        copy < how && how < how_en && how_en < password,
        "how to get it sits under its document"
    );
    assert!(matches!(ops.last(), Some(Op::Cut { .. })));
}

#[test]
fn an_english_document_list_on_a_printer_without_chinese_is_plain_ascii() {
    let layout = Layout {
        code_page: CodePage::Cp437,
        ..Layout::new(PaperWidth::Mm80)
    };
    let ops = escpos::decode(&documents::encode(&documents::example(Lang::En), &layout)).unwrap();
    let text = said(&ops);
    for want in [
        "· A copy of your ID card",
        "-> Copy it free at the hall's self-service copier",
        "· The service password",
    ] {
        assert!(find(&text, want).is_some(), "{want:?} missing from {text}");
    }
    assert!(
        !text.contains('?'),
        "nothing the code page cannot carry: {text}"
    );
    assert!(!ops.contains(&Op::ChineseMode(true)));
}

/// Where this run's pictures go: docs/ with `HALLQ_SCREENSHOTS=docs`, else a temporary folder.
fn picture_dir() -> (std::path::PathBuf, Option<tempfile::TempDir>) {
    if std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs") {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        (docs, None)
    } else {
        let tmp = tempfile::tempdir().unwrap();
        (tmp.path().to_owned(), Some(tmp))
    }
}

#[test]
fn both_papers_draw_inside_the_printable_area_of_a_58_mm_roll() {
    let font = hallq_print::render::CjkFont::find().unwrap_or_else(|e| panic!("{e}"));
    let (dir, _keep) = picture_dir();
    let layout = Layout::new(PaperWidth::Mm58);
    for (name, bytes) in [
        (
            "complaint-receipt-58mm.png",
            receipt::encode(&receipt::example(Lang::Zh), &layout),
        ),
        (
            "documents-missing-58mm.png",
            documents::encode(&documents::example(Lang::Zh), &layout),
        ),
    ] {
        let ops = escpos::decode(&bytes).unwrap();
        let raster = hallq_print::render::raster(&ops, PaperWidth::Mm58, &font);
        let inked: Vec<u32> = (0..raster.width())
            .filter(|&x| (0..raster.height()).any(|y| raster.is_black(x, y)))
            .collect();
        // The 58 mm head prints 384 of the paper's 464 dots, 40 from each edge.
        assert!(
            inked.first().is_some_and(|&x| x >= 40),
            "{name}: ink left of the head"
        );
        assert!(
            inked.last().is_some_and(|&x| x < 464 - 40),
            "{name}: ink right of the head"
        );
        std::fs::write(dir.join(name), raster.to_png().unwrap()).unwrap();
    }
}
