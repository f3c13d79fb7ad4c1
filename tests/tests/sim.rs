//! The hall-day simulator end to end, run as a user would: `hallq sim` plays a whole day of
//! deploy/hall.example.toml (08:30–17:30 and until everyone is served) against the real hub
//! with its embedded broker and a SQLite journal, on an accelerated clock, with every device
//! emulated over MQTT. The simulator prints its own count beside the journal's and fails if they
//! differ; this test also counts the journal again, independently, and compares with the
//! simulator's column. The wall time is reported, not asserted (a benchmark is not a test).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use hallq_tests::hallq_bin;

/// The simulator's column of a summary row: `label … simulator journal`.
fn simulator_value(stdout: &str, label: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no row {label:?} in:\n{stdout}"));
    let cols: Vec<&str> = line[label.len()..].split_whitespace().collect();
    assert_eq!(cols.len(), 2, "{line}");
    cols[0].to_string()
}

/// Nearest-rank quantile of sorted values, in minutes with one decimal, as the summary shows.
fn minutes(sorted_ms: &[i64], q: f64) -> String {
    let n = sorted_ms.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    format!("{:.1}", sorted_ms[rank - 1] as f64 / 60_000.0)
}

#[test]
fn a_simulated_day_completes_and_its_ground_truth_agrees_with_the_journal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sim");
    let bin = hallq_bin(); // built first, outside the time measured
    let started = Instant::now();
    let out = Command::new(bin)
        // The example hall names its devices' firmware profiles in ./firmware-profiles.
        .current_dir(&root)
        .args([
            "sim",
            "--config",
            "deploy/hall.example.toml",
            "--seed",
            "7",
            "--speed",
            // As the report test. The exact wait comparison drifted once at ×1000: the
            // ledger dropped a call heard before the kiosk recorded its ticket (fixed).
            "500",
            "--day",
            "2026-11-23",
            "--port",
            "0",
            "--progress-min",
            "60",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .expect("hallq runs");
    let wall = started.elapsed();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "hallq sim failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
    eprintln!(
        "a 9-hour day at ×500 took {:.1} s of wall time, start to exit",
        wall.as_secs_f64()
    );
    assert!(stdout.contains("agreement 一致"), "{stdout}");
    assert!(
        stdout.contains("everyone served or gone"),
        "the day was served out"
    );
    assert!(
        stdout.contains("  12:30  tickets"),
        "progress lines while it runs"
    );

    // Count the journal again, independently of the simulator's own reading of it.
    let journal = hallq_journal::Journal::open_read_only(data.join("journal.db")).unwrap();
    assert!(journal.integrity_check().unwrap());
    let db = journal.connection();
    let count = |sql: &str| -> String {
        db.query_row(sql, [], |r| r.get::<_, i64>(0))
            .unwrap()
            .to_string()
    };
    let status = |s: &str| {
        count(&format!(
            "SELECT count(*) FROM tickets WHERE status = '{s}'"
        ))
    };
    let expected = [
        ("tickets 取号", count("SELECT count(*) FROM tickets")),
        ("served 办结", status("served")),
        ("no-shows 过号", status("skipped")),
        ("walk-outs 离开", status("cancelled")),
        ("ratings 评价", count("SELECT count(*) FROM ratings")),
        ("complaints 投诉", count("SELECT count(*) FROM complaints")),
        (
            "still open 未结",
            count("SELECT count(*) FROM tickets WHERE status IN ('waiting', 'called', 'serving')"),
        ),
    ];
    for (label, journal_value) in &expected {
        assert_eq!(
            &simulator_value(&stdout, label),
            journal_value,
            "{label}: the simulator's ground truth against the journal"
        );
    }
    let tickets: i64 = expected[0].1.parse().unwrap();
    assert!(tickets > 150, "a whole day's tickets: {tickets}");
    assert_eq!(
        expected[6].1, "0",
        "everyone with a ticket was served or left"
    );
    let issued = count("SELECT count(*) FROM commands WHERE kind = 'issue_ticket' AND ok = 1");
    assert_eq!(issued, expected[0].1, "one ticket per accepted command");

    let mut stmt = db
        .prepare(
            "SELECT first_called_at_ms - issued_at_ms FROM tickets
             WHERE first_called_at_ms IS NOT NULL ORDER BY 1",
        )
        .unwrap();
    let waits: Vec<i64> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        simulator_value(&stdout, "wait p50 等候 (min)"),
        minutes(&waits, 0.5)
    );
    assert_eq!(
        simulator_value(&stdout, "wait p90 (min)"),
        minutes(&waits, 0.9)
    );

    // Every device kind spoke: the touchpoints of kiosk, greeter, counter, evaluator, door.
    let touchpoints = count("SELECT count(DISTINCT touchpoint) FROM events");
    assert!(
        touchpoints.parse::<i64>().unwrap() >= 12,
        "touchpoints recorded: {touchpoints}"
    );
}

