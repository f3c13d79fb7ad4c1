//! The HQ console as HQ staff meet it: the chain demo (`hallq hq demo`: three NATS nodes,
//! PostgreSQL, HQ's process and three halls, each a real hub playing its day with its uplink)
//! watched in headless Chromium. Its live numbers move as the halls serve, with no reload; the
//! hall whose link is cut shows offline and comes back. With HALLQ_SCREENSHOTS=docs it takes
//! every page in Chinese and English into docs/screenshots/hq-*.png, from this live chain.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "tests")]

#[path = "../../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use hallq_tests::hallq_bin;
use webdriver::{browser, driver, full_page_png, login};

/// The demo process, killed when dropped.
struct Demo(std::process::Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The next line of the demo's output that `wanted` accepts, waiting at most `within`.
fn line(rx: &mpsc::Receiver<String>, within: Duration, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if wanted(&l) => return l,
            Ok(_) => {}
            Err(e) => panic!("the demo did not print the line waited for: {e}"),
        }
    }
}

/// The text of `css` now, or "" while the page is being replaced.
async fn now(b: &Client, css: &str) -> String {
    match b.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits (bounded) until the text of `css` satisfies `done`, the page never reloaded.
async fn until(b: &Client, css: &str, within: Duration, what: &str, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + within;
    loop {
        let t = now(b, css).await;
        if done(&t) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {css} stayed {t:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn shot(b: &Client, base: &str, path: &str, name: &str) {
    for lang in ["zh", "en"] {
        let sep = if path.contains('?') { '&' } else { '?' };
        b.goto(&format!("{base}{path}{sep}lang={lang}"))
            .await
            .unwrap();
        let png = full_page_png(b).await;
        let out = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs/screenshots")
            .join(format!("hq-{name}-{lang}.png"));
        std::fs::write(&out, png).unwrap();
        eprintln!("wrote {}", out.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_staff_watch_the_chain_live_and_see_the_cut_hall_go_offline_and_return() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(hallq_bin())
        .args(["hq", "demo", "--halls", "3", "--speed", "200"])
        .args(["--cut-after-s", "30", "--cut-for-s", "90"])
        .args(["--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path().join("chain"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _demo = Demo(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let console = line(&rx, Duration::from_secs(120), |l| {
        l.contains("HQ console: http://")
    });
    let base = console
        .split("HQ console: ")
        .nth(1)
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let staff = line(&rx, Duration::from_secs(10), |l| {
        l.trim_start().starts_with("hq ")
    });
    let password = staff.split_whitespace().nth(1).unwrap().to_owned();

    let (_driver, webdriver) = driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = browser(&webdriver, profile.path()).await;
    login(&b, &base, "hq", &password).await;
    until(&b, "h1", Duration::from_secs(30), "the chain page", |t| {
        t.contains("连锁总览")
    })
    .await;

    // The Guangzhou region's people waiting, as the halls' hubs report them: it moves while
    // the page stays open (live, over SSE), as customers arrive and are served.
    let waiting = "[data-k='region:gd-gz:waiting']";
    until(
        &b,
        waiting,
        Duration::from_secs(60),
        "a first status",
        |t| !t.is_empty() && t != "-",
    )
    .await;
    let first = now(&b, waiting).await;
    until(
        &b,
        waiting,
        Duration::from_secs(90),
        "people waiting",
        |t| !t.is_empty() && t != first,
    )
    .await;

    // gz-yuexiu's link is cut 30 s in: a minute later the console counts it offline.
    let offline = "[data-k='region:gd-gz:offline']";
    until(&b, offline, Duration::from_secs(150), "the cut hall", |t| {
        t == "1"
    })
    .await;
    if std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs") {
        shot(&b, &base, "/", "chain").await;
        shot(&b, &base, "/region/gd-gz", "region").await;
        shot(&b, &base, "/hall/gz-tianhe", "hall").await;
        shot(&b, &base, "/complaints", "complaints").await;
        shot(&b, &base, "/compare?kpi=satisfaction", "compare").await;
        b.goto(&format!("{base}/?lang=zh")).await.unwrap();
    }
    // The link returns: the hall reports again and is online, on the page still open.
    line(&rx, Duration::from_secs(150), |l| {
        l.contains("link restored")
    });
    until(&b, offline, Duration::from_secs(60), "the hall back", |t| {
        t == "0"
    })
    .await;
    b.close().await.unwrap();
}
