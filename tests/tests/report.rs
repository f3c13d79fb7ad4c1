//! `hallq report` end to end: the real binary on a real journal. A simulated day's report must
//! agree with the simulator's own ground truth (what its devices were told by the hub), and a
//! report must run on the journal of a hub that is running.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use hallq_client::DeviceClient;
use hallq_proto::{ReplyBody, ReplyResult};
use hallq_tests::{BrokerKind, Hall, hallq_bin, ticket, wait_hub_online};

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

/// A two-column CSV (`measure,value`) as a map.
fn summary(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(dir.join("summary.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let (k, v) = l.split_once(',').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// A KPI's (numerator, denominator) from kpis.csv.
fn kpi(dir: &Path, key: &str) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("kpis.csv")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{key},")))
        .unwrap_or_else(|| panic!("no KPI {key} in\n{text}"));
    let cols: Vec<&str> = line.split(',').collect();
    (cols[1].to_owned(), cols[2].to_owned())
}

fn report(args: &[&str], cwd: &Path) -> String {
    let out = Command::new(hallq_bin())
        .current_dir(cwd)
        .arg("report")
        .args(args)
        .output()
        .expect("hallq runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "hallq report failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_report_of_a_simulated_day_agrees_with_the_simulators_ground_truth() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sim");
    let out = Command::new(hallq_bin())
        .current_dir(&root)
        .args([
            "sim",
            "--config",
            "deploy/hall.example.toml",
            "--seed",
            "11",
            // ×500, not faster: at ×2000 under load the waits drifted by seconds. (At ×1000 a
            // CI run once saw the simulator's and the journal's wait p50 differ by some
            // milliseconds: the simulator's ledger dropped a first call heard before the kiosk
            // had recorded the ticket, so one wait was missing and p50 fell on a neighbour.
            // Fixed in the ledger, tested there.)
            "--speed",
            "500",
            "--day",
            "2026-11-24",
            "--progress-min",
            "600",
            "--data-dir",
        ])
        .arg(&data)
        .output()
        .expect("hallq runs");
    let sim = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "hallq sim failed: {}\n{sim}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = dir.path().join("csv");
    let html = dir.path().join("report.html");
    let journal = data.join("journal.db");
    let text = report(
        &[
            "--config",
            "deploy/hall.example.toml",
            "--journal",
            journal.to_str().unwrap(),
            "--at",
            "2026-11-25 09:00",
            "--csv",
            csv.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
        &root,
    );
    eprintln!("{sim}\n{text}");
    let s = summary(&csv);
    let n = |k: &str| s.get(k).unwrap_or_else(|| panic!("no {k}")).clone();
    let sum = |ks: &[&str]| ks.iter().map(|k| n(k).parse::<u64>().unwrap()).sum::<u64>();
    for (label, mine) in [
        ("tickets 取号", n("tickets")),
        ("served 办结", n("tickets_served")),
        ("no-shows 过号", n("tickets_no_show")),
        ("walk-outs 离开", n("tickets_walked_out")),
        ("still open 未结", n("tickets_open")),
        (
            "ratings 评价",
            sum(&[
                "ratings_dissatisfied",
                "ratings_neutral",
                "ratings_satisfied",
                "ratings_very_satisfied",
            ])
            .to_string(),
        ),
        (
            "satisfied 满意",
            sum(&["ratings_satisfied", "ratings_very_satisfied"]).to_string(),
        ),
        ("complaints 投诉", n("complaints_opened")),
        ("complaints resolved 已解决", n("complaints_resolved")),
    ] {
        assert_eq!(
            simulator_value(&sim, label),
            mine,
            "{label}: the simulator's ground truth against the report"
        );
    }
    // The simulator shows waits in minutes from ms; the report keeps whole seconds.
    for (label, key) in [
        ("wait p50 等候 (min)", "wait_p50_secs"),
        ("wait p90 (min)", "wait_p90_secs"),
    ] {
        let truth: f64 = simulator_value(&sim, label).parse().unwrap();
        let mine = n(key).parse::<f64>().unwrap() / 60.0;
        assert!(
            (truth - mine).abs() <= 0.05 + 1.0 / 60.0,
            "{label}: simulator {truth} min, report {mine:.3} min"
        );
    }
    // Silent walk-outs: the journal records them as no-shows, the report estimates them from
    // the no-shows after long waits, the simulator knows them. A day of ~20 no-shows is a
    // small sample: within 3, or a third of the truth when that is more.
    let truth: f64 = sim
        .lines()
        .find_map(|l| l.trim().strip_prefix("no-shows who had left 已离开的过号 "))
        .unwrap_or_else(|| panic!("no silent walk-out truth in\n{sim}"))
        .trim()
        .parse()
        .unwrap();
    let estimate: f64 = n("no_show_silent_walkouts_est").parse().unwrap();
    assert!(
        (estimate - truth).abs() <= 3.0_f64.max(truth / 3.0),
        "silent walk-outs: the simulator's {truth}, the report's estimate {estimate}"
    );
    // The door and the kiosk (touchpoints 2–4 and 9): what the simulator's door counter reported
    // and its customers did at the kiosks, against the report's counts.
    let truth: BTreeMap<&str, u64> = {
        let line = sim
            .lines()
            .find_map(|l| l.trim().strip_prefix("door and kiosk 门口与自助终端:"))
            .unwrap_or_else(|| panic!("no door and kiosk truth in\n{sim}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        words
            .chunks(2)
            .map(|kv| (kv[0], kv[1].parse().unwrap()))
            .collect()
    };
    for (key, mine) in [
        ("door_entered", "door_entered"),
        ("door_passed_by", "door_passed_by"),
        ("kiosk_sessions", "kiosk_sessions"),
        ("kiosk_self_service", "kiosk_self_service"),
    ] {
        assert_eq!(
            truth[key].to_string(),
            n(mine),
            "{key}: the simulator's truth against the report"
        );
    }
    assert!(
        truth["door_entered"] > 100,
        "a day's door counts: {truth:?}"
    );
    let steps = std::fs::read_to_string(csv.join("kiosk_steps.csv")).unwrap();
    for line in steps.lines().filter(|l| l.starts_with("left_at_")) {
        let (step, count) = line.split_once(',').unwrap();
        let want = truth.get(step).copied().unwrap_or(0);
        assert_eq!(count, want.to_string(), "{step}: the simulator's give-ups");
    }
    assert_eq!(n("door_counter"), "yes");
    let (sat, rated) = kpi(&csv, "satisfaction");
    assert_eq!(
        sat,
        sum(&["ratings_satisfied", "ratings_very_satisfied"]).to_string()
    );
    assert_eq!(rated, simulator_value(&sim, "ratings 评价"));
    let visits = n("visits").parse::<u64>().unwrap();
    assert!(visits > 150, "a whole day's visits: {visits}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("<svg").count(), 4, "four charts inlined");
    assert!(!page.contains("src=\"http"), "self-contained");

    // What-if: two counters all day instead of six; the simulated day waits longer.
    let proposal = dir.path().join("proposal.toml");
    std::fs::write(
        &proposal,
        "[[shifts]]\ncounter = 1\nfrom = \"08:25\"\nto = \"17:30\"\n\
         [[shifts]]\ncounter = 6\nfrom = \"08:25\"\nto = \"17:30\"\n",
    )
    .unwrap();
    let text = report(
        &[
            "--config",
            "deploy/hall.example.toml",
            "--journal",
            journal.to_str().unwrap(),
            "--quiet",
            "--what-if",
            proposal.to_str().unwrap(),
            "--what-if-day",
            "2026-11-24",
            "--what-if-speed",
            "4000",
        ],
        &root,
    );
    eprintln!("{text}");
    let p90 = |line: &str| -> (f64, f64) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        (cols[3].parse().unwrap(), cols[4].parse().unwrap())
    };
    let line = text
        .lines()
        .find(|l| l.starts_with("wait p90 (min)"))
        .unwrap_or_else(|| panic!("no what-if table in\n{text}"));
    let (measured, simulated) = p90(line);
    assert!(
        simulated > measured,
        "two counters wait longer than six: {line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_reads_the_journal_while_the_hub_runs() {
    let hall = Hall::new(BrokerKind::Embedded);
    let hub = hall.start_hub();
    let (kiosk, task) = DeviceClient::connect(&hall.client_config("kiosk-1"));
    wait_hub_online(&kiosk).await;
    for business in ["basic", "basic", "complex"] {
        let reply = kiosk.send(ticket(business)).await.unwrap();
        assert!(
            matches!(reply.body, ReplyBody::Ok(ReplyResult::TicketIssued(_))),
            "{reply:?}"
        );
    }
    let csv = hall.dir.path().join("csv");
    let cfg = hall.config_path.to_str().unwrap().to_owned();
    let csv_arg = csv.to_str().unwrap().to_owned();
    let dir = hall.dir.path().to_owned();
    let text = tokio::task::spawn_blocking(move || {
        report(
            &["--config", &cfg, "--hall", "testhall", "--csv", &csv_arg],
            &dir,
        )
    })
    .await
    .unwrap();
    let s = summary(&csv);
    assert_eq!(s["tickets"], "3", "{text}");
    assert_eq!(s["tickets_open"], "3", "still waiting");
    assert!(text.contains("still open 未结"), "{text}");
    // The hub goes on writing after the report.
    let reply = kiosk.send(ticket("basic")).await.unwrap();
    assert!(matches!(
        reply.body,
        ReplyBody::Ok(ReplyResult::TicketIssued(_))
    ));
    let _ = kiosk.disconnect().await;
    task.abort();
    assert!(hub.terminate(), "the hub stopped cleanly");
}
