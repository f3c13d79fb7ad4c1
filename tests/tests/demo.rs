//! The README's main command, run as a newcomer would: the demo hall starts the hub with its
//! embedded broker and journal, plays a morning with devices as MQTT clients, prints the board,
//! and reads the day's figures back from the journal.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::process::Command;

use hallq_tests::hallq_bin;

/// Reads `label N` out of the summary.
fn figure(text: &str, label: &str) -> i64 {
    let summary = text.rsplit("── 今日").next().unwrap_or_default();
    let rest = summary
        .split(label)
        .nth(1)
        .unwrap_or_else(|| panic!("no {label:?} in {summary}"));
    rest.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?}"))
}

#[test]
fn demo_hall_runs_the_hub_prints_the_board_and_agrees_with_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = Command::new(hallq_bin())
        .args([
            "demo",
            "--speed",
            "1000",
            "--until",
            "11:40",
            "--port",
            "0",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .expect("hallq runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "demo failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("号到") && stdout.contains("号窗口办理"),
        "calls are shown: {}",
        &stdout[..stdout.len().min(3000)]
    );
    assert!(stdout.contains("基础业务"), "queues are listed");
    assert!(stdout.contains("【公告】"), "the 11:00 announcement shows");

    let tickets = figure(&stdout, "取号");
    let served = figure(&stdout, "办结");
    assert!(tickets > 50, "a morning's tickets: {tickets}");
    assert!(served > 20, "counters served: {served}");

    // The figures are the journal's: count again, independently.
    let db = hallq_journal::Journal::open_read_only(data.join("journal.db")).unwrap();
    let n: i64 = db
        .connection()
        .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, tickets);
    let issued: i64 = db
        .connection()
        .query_row(
            "SELECT count(*) FROM commands WHERE kind IN ('issue_ticket', 'check_in') AND ok = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        issued, tickets,
        "one ticket per accepted command (a booked customer's: its check-in)"
    );
    assert!(db.integrity_check().unwrap());
    // Some customers booked on the booking API and checked in at the kiosks; the day's report
    // beside the journal shows their figures.
    let checked_in: i64 = db
        .connection()
        .query_row(
            "SELECT count(*) FROM commands WHERE kind = 'check_in' AND ok = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(checked_in > 0, "booked customers checked in");
    let report = std::fs::read_to_string(data.join("report.txt")).unwrap();
    let section = report
        .split("── appointments 预约 ──")
        .nth(1)
        .expect("the report has the appointment section");
    assert!(
        section.contains(&format!(
            "{checked_in} of {checked_in} booked tickets have their arrival"
        )),
        "{section}"
    );
}

/// The demo prints a line to watch the hall's traffic: run as printed, it receives the hall's
/// messages, and it logs in as the demo's read-only monitor, never with the hub's own password
/// (a second client on the hub's login would fight the hub for its session on Mosquitto).
#[test]
fn the_demo_s_watch_line_works_as_printed_with_a_read_only_login() {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let mut demo = Command::new(hallq_bin())
        .args(["demo", "--speed", "60", "--port", "0", "--apps", "off"])
        .arg("--data-dir")
        .arg(dir.path().join("demo"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hallq runs");
    let stdout = demo.stdout.take().unwrap();
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take(20)
        .find(|l| l.starts_with("watch it: "))
        .expect("the demo prints a line to watch it");
    let command = line.trim_start_matches("watch it: ");
    assert!(
        !command.contains("hallq-hub"),
        "the watch line uses the hub's login: {command}"
    );
    assert!(command.contains("-i monitor-demo"), "{command}");
    // As printed, plus: stop after three messages or ten seconds.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} -C 3 -W 10"))
        .output()
        .expect("mosquitto_sub runs");
    let _ = demo.kill();
    let _ = demo.wait();
    let got = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && got.lines().count() >= 3,
        "the watch line received nothing: {}\n{got}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        got.lines().all(|l| l.starts_with("hallq/v1/demo/")),
        "the hall's topics: {got}"
    );
}
