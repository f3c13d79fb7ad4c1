//! The console in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver) against `hallq hq serve`'s web role on a simulated chain. It logs in, sees the
//! chain page render, and sees a live number change over SSE when a hall's status changes in
//! the store. The pages' screenshots come from the live chain demo instead
//! (tests/tests/chain_console.rs in hallq-tests).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod chain_fixture;
mod common;
mod webdriver;

use std::time::{Duration, Instant};

use chain_fixture::Chain;
use fantoccini::Locator;
use hallq_hq::serve::{self, Role};
use hallq_hq::user::{self, Scope};
use webdriver::{browser, driver, login, text};

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

    login(&b, &base, "boss", "correct-horse-9").await;
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

    b.close().await.unwrap();
    running.stop().await;
}
