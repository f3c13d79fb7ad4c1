//! The notice channels against real servers not written here: SMS over SMPP 3.4 to the npm
//! package `smpp`'s server (tests/smsc), and over the webhook to an HTTP server (axum).

#![allow(clippy::unwrap_used, reason = "test: a panic is a failed test")]

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use hallq_notify::smpp::{SmppChannel, SmppConfig};
use hallq_notify::webhook::{WebhookChannel, WebhookConfig};
use hallq_notify::{NoticeKind, Outgoing, RetryPolicy, SendError, SmsChannel, deliver_with_retry};
use hallq_proto::TicketId;
use hallq_tests::smsc::{PASSWORD, SYSTEM_ID, Smsc};

const NUMBER: &str = "13800131234";

fn smpp(port: u16, password: &str) -> SmsChannel {
    SmsChannel::Smpp(SmppChannel::new(SmppConfig {
        host: "127.0.0.1".into(),
        port,
        system_id: SYSTEM_ID.into(),
        password: password.into(),
        source_addr: "10086".into(),
        timeout_secs: 5,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_delivers_chinese_texts_short_and_long_to_a_real_smsc() {
    let smsc = Smsc::start(0);
    let ch = smpp(smsc.port, PASSWORD);
    let short = "【示范营业厅】请A012号到3号窗口办理。";
    let long = "【示范营业厅】您的A012号前面还有3位，预计约9分钟，请回到大厅留意叫号。过号需重新取号，谢谢您的耐心等待。办理时请携带本人有效身份证件原件，祝您办理顺利！";
    assert!(
        long.encode_utf16().count() > 70,
        "the long text needs message_payload"
    );
    ch.send_sms(NUMBER, short).await.unwrap();
    ch.send_sms("13900139000", long).await.unwrap();
    let got = smsc.submitted();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (
            got[0].destination.as_str(),
            got[0].source.as_str(),
            got[0].text.as_str()
        ),
        (NUMBER, "10086", short)
    );
    assert_eq!(
        (got[1].destination.as_str(), got[1].text.as_str()),
        ("13900139000", long)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpp_with_a_wrong_password_or_no_server_fails_and_sends_nothing() {
    let mut smsc = Smsc::start(0);
    let err = smpp(smsc.port, "wrong")
        .send_sms(NUMBER, "x")
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Bind(_)), "{err:?}");
    let port = smsc.port;
    smsc.stop();
    let err = smpp(port, PASSWORD)
        .send_sms(NUMBER, "x")
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Unreachable(_)), "{err:?}");
    assert!(err.to_string().contains("短信网关"), "{err}");
    assert!(smsc.submitted().is_empty());
}

/// What the webhook server saw: each body and its token header.
type Seen = Arc<Mutex<Vec<(serde_json::Value, Option<String>)>>>;

/// An HTTP server that answers `statuses` in turn (then 200), recording every request.
async fn webhook_server(statuses: Vec<u16>) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let left = Arc::new(Mutex::new(statuses.into_iter()));
    let s = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (s, left) = (Arc::clone(&s), Arc::clone(&left));
            async move {
                let token = headers
                    .get("X-Api-Key")
                    .map(|v| v.to_str().unwrap().to_owned());
                s.lock()
                    .unwrap()
                    .push((serde_json::from_str(&body).unwrap(), token));
                let code = left.lock().unwrap().next().unwrap_or(200);
                StatusCode::from_u16(code).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn webhook(url: &str) -> SmsChannel {
    SmsChannel::Webhook(
        WebhookChannel::new(WebhookConfig {
            url: url.into(),
            token: Some("k-123".into()),
            token_header: "X-Api-Key".into(),
            timeout_secs: 5,
        })
        .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_posts_json_with_the_token_and_retries_a_failing_gateway() {
    let (url, seen) = webhook_server(vec![503, 500]).await;
    let ch = webhook(&url);
    let notice = Outgoing {
        ticket: TicketId::new("20261130-0007").unwrap(),
        kind: NoticeKind::Called,
        phone: Some(NUMBER.into()),
        text: "请A007号到2号窗口办理。".into(),
    };
    let policy = RetryPolicy {
        attempts: 3,
        backoff_ms: 10,
        max_backoff_ms: 20,
    };
    let mut attempts = Vec::new();
    let last = deliver_with_retry(&ch, &notice, policy, |a| attempts.push(a.result.clone())).await;
    assert!(last.result.is_ok() && last.attempt == 3, "{last:?}");
    assert_eq!(
        attempts,
        [
            Err(SendError::Refused("HTTP 503".into())),
            Err(SendError::Refused("HTTP 500".into())),
            Ok(())
        ]
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let (body, token) = &seen[2];
    assert_eq!(token.as_deref(), Some("k-123"));
    assert_eq!(body["to"], NUMBER);
    assert_eq!(body["text"], "请A007号到2号窗口办理。");
    assert_eq!(body["ticket"], "20261130-0007");
    assert_eq!(body["kind"], "called");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_gives_up_after_the_limit_and_refuses_a_bad_url() {
    let (url, seen) = webhook_server(vec![500; 10]).await;
    let policy = RetryPolicy {
        attempts: 2,
        backoff_ms: 1,
        max_backoff_ms: 1,
    };
    let notice = Outgoing {
        ticket: TicketId::new("20261130-0008").unwrap(),
        kind: NoticeKind::Near,
        phone: Some(NUMBER.into()),
        text: "t".into(),
    };
    let last = deliver_with_retry(&webhook(&url), &notice, policy, |_| {}).await;
    assert!(last.last && last.attempt == 2 && last.result.is_err());
    assert_eq!(seen.lock().unwrap().len(), 2);
    let bad = WebhookChannel::new(WebhookConfig {
        url: "ftp://gateway/sms".into(),
        token: None,
        token_header: "Authorization".into(),
        timeout_secs: 5,
    })
    .unwrap_err();
    assert!(bad.to_string().contains("短信接口"), "{bad}");
}
