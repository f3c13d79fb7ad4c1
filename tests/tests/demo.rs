//! The README's main command, run as a newcomer would: the demo hall plays its day and prints
//! the board and the day's figures.

use std::process::Command;

use hallq_tests::hallq_bin;

fn demo(args: &[&str]) -> String {
    let out = Command::new(hallq_bin())
        .args(["demo", "--pace-ms", "0"])
        .args(args)
        .output()
        .expect("hallq runs");
    assert!(
        out.status.success(),
        "hallq demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("output is UTF-8")
}

/// Reads `label N` out of the summary line.
fn figure(text: &str, label: &str) -> u64 {
    let summary = text.rsplit("── 今日").next().unwrap_or_default();
    let rest = summary
        .split(label)
        .nth(1)
        .unwrap_or_else(|| panic!("no {label:?} in {text}"));
    rest.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?}"))
}

#[test]
fn demo_day_prints_calls_queues_and_the_days_figures() {
    let out = demo(&[]);
    assert!(
        out.contains("请 A001 号到"),
        "the first basic ticket is called: {}",
        &out[..out.len().min(2000)]
    );
    assert!(out.contains("基础业务"), "queues are listed");
    assert!(out.contains("【公告】"), "the afternoon announcement shows");
    let tickets = figure(&out, "取号");
    let served = figure(&out, "办结");
    let no_shows = figure(&out, "过号");
    let walked = figure(&out, "离开");
    let reset = figure(&out, "日终关闭");
    assert!(tickets > 150, "a busy day: {tickets} tickets");
    assert!(
        served > tickets / 2,
        "most are served: {served} of {tickets}"
    );
    // Every ticket ends one way or another; transfers keep their ticket, so the ways add up to
    // at most the tickets issued (a visit that ends counts once).
    assert!(
        served + no_shows + walked + reset >= tickets - 5,
        "tickets unaccounted for"
    );
}

#[test]
fn demo_is_deterministic_by_seed() {
    let a = demo(&["--quiet", "--seed", "3"]);
    let b = demo(&["--quiet", "--seed", "3"]);
    let c = demo(&["--quiet", "--seed", "4"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
}
