//! The ticket page on a phone, as the phone tests drive it: headless Chromium emulating a
//! phone's viewport (chromedriver through `fantoccini`), waits on the page's text, and the
//! pictures for docs/screenshots. The kiosk and counter steps around it send real commands.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hallq_client::DeviceClient;
use hallq_proto::reply::TicketIssued;
use hallq_proto::{Command, ReplyBody, ReplyResult, ServiceResult};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[path = "../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

/// A bound for a page or an app that is stuck, far above what a loaded machine needs.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Sends `cmd` and returns its result; a refusal fails the test, naming the command.
pub async fn send_ok(client: &DeviceClient, cmd: Command) -> ReplyResult {
    let kind = cmd.kind();
    let reply = client.send(cmd).await.unwrap();
    match reply.body {
        ReplyBody::Ok(r) => r,
        ReplyBody::Error(e) => panic!("{kind} refused: {e:?}"),
    }
}

/// A ticket for `business` from `kiosk`.
pub async fn take(kiosk: &DeviceClient, business: &str) -> TicketIssued {
    match send_ok(kiosk, crate::ticket(business)).await {
        ReplyResult::TicketIssued(t) => t,
        other => panic!("{other:?}"),
    }
}

/// Calls the next ticket at `counter`, serves and finishes it.
pub async fn serve_next(counter: &DeviceClient) {
    send_ok(counter, Command::CallNext {}).await;
    send_ok(counter, Command::StartService {}).await;
    let finish = Command::Finish {
        result: ServiceResult::Done,
        note: None,
        missing: vec![],
    };
    send_ok(counter, finish).await;
}

/// Headless Chromium emulating a phone of `width`×`height` CSS pixels (twice as many device
/// pixels), in Chinese, in a fresh profile.
pub async fn phone(webdriver: &str, profile: &Path, width: u32, height: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": webdriver::find("chromium", "chromium"),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--lang=zh-CN",
                     format!("--user-data-dir={}", profile.display())],
            "mobileEmulation": {
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0 },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Phone) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
            },
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(webdriver)
        .await
        .unwrap()
}

/// The text of `css` now, or "" while it is not there.
pub async fn now(b: &Client, css: &str) -> String {
    match b.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits (bounded by [`PATIENCE`]) until the text of `css` satisfies `done`; `what` names the
/// step in a failure.
pub async fn until(b: &Client, css: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let t = now(b, css).await;
        if done(&t) {
            return t;
        }
        assert!(Instant::now() < deadline, "{what}: {css} stayed {t:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether this run writes the docs' pictures (HALLQ_SCREENSHOTS=docs).
pub fn for_docs() -> bool {
    std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs")
}

/// The page as it is now, as docs/screenshots/phone-`name`.png, when [`for_docs`].
pub async fn shot(b: &Client, name: &str) {
    if !for_docs() {
        return;
    }
    let png = b.screenshot().await.unwrap();
    let out = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/screenshots")
        .join(format!("phone-{name}.png"));
    std::fs::write(&out, png).unwrap();
    eprintln!("wrote {}", out.display());
}

/// The status line and body of a plain HTTP/1.0 GET of `path` on `port`.
pub async fn get(port: u16, path: &str) -> (String, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the page's port answers");
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: phone\r\n\r\n").as_bytes())
        .await
        .expect("the request is sent");
    let mut text = String::new();
    s.read_to_string(&mut text)
        .await
        .expect("the answer is read");
    let status = text.lines().next().unwrap_or_default().to_owned();
    let body = text.split_once("\r\n\r\n").map(|x| x.1).unwrap_or_default();
    (status, body.to_owned())
}
