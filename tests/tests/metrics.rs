//! The hub's metrics endpoint as Prometheus sees it: the live hub of a hall with
//! `[hub] metrics_listen` answers `GET /metrics` with text that `promtool check metrics` (the
//! Prometheus project's own checker, Debian package `prometheus`) accepts, carrying the names the
//! docs and dashboards use with the values of what happened; any other path is 404.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};

use hallq_proto::ReplyBody;
use hallq_tests::{BrokerKind, Hall, free_port, ticket};

/// `GET path` over HTTP/1.1; returns the status line and the body.
fn get(port: u16, path: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_pass_promtool_and_only_metrics_is_served() {
    let hall = Hall::new(BrokerKind::Embedded);
    let port = free_port();
    let text = std::fs::read_to_string(&hall.config_path).unwrap().replace(
        "[hub]\n",
        &format!("[hub]\nmetrics_listen = \"127.0.0.1:{port}\"\n"),
    );
    std::fs::write(&hall.config_path, text).unwrap();
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let reply = kiosk.send(ticket("basic")).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");

    let (status, body) = tokio::task::spawn_blocking(move || get(port, "/metrics"))
        .await
        .unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    for line in [
        "hallq_commands_total 1",
        "hallq_refusals_total 0",
        "hallq_duplicates_total 0",
        "hallq_waiting{business=\"basic\"} 1",
        "hallq_devices_online 1",
    ] {
        assert!(body.lines().any(|l| l == line), "no {line:?} in:\n{body}");
    }
    for name in [
        "hallq_commits_total",
        "hallq_commit_entries_total",
        "hallq_commit_seconds_count",
        "hallq_commit_seconds_bucket{le=\"+Inf\"}",
    ] {
        assert!(body.contains(name), "no {name} in:\n{body}");
    }

    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (Debian package prometheus; ./dev setup installs it)");
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics refused the hub's metrics:\n{}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    for path in ["/", "/metrics/x", "/status"] {
        let (status, _) = tokio::task::spawn_blocking(move || get(port, path))
            .await
            .unwrap();
        assert!(status.starts_with("HTTP/1.1 404"), "{path}: {status}");
    }
}
