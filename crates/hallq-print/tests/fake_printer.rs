//! A fake network printer on 127.0.0.1: a thread that accepts one connection and keeps every
//! byte until the kiosk closes it, as a raw port 9100 printer does. The bytes are then decoded
//! and checked for what a customer would read on the paper.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hallq_print::escpos::{self, Op, QrEcc};
use hallq_print::slip::example;
use hallq_print::target::{Paper, STATUS_TIMEOUT};
use hallq_print::{Layout, PaperWidth, PrintError, Printer};
use hallq_proto::vocab::{Lang, Priority};

/// A printer that captures one connection's bytes until end of file.
fn fake_printer() -> (Printer, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let printer = format!("tcp://{}", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    let capture = thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        socket.read_to_end(&mut bytes).unwrap();
        bytes
    });
    (printer, capture)
}

/// A printer that answers a status request with `status`, or never when `None`.
fn status_printer(status: Option<u8>) -> (Printer, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 3];
        socket.read_exact(&mut request).unwrap();
        match status {
            Some(b) => socket.write_all(&[b]).unwrap(),
            // Hold the connection open, silent, until the kiosk gives up and closes it.
            None => {
                let _ = socket.read_to_end(&mut Vec::new());
            }
        }
        request.to_vec()
    });
    (Printer::Tcp(addr), handle)
}

#[test]
fn a_ticket_printed_over_tcp_reaches_the_printer_whole_and_reads_back() {
    let mut slip = example(Lang::Zh);
    slip.priority = Priority::Care;
    let layout = Layout::new(PaperWidth::Mm58);
    let bytes = escpos::encode(&slip, &layout);
    let (printer, capture) = fake_printer();

    printer.print(&bytes).unwrap();
    let received = capture.join().unwrap();

    assert_eq!(received, bytes);
    let ops = escpos::decode(&received).unwrap();
    let texts = escpos::texts(&ops);
    let number = ops
        .iter()
        .position(|op| *op == Op::Text("A012".into()))
        .unwrap();
    assert!(
        matches!(ops[number - 1], Op::Size { w: 4, h: 4 }),
        "{:?}",
        &ops[..number]
    );
    assert!(texts.contains(&"套餐变更"), "{texts:?}");
    assert!(texts.contains(&"您前面还有 5 人"), "{texts:?}");
    assert!(texts.contains(&"5 people ahead of you"), "{texts:?}");
    assert!(texts.contains(&"预计等候约 15 分钟"), "{texts:?}");
    assert!(texts.contains(&"取号时间 2026-11-23 09:05"), "{texts:?}");
    assert!(texts.contains(&" 优先服务 Priority service "), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("本人有效身份证件原件")),
        "{texts:?}"
    );
    let qr: Vec<_> = ops
        .iter()
        .filter(|op| matches!(op, Op::Qr { .. }))
        .collect();
    assert_eq!(
        qr,
        [&Op::Qr {
            data: "20261123-0042".into(),
            module: 6,
            ecc: QrEcc::M
        }]
    );
    assert!(
        matches!(ops.last(), Some(Op::Cut { partial: true, .. })),
        "{:?}",
        ops.last()
    );
}

#[test]
fn a_closed_port_is_a_print_error_quickly_not_a_panic() {
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let started = Instant::now();
    let err = Printer::Tcp(addr).print(b"\x1b@hello\n").unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, PrintError::NotResponding { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("打印机无响应 / printer not responding"),
        "{err}"
    );
    assert_eq!(err.message().en, "The printer is not responding.");
}

#[test]
fn the_paper_sensor_reports_paper_out_as_an_error() {
    let (printer, request) = status_printer(Some(0x72));
    let err = printer.paper().unwrap_err();
    assert!(matches!(err, PrintError::PaperOut), "{err:?}");
    assert!(err.to_string().contains("缺纸") && err.to_string().contains("out of paper"));
    assert_eq!(request.join().unwrap(), [0x10, 0x04, 4], "DLE EOT 4");

    let (printer, _) = status_printer(Some(0x12));
    assert_eq!(printer.paper().unwrap(), Paper::Present);
    let (printer, _) = status_printer(Some(0x1E));
    assert_eq!(printer.paper().unwrap(), Paper::NearEnd);
}

#[test]
fn a_printer_that_does_not_answer_the_status_request_is_not_responding() {
    let (printer, _) = status_printer(None);
    let started = Instant::now();
    let err = printer.paper().unwrap_err();
    assert!(matches!(err, PrintError::NotResponding { .. }), "{err:?}");
    assert!(started.elapsed() < STATUS_TIMEOUT + Duration::from_secs(1));
}
