//! The web module against a board in memory: what a phone gets for a good, a forged, another
//! day's and a malformed token, and where a rating goes (once per token).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hallq_phone::{Board, NoticeLead, RateError, TicketSource, TicketState, TicketView, TokenKey};
use hallq_proto::{BusinessDay, CommandId, HallId, LocalText, Score, TicketId};
use tower::ServiceExt as _;

const DAY: BusinessDay = BusinessDay(20261123);

struct Fake {
    tx: tokio::sync::watch::Sender<Arc<Board>>,
    rated: Mutex<Vec<(TicketId, CommandId, Score)>>,
    noticed: Mutex<Vec<(TicketId, NoticeLead)>>,
}

#[async_trait::async_trait]
impl TicketSource for Fake {
    fn board(&self) -> tokio::sync::watch::Receiver<Arc<Board>> {
        self.tx.subscribe()
    }
    async fn rate(&self, t: &TicketId, c: CommandId, s: Score) -> Result<(), RateError> {
        self.rated.lock().unwrap().push((t.clone(), c, s));
        Ok(())
    }
    async fn ask_notice(&self, t: &TicketId, lead: NoticeLead) -> Result<(), RateError> {
        self.noticed.lock().unwrap().push((t.clone(), lead));
        Ok(())
    }
}

fn view(state: TicketState) -> TicketView {
    TicketView {
        number: "A012".into(),
        business: LocalText::new("普通业务", "General services"),
        people_ahead: 3,
        estimated_wait_min: Some(9),
        documents: vec![LocalText::new("身份证原件", "Your ID card")],
        state,
        rated: None,
        notice: None,
    }
}