/// `hallq sim --restart`: a short day, copied over two days before it, and the hub restarted
/// on both journals. The hub must serve on each (the command fails otherwise); the longer
/// journal must hold real past days (each closed by its reset, ids of its own) and the hub must
/// replay only today from it, plus the complaints still open.
#[test]
fn restarts_are_measured_on_a_day_and_on_a_history() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(hallq_bin())
        .current_dir(&root)
        .args([
            "sim",
            "--restart",
            "--config",
            "deploy/hall.example.toml",
            "--day",
            "2026-11-23",
            "--until",
            "11:00",
            "--speed",
            "4000",
            "--days",
            "1,3",
            "--runs",
            "1",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("hallq runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "hallq sim --restart failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
    assert!(stdout.contains("| 1 day(s) |"), "{stdout}");
    assert!(stdout.contains("| 3 day(s) |"), "{stdout}");

    let day = hallq_journal::Journal::open_read_only(dir.path().join("day-1/journal.db")).unwrap();
    let days =
        hallq_journal::Journal::open_read_only(dir.path().join("days-3/journal.db")).unwrap();
    assert!(days.integrity_check().unwrap());
    let count = |j: &hallq_journal::Journal, sql: &str| -> i64 {
        j.connection().query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let per_day = |j: &hallq_journal::Journal, d: u32| {
        count(j, &format!("SELECT count(*) FROM events WHERE day = {d}"))
    };
    let today = per_day(&day, 20261123);
    assert!(today > 100, "the day's events: {today}");
    assert_eq!(per_day(&days, 20261123), today, "today is the day itself");
    let past = per_day(&days, 20261122);
    assert_eq!(per_day(&days, 20261121), past, "the past days are copies");
    assert!(past > today, "a past day ends with its reset's events");
    assert_eq!(
        count(
            &days,
            "SELECT count(*) FROM events WHERE type = 'day_closed'"
        ),
        2,
        "each past day closed once"
    );
    assert_eq!(
        count(&days, "SELECT count(DISTINCT visit) FROM visits"),
        3 * count(&day, "SELECT count(*) FROM visits"),
        "every copy's visits have ids of their own"
    );
    // Past days are in the journal's order before today.
    assert!(
        count(&days, "SELECT max(seq) FROM events WHERE day = 20261122")
            < count(&days, "SELECT min(seq) FROM events WHERE day = 20261123")
    );
    let open_complaints = count(
        &day,
        "SELECT count(*) FROM complaints WHERE resolved_at_ms IS NULL",
    );
    let replayed = days.replay().unwrap().len() as i64;
    let base = day.replay().unwrap().len() as i64;
    assert!(
        // The replay starts at the last `day_closed`: one event more than a first day's.
        replayed >= base && replayed <= base + 1 + 2 * 10 * open_complaints,
        "the hub replays today and open complaints, not history: {replayed} of {} (a day: {base})",
        count(&days, "SELECT count(*) FROM events")
    );
}
