//! The console in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver) against `hallq hq serve`'s web role on a simulated chain. It logs in, sees the
//! chain page render, and sees a live number change over SSE when a hall's status changes in
//! the store. With HALLQ_SCREENSHOTS=docs it also takes every page in Chinese and English into
//! docs/screenshots/hq-*.png.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod chain_fixture;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chain_fixture::{Chain, HALLS};
use fantoccini::{Client, ClientBuilder, Locator};
use hallq_hq::serve::{self, Role};
use hallq_hq::user::{self, Scope};

/// chromedriver, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(name: &str, package: &str) -> PathBuf {
    ["/usr/bin", "/usr/lib/chromium", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found: install the Debian package {package}"))
}

/// Starts chromedriver on a free port and waits (bounded) until it answers.
async fn driver() -> (Driver, String) {
    let port = free_port();
    let child = Command::new(find("chromedriver", "chromium-driver"))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let d = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (d, format!("http://127.0.0.1:{port}"))
}

/// A headless Chromium session with the flags this machine kind needs, in a fresh profile.
async fn browser(webdriver: &str, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": find("chromium", "chromium"),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--window-size=1400,1000", "--lang=zh-CN",
                     format!("--user-data-dir={}", profile.display())],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(webdriver)
        .await
        .unwrap()
}

/// The text of the first element matching `css`, waiting (bounded) for it to be there; a page
/// still being replaced (a stale element) is asked again.
async fn text(b: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(e) = b.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            return t;
        }
        assert!(Instant::now() < deadline, "{css} not found");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The statuses as at the start (the two Guangzhou halls just heard from, Pudong silent for 5
/// minutes), put again before each picture so that pictures taken over minutes agree.
async fn fresh(chain: &Chain) {
    for (i, (_, epoch)) in chain.journals.iter().enumerate() {
        let age = if i == 2 { 300 } else { 0 };
        let s = chain_fixture::status(i, epoch, 1, 3 + i as u32);
        chain_fixture::put_status(&chain.client, &s, age).await;
    }
}

async fn shot(chain: &Chain, b: &Client, base: &str, path: &str, name: &str) {
    for lang in ["zh", "en"] {
        fresh(chain).await;
        let sep = if path.contains('?') { '&' } else { '?' };
        b.goto(&format!("{base}{path}{sep}lang={lang}"))
            .await
            .unwrap();
        b.wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("h1"))
            .await
            .unwrap();
        // The whole page in one picture: the window as tall as the page.
        let h = b
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(1000);
        b.set_window_size(1400, (h as u32 + 140).clamp(600, 4000))
            .await
            .unwrap();
        let png = b.screenshot().await.unwrap();
        let out = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/screenshots")
            .join(format!("hq-{name}-{lang}.png"));
        std::fs::write(&out, png).unwrap();
        eprintln!("wrote {}", out.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_logs_in_sees_the_chain_and_a_live_number_change() {
    let chain = Chain::start().await;
    user::add(
        &chain.client,
        "boss",
        "总部值班",
        &Scope::Chain,
        "correct-horse-9",
    )
    .await
    .unwrap();
    let cfg = chain.hq_toml();
    let running = serve::start(&cfg, Role::Web).await.unwrap();
    let base = format!("http://{}", running.web.unwrap());
    let (_driver, webdriver) = driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = browser(&webdriver, profile.path()).await;

    b.goto(&format!("{base}/")).await.unwrap();
    // Not signed in: the login form.
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("form.login"))
        .await
        .unwrap();
    b.find(Locator::Css("input[name=login]"))
        .await
        .unwrap()
        .send_keys("boss")
        .await
        .unwrap();
    b.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys("correct-horse-9")
        .await
        .unwrap();
    b.find(Locator::Css("form.login button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The chain page's regions table, then its title.
    text(&b, "table#regions").await;
    assert!(text(&b, "h1").await.contains("连锁总览"), "the chain page");
    // The region's people waiting now: the two Guangzhou halls' statuses (3 + 4).
    let cell = "[data-k='region:gd-gz:waiting']";
    assert_eq!(text(&b, cell).await, "7");
    // The live stream is open before the change (its first message arrived).
    let deadline = Instant::now() + Duration::from_secs(30);
    while b
        .execute("return document.body.dataset.updates || '0'", vec![])
        .await
        .unwrap()
        == "0"
    {
        assert!(Instant::now() < deadline, "no live message");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, epoch) = &chain.journals[0];
    let s = chain_fixture::status(0, epoch, 1, 20);
    chain_fixture::put_status(&chain.client, &s, 0).await;
    // 20 + 4, without reloading the page.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = b
            .find(Locator::Css(cell))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if now == "24" {
            break;
        }
        assert!(Instant::now() < deadline, "the live number stayed {now}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    if std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs") {
        let month = "month=202612";
        shot(&chain, &b, &base, &format!("/?{month}"), "chain").await;
        shot(
            &chain,
            &b,
            &base,
            &format!("/region/gd-gz?{month}"),
            "region",
        )
        .await;
        shot(
            &chain,
            &b,
            &base,
            &format!("/hall/{}?{month}", HALLS[0].0),
            "hall",
        )
        .await;
        shot(&chain, &b, &base, "/complaints", "complaints").await;
        shot(
            &chain,
            &b,
            &base,
            &format!("/compare?kpi=satisfaction&{month}"),
            "compare",
        )
        .await;
        b.goto(&format!("{base}/complaints?lang=zh")).await.unwrap();
    }
    b.close().await.unwrap();
    running.stop().await;
}
