//! The ticket pages at HQ (issue 15 §1, docs/phone.md "At HQ"): the same pages as the hall's
//! hub serves (crate `hallq-phone`, one implementation), for every hall that sends its board
//! up, on a listener of their own (`[phone] listen` in hq.toml: the phones' public address,
//! apart from the staff's console).
//!
//! Each hall's hub sends its board on `hallq.pages.<hall>` as [`UpPart`]s: the whole board in
//! parts now and then, the tickets changed in between, numbered, an empty one every few seconds
//! (docs/phone.md, "At HQ"); [`follow`] puts them back together per hall ([`Mirror`]): the
//! board the pages read and the tokens that open them. A hall whose messages HQ missed some of
//! (HQ restarted, a message lost) is asked for its whole board ([`Resync`] on
//! `hallq.pagedown.<hall>`), at most every [`RESYNC_GAP`] while it stays behind; its pages show
//! what came meanwhile. A page's address is the hub's own (`/t/{token}`): the token's MAC finds its hall (128
//! random-looking bits, unique across the chain), and that hall's router answers as the hub's
//! does. HQ never holds a hall's phone key: a token opens a page only if its hall sent it
//! (`hallq_phone::wire::Listed`). A rating or a notice goes down to the hall as a NATS request
//! on `hallq.pagedown.<hall>` ([`Down`]); the hub records it through its writer and answers.
//!
//! Every HQ process with `[phone]` subscribes (not in a queue group): each serves every hall's
//! pages from memory; nothing of them is stored. While a hall's link is away its pages keep
//! its last board (a rating or a notice then says it was not recorded); after HQ restarts a
//! page opens again once the hall's next message (within 5 s) showed HQ behind and the whole
//! board it asked for came.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use async_nats::Client;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use hallq_phone::token::{MAC_BYTES, parse};
use hallq_phone::wire::{Down, DownAnswer, DownAsk, Listed, Mirror, Resync, UpPart, VERSION};
use hallq_phone::{Board, NoticeLead, RateError, TicketSource};
use hallq_proto::{CommandId, Score, TicketId};
use serde::Deserialize;
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::error::HqError;

/// hq.toml's `[phone]`: absent, HQ serves no ticket pages.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhoneSettings {
    /// Where the pages listen (`0.0.0.0:8443` behind the chain's public proxy); none: off.
    pub listen: Option<String>,
}

impl PhoneSettings {
    /// `listen` as an address, if set.
    pub fn listen(&self) -> Result<Option<SocketAddr>, String> {
        self.listen
            .as_deref()
            .map(|l| {
                l.parse().map_err(|_| {
                    format!("[phone] listen “{l}” 不是 地址:端口 / is not an address:port")
                })
            })
            .transpose()
    }
}

/// How long a rating or a notice waits for its hall's answer.
const DOWN_WAIT: Duration = Duration::from_secs(10);

/// A hall behind is asked for its whole board at most this often (its hub sends a message at
/// least every 5 s, each of which shows it still behind).
pub const RESYNC_GAP: Duration = Duration::from_secs(2);

/// The chain's pages: per hall, its board and router; per token MAC, its hall.
#[derive(Clone)]
pub struct Pages {
    inner: Arc<Inner>,
}

struct Inner {
    nats: Client,
    halls: RwLock<HashMap<String, Arc<HallPages>>>,
    index: RwLock<HashMap<[u8; MAC_BYTES], String>>,
}

/// One hall's pages.
struct HallPages {
    board: watch::Sender<Arc<Board>>,
    tokens: Listed,
    router: Router,
    /// The hall's messages put together, and when it was last asked for its whole board.
    mirror: Mutex<(Mirror, Option<Instant>)>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// A hall's tickets at HQ: its last board, and requests sent down to it.
struct HqTickets {
    hall: String,
    board: watch::Receiver<Arc<Board>>,
    nats: Client,
}

impl HqTickets {
    async fn down(&self, ticket: &TicketId, ask: DownAsk) -> Result<(), RateError> {
        let unavailable = RateError::Unavailable;
        let subject =
            hallq_wire::page_down_subject(&self.hall).map_err(|e| unavailable(e.to_string()))?;
        let body = serde_json::to_vec(&Down {
            v: VERSION,
            ticket: ticket.clone(),
            ask,
        })
        .map_err(|e| unavailable(e.to_string()))?;
        let answer = tokio::time::timeout(DOWN_WAIT, self.nats.request(subject, body.into()))
            .await
            .map_err(|_| unavailable("the hall did not answer".into()))?
            .map_err(|e| unavailable(format!("the hall cannot be reached: {e}")))?;
        let answer: DownAnswer = serde_json::from_slice(&answer.payload)
            .map_err(|e| unavailable(format!("the hall's answer: {e}")))?;
        answer.into()
    }
}

#[async_trait::async_trait]
impl TicketSource for HqTickets {
    fn board(&self) -> watch::Receiver<Arc<Board>> {
        self.board.clone()
    }