fn setup(state: TicketState) -> (Arc<Fake>, Arc<TokenKey>, axum::Router, String) {
    let key = Arc::new(TokenKey::new(HallId::new("h1").unwrap(), &[3; 32]));
    let mut tickets = HashMap::new();
    tickets.insert(TicketId::new("20261123-0012").unwrap(), view(state));
    let board = Board {
        day: Some(DAY),
        hall: LocalText::new("示例营业厅", "Example hall"),
        tickets,
        notice_choices: vec![
            NoticeLead::Ahead(2),
            NoticeLead::Ahead(3),
            NoticeLead::Minutes(5),
        ],
    };
    let fake = Arc::new(Fake {
        tx: tokio::sync::watch::Sender::new(Arc::new(board)),
        rated: Mutex::new(Vec::new()),
        noticed: Mutex::new(Vec::new()),
    });
    let app = hallq_phone::router(fake.clone(), key.clone());
    let token = key.issue(DAY, 12);
    (fake, key, app, token)
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let r = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status();
    let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn post(app: &axum::Router, path: &str, body: &str) -> StatusCode {
    app.clone()
        .oneshot(
            Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body.to_owned()))
                .unwrap(),
        )
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_good_token_shows_the_ticket_without_any_outside_asset() {
    let (_, _, app, token) = setup(TicketState::Waiting);
    let (status, body) = get(&app, &format!("/t/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    for want in [
        "A012",
        "普通业务",
        "General services",
        "身份证原件",
        "示例营业厅",
    ] {
        assert!(body.contains(want), "{want}: {body}");
    }
    assert!(
        body.contains(r#"<span class="big" id="ahead">3</span>"#),
        "{body}"
    );
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "no outside asset"
    );
    assert!(
        !body.contains("20261123-0012"),
        "the ticket id is not on the page"
    );
}

#[tokio::test]
async fn bad_tokens_get_a_bilingual_page_not_a_dump() {
    let (_, key, app, token) = setup(TicketState::Waiting);
    let mut forged = token.clone().into_bytes();
    forged[30] = if forged[30] == b'a' { b'b' } else { b'a' };
    let forged = String::from_utf8(forged).unwrap();
    let yesterday = key.issue(BusinessDay(20261122), 12);
    let unknown = key.issue(DAY, 99);
    for (path, want) in [
        (format!("/t/{forged}"), StatusCode::NOT_FOUND),
        ("/t/not-a-token".to_owned(), StatusCode::NOT_FOUND),
        (format!("/t/{unknown}"), StatusCode::NOT_FOUND),
        (format!("/t/{yesterday}"), StatusCode::GONE),
        (format!("/t/{yesterday}/events"), StatusCode::GONE),
        (format!("/t/{forged}/live"), StatusCode::NOT_FOUND),
        ("/anything".to_owned(), StatusCode::NOT_FOUND),
    ] {
        let (status, body) = get(&app, &path).await;
        assert_eq!(status, want, "{path}");
        assert!(
            body.contains("请重新扫描") && body.contains("Scan the QR code"),
            "{body}"
        );
    }
    let (_, body) = get(&app, &format!("/t/{yesterday}")).await;
    assert!(
        body.contains("已过期") && body.contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn a_called_ticket_shows_its_counter() {
    let (_, _, app, token) = setup(TicketState::Called {
        counter: LocalText::new("3号窗口", "Counter 3"),
    });
    let (_, body) = get(&app, &format!("/t/{token}/live")).await;
    let j: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(j["state"], "called");
    assert!(j["html"].as_str().unwrap().contains("3号窗口"), "{body}");
}

#[tokio::test]
async fn a_rating_goes_to_the_source_with_the_token_s_command_id_and_junk_is_refused() {
    let (fake, _, app, token) = setup(TicketState::Done);
    let (_, body) = get(&app, &format!("/t/{token}")).await;
    assert_eq!(body.matches(r#"name="score""#).count(), 4, "four grades");
    let path = format!("/t/{token}/rate");
    assert_eq!(
        post(&app, &path, "score=satisfied").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post(&app, &path, "score=great").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(post(&app, &path, "").await, StatusCode::BAD_REQUEST);
    let rated = fake.rated.lock().unwrap().clone();
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0].0.as_str(), "20261123-0012");
    assert_eq!(rated[0].1.as_str(), format!("phone-rate-{token}"));
    assert_eq!(rated[0].2, Score::Satisfied);
}

#[tokio::test]
async fn a_waiting_page_offers_the_halls_lead_times_and_takes_only_those() {
    let (fake, _, app, token) = setup(TicketState::Waiting);
    let (status, body) = get(&app, &format!("/t/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("value=\"ahead-2\"") && body.contains("value=\"min-5\""),
        "{body}"
    );
    assert!(
        !body.contains("value=\"ahead-3\""),
        "3 ahead already: {body}"
    );
    assert!(body.contains("快到我时提醒我"), "{body}");
    let path = format!("/t/{token}/notice");
    assert_eq!(
        post(&app, &path, "lead=min-10").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&app, &path, "lead=nonsense").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&app, &path, "lead=ahead-2").await,
        StatusCode::SEE_OTHER
    );
    let got = fake.noticed.lock().unwrap().clone();
    assert_eq!(
        got,
        vec![(
            TicketId::new("20261123-0012").unwrap(),
            NoticeLead::Ahead(2)
        )]
    );
}

#[tokio::test]
async fn a_called_page_offers_no_notice_and_takes_none() {
    let counter = LocalText::new("3号窗口", "Counter 3");
    let (fake, _, app, token) = setup(TicketState::Called { counter });
    let (_, body) = get(&app, &format!("/t/{token}")).await;
    assert!(!body.contains("ahead-2"), "{body}");
    let path = format!("/t/{token}/notice");
    assert_eq!(
        post(&app, &path, "lead=ahead-2").await,
        StatusCode::SEE_OTHER
    );
    assert!(fake.noticed.lock().unwrap().is_empty());
}

/// The next event of an events stream (keep-alive comments skipped); `None` once it ended.
async fn next_event(
    body: &mut (impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
) -> Option<String> {
    use futures_util::StreamExt as _;
    let mut text = String::new();
    loop {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), body.next())
            .await
            .expect("the stream neither sent nor ended");
        text.push_str(std::str::from_utf8(&chunk?.unwrap()).unwrap());
        if let Some(end) = text.find("\n\n") {
            let event = text[..end].to_owned();
            if event.lines().any(|l| l.starts_with("data:")) {
                return Some(event);
            }
            text.drain(..end + 2);
        }
    }
}

#[tokio::test]
async fn the_events_stream_sends_the_ticket_s_changes_only_and_ends_when_the_day_turns() {
    let (fake, _, app, token) = setup(TicketState::Waiting);
    let r = app
        .clone()
        .oneshot(
            Request::get(format!("/t/{token}/events"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut body = r.into_body().into_data_stream();
    let first = next_event(&mut body).await.unwrap();
    assert!(first.contains(r#""state":"waiting""#), "{first}");
    // Another ticket changes: nothing for this page. Then this one is called: its event.
    let change = |f: &dyn Fn(&mut Board)| {
        fake.tx.send_modify(|b| {
            let mut next = (**b).clone();
            f(&mut next);
            *b = Arc::new(next);
        });
    };
    change(&|b| {
        b.tickets.insert(
            TicketId::new("20261123-0013").unwrap(),
            view(TicketState::Waiting),
        );
    });
    change(&|b| {
        if let Some(v) = b.tickets.get_mut(&TicketId::new("20261123-0012").unwrap()) {
            v.state = TicketState::Called {
                counter: LocalText::new("3号窗口", "Counter 3"),
            };
        }
    });
    let called = next_event(&mut body).await.unwrap();
    assert!(
        called.contains("called") && called.contains("3号窗口"),
        "{called}"
    );
    // The day turns: the stream ends (the browser's reconnect gets "expired").
    change(&|b| b.day = Some(BusinessDay(20261124)));
    assert_eq!(next_event(&mut body).await, None);
}
