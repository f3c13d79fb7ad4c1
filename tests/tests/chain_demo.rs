//! The README's chain command, run as a newcomer would (`hallq hq demo`, which `./dev
//! demo-chain` runs): the engines, HQ and three halls playing their day, the second hall's link
//! cut and restored, and the demo stopping once HQ holds every event of every hall's journal.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::process::Command;

use hallq_tests::hallq_bin;

#[test]
fn the_chain_demo_cuts_a_hall_off_and_every_hall_s_day_reaches_hq() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chain");
    let out = Command::new(hallq_bin())
        .args(["hq", "demo", "--halls", "3", "--speed", "1500"])
        .args(["--cut-after-s", "5", "--cut-for-s", "20"])
        .args(["--listen", "127.0.0.1:0", "--exit-when-done"])
        .arg("--data-dir")
        .arg(&data)
        .output()
        .expect("hallq runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the chain demo failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "总部控制台 HQ console: http://127.0.0.1:",
        "gz-yuexiu 与总部断开 link to HQ cut",
        "gz-yuexiu 与总部恢复 link restored",
        "every hall's day is at HQ",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
    for login in ["hq ", "region-gd-gz ", "region-gd-sz ", "hall-gz-tianhe "] {
        assert!(stdout.contains(login), "no login {login:?} in:\n{stdout}");
    }
    // Each hall played a real day, its figures checked against its journal by the simulator.
    for hall in ["gz-tianhe", "gz-yuexiu", "sz-futian"] {
        let log = std::fs::read_to_string(data.join("halls").join(hall).join("day.log")).unwrap();
        assert!(
            log.contains("the simulator's figures and the journal's agree"),
            "{hall}: {log}"
        );
    }
}
