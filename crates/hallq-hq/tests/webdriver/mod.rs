//! Headless Chromium through chromedriver (WebDriver, the `fantoccini` crate) for the console's
//! browser tests: Debian's `chromium` and `chromium-driver`, with the flags this machine kind
//! needs. Shared by hallq-hq's browser test and hallq-tests' live chain console test.
#![allow(dead_code, reason = "each test uses what it needs")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// chromedriver, killed when dropped.
pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn find(name: &str, package: &str) -> PathBuf {
    ["/usr/bin", "/usr/lib/chromium", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found: install the Debian package {package}"))
}

/// Starts chromedriver on a free port and waits (bounded) until it answers.
pub(crate) async fn driver() -> (Driver, String) {
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
pub(crate) async fn browser(webdriver: &str, profile: &Path) -> Client {
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
pub(crate) async fn text(b: &Client, css: &str) -> String {
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

/// Opens `base` and signs in through the login form.
pub(crate) async fn login(b: &Client, base: &str, user: &str, password: &str) {
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
        .send_keys(user)
        .await
        .unwrap();
    b.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    b.find(Locator::Css("form.login button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The page open now in one picture: the window made as tall as the page first.
pub(crate) async fn full_page_png(b: &Client) -> Vec<u8> {
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("h1"))
        .await
        .unwrap();
    let h = b
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(1000);
    b.set_window_size(1400, (h as u32 + 140).clamp(600, 4000))
        .await
        .unwrap();
    b.screenshot().await.unwrap()
}
