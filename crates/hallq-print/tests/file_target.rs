//! The file and device targets: the same bytes, through the file system.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_print::escpos::{self, Op};
use hallq_print::slip::example;
use hallq_print::target::Paper;
use hallq_print::{Layout, PaperWidth, PrintError, Printer};
use hallq_proto::vocab::Lang;

#[test]
fn a_file_target_is_created_then_appended_to() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tickets.bin");
    let printer: Printer = format!("file:{}", path.display()).parse().unwrap();
    let first = escpos::encode(&example(Lang::Zh), &Layout::new(PaperWidth::Mm80));
    let second = escpos::encode(
        &example(Lang::En).reprinted(),
        &Layout::new(PaperWidth::Mm80),
    );

    printer.print(&first).unwrap();
    printer.print(&second).unwrap();

    let written = std::fs::read(&path).unwrap();
    assert_eq!(written, [first, second].concat());
    let ops = escpos::decode(&written).unwrap();
    let cuts = ops.iter().filter(|op| matches!(op, Op::Cut { .. })).count();
    assert_eq!(cuts, 2, "two tickets, two cuts");
    assert!(ops.contains(&Op::Text(" REPRINT ".into())));
    assert_eq!(printer.paper().unwrap(), Paper::Unknown);
}

#[test]
fn a_file_in_a_missing_directory_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let printer = Printer::File(dir.path().join("no/such/dir/tickets.bin"));
    let err = printer.print(b"x").unwrap_err();
    assert!(matches!(err, PrintError::Open { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("无法打开打印机 / cannot open the printer"),
        "{err}"
    );
}

#[test]
fn a_missing_device_node_is_an_error_and_an_existing_one_takes_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Printer::Device(dir.path().join("lp0"));
    assert!(matches!(missing.print(b"x"), Err(PrintError::Open { .. })));
    assert!(
        !dir.path().join("lp0").exists(),
        "a device target never creates a file"
    );
    let null: Printer = "device:/dev/null".parse().unwrap();
    null.print(b"\x1b@").unwrap();
}