    async fn rate(
        &self,
        ticket: &TicketId,
        command: CommandId,
        score: Score,
    ) -> Result<(), RateError> {
        self.down(ticket, DownAsk::Rate { command, score }).await
    }

    async fn ask_notice(&self, ticket: &TicketId, lead: NoticeLead) -> Result<(), RateError> {
        self.down(ticket, DownAsk::Notice { lead }).await
    }
}

impl Pages {
    /// No hall's pages yet; requests go down through `nats`.
    pub fn new(nats: Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                nats,
                halls: RwLock::new(HashMap::new()),
                index: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// Takes a part of a hall's board as received on `subject` at `now`; one that is not that
    /// hall's, or not of a version HQ knows, is refused (and nothing changes). `Ok(true)`: the
    /// hall is behind and was not asked for its whole board within [`RESYNC_GAP`]: ask it.
    pub fn take(&self, subject: &str, body: &[u8], now: Instant) -> Result<bool, String> {
        let hall = hallq_wire::hall_of(subject)
            .filter(|h| hallq_wire::pages_subject(h).is_ok_and(|s| s == subject))
            .ok_or_else(|| format!("{subject} is not a hall's pages subject"))?;
        let part = UpPart::received(hall, body)?;
        let pages = self.hall(hall);
        let mut mirror = lock(&pages.mirror);
        let took = mirror.0.take(part);
        if !took.closed.is_empty() || !took.opened.is_empty() {
            let mut tokens = write(&pages.tokens.0);
            let mut index = write(&self.inner.index);
            for mac in &took.closed {
                tokens.0.remove(mac);
                if index.get(mac).is_some_and(|h| h == hall) {
                    index.remove(mac);
                }
            }
            for (mac, day, ticket) in took.opened {
                tokens.0.insert(mac, (day, ticket));
                index.insert(mac, hall.to_owned());
            }
        }
        if took.changed {
            pages.board.send_replace(Arc::new(mirror.0.board().clone()));
        }
        let ask = took.behind
            && mirror
                .1
                .is_none_or(|at| now.duration_since(at) >= RESYNC_GAP);
        if ask {
            mirror.1 = Some(now);
        }
        Ok(ask)
    }

    /// The hall's pages, made at its first board.
    fn hall(&self, hall: &str) -> Arc<HallPages> {
        if let Some(p) = read(&self.inner.halls).get(hall) {
            return Arc::clone(p);
        }
        let mut halls = write(&self.inner.halls);
        Arc::clone(halls.entry(hall.to_owned()).or_insert_with(|| {
            let board = watch::Sender::new(Arc::new(Board::default()));
            let tokens = Listed::default();
            let source = HqTickets {
                hall: hall.to_owned(),
                board: board.subscribe(),
                nats: self.inner.nats.clone(),
            };
            let router =
                hallq_phone::routes::router_with(Arc::new(source), Arc::new(tokens.clone()));
            Arc::new(HallPages {
                board,
                tokens,
                router,
                mirror: Mutex::new((Mirror::default(), None)),
            })
        }))
    }

    /// The pages' web module: `/t/{token}…` of every hall that sent its board.
    pub fn router(&self) -> Router {
        Router::new().fallback(dispatch).with_state(self.clone())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A request to the hall its token names, or the page saying the link is not valid.
async fn dispatch(State(pages): State<Pages>, request: Request) -> Response {
    let token = request
        .uri()
        .path()
        .strip_prefix("/t/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("");
    let hall = parse(token)
        .ok()
        .and_then(|(_, _, mac)| read(&pages.inner.index).get(&mac).cloned())
        .and_then(|hall| read(&pages.inner.halls).get(&hall).cloned());
    match hall {
        Some(h) => match h.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        },
        None => (
            StatusCode::NOT_FOUND,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            hallq_phone::page::refusal(false).into_string(),
        )
            .into_response(),
    }
}

/// Keeps `pages` up to date with the halls' boards until the NATS connection closes.
pub async fn follow(pages: Pages) -> Result<(), HqError> {
    let mut boards = pages
        .inner
        .nats
        .subscribe(hallq_wire::PAGES_SUBJECTS)
        .await
        .map_err(|e| HqError::Nats(format!("subscribe {}: {e}", hallq_wire::PAGES_SUBJECTS)))?;
    while let Some(m) = boards.next().await {
        match pages.take(&m.subject, &m.payload, Instant::now()) {
            Ok(false) => {}
            Ok(true) => {
                let hall = hallq_wire::hall_of(&m.subject).unwrap_or_default();
                if let Ok(down) = hallq_wire::page_down_subject(hall) {
                    tracing::debug!(%hall, "a hall's pages behind: its whole board asked for");
                    if let Err(error) = pages.inner.nats.publish(down, Resync::body().into()).await
                    {
                        tracing::debug!(%error, %hall, "the whole board was not asked for");
                    }
                }
            }
            Err(reason) => {
                tracing::warn!(subject = %m.subject, %reason, "not a hall's pages: dropped");
            }
        }
    }
    Ok(())
}

/// Serves the pages on `listener`, fed from `nats`, until the task is aborted.
pub async fn serve(nats: Client, listener: tokio::net::TcpListener) {
    let pages = Pages::new(nats);
    let app = pages.router();
    let feed = tokio::spawn(async move {
        if let Err(e) = follow(pages).await {
            tracing::error!(error = %e, "the ticket pages' boards stopped");
        }
    });
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "the ticket pages stopped");
    }
    feed.abort();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::body::Body;
    use hallq_phone::wire::Feed;
    use hallq_phone::{TicketState, TicketView, TokenKey};
    use hallq_proto::{BusinessDay, HallId, LocalText};

    const DAY: BusinessDay = BusinessDay(20261123);

    /// A client that never connects: these tests send nothing down.
    async fn nowhere() -> Client {
        async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect("127.0.0.1:1")
            .await
            .unwrap()
    }

    fn up(hall: &str, key: &TokenKey, serial: u32) -> Vec<u8> {
        let id = TicketId::new(format!("{DAY}-{serial:04}")).unwrap();
        let mut board = Board {
            day: Some(DAY),
            hall: LocalText::new("天河营业厅", "Tianhe hall"),
            ..Board::default()
        };
        board.tickets.insert(
            id,
            TicketView {
                number: format!("A{serial:03}"),
                business: LocalText::new("基础业务", "Basic"),
                people_ahead: 1,
                estimated_wait_min: Some(4),
                documents: vec![],
                state: TicketState::Waiting,
                rated: None,
                notice: None,
            },
        );
        Feed::new(hall, 1, 1 << 20)
            .snapshot(&board, |id| key.issue_for(id))
            .messages
            .remove(0)
    }

    async fn get(pages: &Pages, path: &str) -> (StatusCode, String) {
        let r = pages
            .router()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn a_token_its_hall_sent_opens_its_page_and_a_forged_one_the_refusal() {
        let pages = Pages::new(nowhere().await);
        let k1 = TokenKey::new(HallId::new("h1").unwrap(), &[1; 32]);
        let k2 = TokenKey::new(HallId::new("h2").unwrap(), &[2; 32]);
        pages
            .take("hallq.pages.h1", &up("h1", &k1, 7), Instant::now())
            .unwrap();
        pages
            .take("hallq.pages.h2", &up("h2", &k2, 8), Instant::now())
            .unwrap();
        let (status, body) = get(&pages, &format!("/t/{}", k1.issue(DAY, 7))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.contains("A007") && body.contains("Tianhe hall"),
            "{body}"
        );
        let (status, body) = get(&pages, &format!("/t/{}", k2.issue(DAY, 8))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("A008"), "{body}");
        // Genuine keys, tickets not sent; made up; not a token.
        for path in [
            format!("/t/{}", k1.issue(DAY, 8)),
            format!("/t/{}", k2.issue(DAY, 7)),
            format!(
                "/t/{}",
                TokenKey::new(HallId::new("h1").unwrap(), &[9; 32]).issue(DAY, 7)
            ),
            "/t/not-a-token".to_owned(),
            "/".to_owned(),
        ] {
            let (status, body) = get(&pages, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(
                body.contains("无效的排队号链接") && body.contains("This ticket link is not valid"),
                "{body}"
            );
        }
    }

    #[tokio::test]
    async fn a_board_on_another_hall_s_subject_is_dropped_and_opens_nothing() {
        let pages = Pages::new(nowhere().await);
        let k1 = TokenKey::new(HallId::new("h1").unwrap(), &[1; 32]);
        // Hall h2's credentials publish a board naming h1.
        let e = pages
            .take("hallq.pages.h2", &up("h1", &k1, 7), Instant::now())
            .unwrap_err();
        assert!(e.contains("h1"), "{e}");
        assert!(
            pages
                .take("hallq.other.h1", &up("h1", &k1, 7), Instant::now())
                .is_err()
        );
        assert!(
            pages
                .take("hallq.pages.h1", b"junk", Instant::now())
                .is_err()
        );
        let (status, _) = get(&pages, &format!("/t/{}", k1.issue(DAY, 7))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_next_board_s_tokens_replace_the_last_s() {
        let pages = Pages::new(nowhere().await);
        let k1 = TokenKey::new(HallId::new("h1").unwrap(), &[1; 32]);
        pages
            .take("hallq.pages.h1", &up("h1", &k1, 7), Instant::now())
            .unwrap();
        pages
            .take("hallq.pages.h1", &up("h1", &k1, 9), Instant::now())
            .unwrap();
        let (status, _) = get(&pages, &format!("/t/{}", k1.issue(DAY, 7))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = get(&pages, &format!("/t/{}", k1.issue(DAY, 9))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    #[tokio::test]
    async fn a_hall_behind_is_asked_for_its_whole_board_at_most_every_resync_gap() {
        let pages = Pages::new(nowhere().await);
        let k1 = TokenKey::new(HallId::new("h1").unwrap(), &[1; 32]);
        let board = Board {
            day: Some(DAY),
            ..Board::default()
        };
        let mut feed = Feed::new("h1", 1, 1 << 20);
        // HQ started after the hub's snapshot: its first message is a delta.
        let _missed = feed.snapshot(&board, |id| k1.issue_for(id));
        let mut delta = || feed.delta(&board, |id| k1.issue_for(id)).messages.remove(0);
        let t0 = Instant::now();
        assert_eq!(pages.take("hallq.pages.h1", &delta(), t0), Ok(true));
        let soon = t0 + RESYNC_GAP / 2;
        assert_eq!(pages.take("hallq.pages.h1", &delta(), soon), Ok(false));
        let later = t0 + RESYNC_GAP;
        assert_eq!(pages.take("hallq.pages.h1", &delta(), later), Ok(true));
        // The whole board: in step, nothing more asked.
        let whole = feed
            .snapshot(&board, |id| k1.issue_for(id))
            .messages
            .remove(0);
        let much_later = t0 + 10 * RESYNC_GAP;
        assert_eq!(pages.take("hallq.pages.h1", &whole, much_later), Ok(false));
        let next = feed.delta(&board, |id| k1.issue_for(id)).messages.remove(0);
        assert_eq!(pages.take("hallq.pages.h1", &next, much_later), Ok(false));
    }

    #[test]
    fn phone_listen_must_be_an_address() {
        let ok = PhoneSettings {
            listen: Some("0.0.0.0:8443".into()),
        };
        assert!(ok.listen().unwrap().is_some());
        assert_eq!(PhoneSettings::default().listen().unwrap(), None);
        let bad = PhoneSettings {
            listen: Some("here".into()),
        };
        let e = bad.listen().unwrap_err();
        assert!(e.contains("不是") && e.contains("not an address"), "{e}");
    }
}
