//! Prints the sample ticket for 58 mm and 80 mm paper: the ESC/POS bytes (`.bin`) and a PNG of
//! the paper, in Chinese (`ticket-58mm.*`, `ticket-80mm.*`) and in English as a priority reprint
//! (`ticket-58mm-en.*`, `ticket-80mm-en.*`). With a printer address it also prints the 80 mm
//! Chinese ticket there.
//!
//! ```sh
//! cargo run -p hallq-print --example print_ticket -- OUT_DIR [tcp://IP:9100 | device:/dev/usb/lp0 | file:PATH]
//! ```

use std::error::Error;
use std::path::PathBuf;

use hallq_print::slip::example;
use hallq_print::{Layout, PaperWidth, Printer, escpos, render};
use hallq_proto::vocab::{Lang, Priority};

#[expect(clippy::print_stdout, reason = "an example says what it wrote")]
fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let printer: Option<Printer> = args.next().map(|s| s.parse()).transpose()?;
    std::fs::create_dir_all(&dir)?;

    let zh = example(Lang::Zh);
    let mut en = example(Lang::En).reprinted();
    en.priority = Priority::Care;

    for (paper, name) in [(PaperWidth::Mm58, "58mm"), (PaperWidth::Mm80, "80mm")] {
        let layout = Layout::new(paper);
        for (slip, suffix) in [(&zh, ""), (&en, "-en")] {
            let bytes = escpos::encode(slip, &layout);
            let ops = escpos::decode(&bytes)?;
            let png = render::png(&ops, paper)?;
            let stem = dir.join(format!("ticket-{name}{suffix}"));
            std::fs::write(stem.with_extension("bin"), &bytes)?;
            std::fs::write(stem.with_extension("png"), &png)?;
            println!(
                "{}.{{bin,png}}: {} bytes of ESC/POS",
                stem.display(),
                bytes.len()
            );
        }
    }

    if let Some(printer) = printer {
        printer.print(&escpos::encode(&zh, &Layout::new(PaperWidth::Mm80)))?;
        println!("printed on {printer}");
    }
    Ok(())
}
