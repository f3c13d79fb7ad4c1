//! The live ticket page served by the hub (`[phone]`, docs/phone.md): the ticket's URL for the
//! kiosk's reply, the board of today's tickets the pages follow, and the pages' ratings, which
//! go through the single writer as any touchpoint does.
//!
//! The writer keeps a [`PhoneLink`]: after each batch that changed something it rebuilds the
//! [`Board`] from the engine and publishes it on a `watch` (never waiting for a page). The web
//! module (`hallq_phone::router`) reads that board through [`HubTickets`], and hands a rating to
//! the writer as [`Input::PhoneRate`](crate::writer::Input::PhoneRate), answered after its
//! commit; a notice chosen on the page likewise as
//! [`Input::PhoneNotice`](crate::writer::Input::PhoneNotice) (`crate::page_notice`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hallq_phone::{
    Board, GoneReason, NoticeLead, RateError, TicketSource, TicketState, TicketView, TokenKey,
};
use hallq_proto::{CommandId, DeviceId, Score, TicketId, Timestamp};
use hallq_queue::{Engine, Event, TicketStatus};
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::HallConfig;
use crate::page_notice::PageNotices;
use crate::writer::Input;

/// The phone key file's first line.
const KEY_HEADER: &str = "hallq-phone-key-v1";

/// The phone key's file in the data directory, beside the journal (not the personal-data key:
/// a page server may hold this one without being able to open a sealed number).
pub const KEY_FILE: &str = "phone.key";

/// The device id a page's rating is journaled under (no device of hall.toml has it: `phone`
/// is not a role, and the registry never gives it).
pub const PHONE_DEVICE: &str = "phone-page";

/// hall.toml's `[phone]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhoneSection {
    /// Serve the page, and put its URL in the tickets' QR codes. Off by default: a hall's QR
    /// code holds the bare ticket id as before.
    pub enabled: bool,
    /// Where the page listens: the hall's guest Wi-Fi must reach it.
    pub listen: SocketAddr,
    /// The start of the URL in the QR code (`http://192.168.10.2:8090`): the address phones
    /// reach the page at. Default: `http://` and `listen`.
    pub public_base: Option<String>,
}

impl Default for PhoneSection {
    fn default() -> Self {
        Self {
            enabled: false,
            listen: SocketAddr::from(([0, 0, 0, 0], 8090)),
            public_base: None,
        }
    }
}

impl PhoneSection {
    /// The URL base the QR codes hold.
    pub fn base(&self) -> String {
        self.public_base
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// What is wrong with the section, in Chinese and English.
    pub fn check(&self) -> Result<(), String> {
        if let Some(b) = &self.public_base
            && !(b.starts_with("http://") || b.starts_with("https://"))
        {
            return Err(format!(
                "[phone] public_base 须以 http:// 或 https:// 开头 / [phone] public_base must start with http:// or https://: {b:?}"
            ));
        }
        Ok(())
    }
}

/// How long a rebuild of the board may wait while more input is already queued for the writer.
/// A busy minute's batches then make one rebuild per this interval, after the last of a burst
/// at once; a page's update lags its call by no more than this.
pub const COALESCE: Duration = Duration::from_millis(50);

/// What the writer keeps for the pages.
#[derive(Debug)]
pub struct PhoneLink {
    key: Arc<TokenKey>,
    base: String,
    board: watch::Sender<Arc<Board>>,
    /// The notices chosen on the pages.
    notices: PageNotices,
    /// A batch wrote something since the last rebuild.
    dirty: bool,
    /// When the board was last rebuilt.
    rebuilt: Option<Instant>,
}

impl PhoneLink {
    /// The link of a hall with `[phone]` on, its key read from the data directory (made there
    /// the first time).
    pub fn open(config: &HallConfig) -> Result<Self, crate::privacy::VaultError> {
        let path = config.hub.data_dir.join(KEY_FILE);
        let (key, made) = crate::privacy::key_file(&path, KEY_HEADER, hallq_phone::KEY_BYTES)?;
        let key = TokenKey::new(config.hall.id.clone(), &key);
        if made {
            tracing::info!(path = %path.display(), "made the phone page's key");
        }
        Ok(Self {
            key: Arc::new(key),
            base: config.phone.base(),
            board: watch::Sender::new(Arc::new(Board::default())),
            notices: PageNotices::default(),
            dirty: false,
            rebuilt: None,
        })
    }

    /// The key, for the web module.
    pub fn key(&self) -> Arc<TokenKey> {
        Arc::clone(&self.key)
    }

    /// A receiver of the board, for [`HubTickets`].
    pub fn subscribe(&self) -> watch::Receiver<Arc<Board>> {
        self.board.subscribe()
    }

    /// The page's URL of `ticket`.
    pub fn url(&self, ticket: &TicketId) -> Option<String> {
        let token = self.key.issue_for(ticket)?;
        Some(hallq_phone::url(&self.base, &token))
    }

    /// The pages' notices, for the writer: the consent to journal for a choice, and what it
    /// has to learn after each commit and at start (`crate::page_notice`).
    pub fn notices(&mut self) -> &mut PageNotices {
        &mut self.notices
    }

    /// The consent event for a page's choice (`Err`: not taken, the page shows why).
    pub fn consent(
        &self,
        ticket: &TicketId,
        lead: NoticeLead,
        engine: &Engine,
        config: &HallConfig,
        now: Timestamp,
    ) -> (Vec<Event>, Result<(), RateError>) {
        if !config.notify.page.leads().contains(&lead) {
            return (Vec::new(), Err(RateError::NotRateable));
        }
        match self.notices.consent(ticket, lead, engine, now) {
            Some(e) => (vec![e], Ok(())),
            None => (Vec::new(), Err(RateError::NotRateable)),
        }
    }

    /// Rebuilds the board from the engine; the pages hear of it only if it changed.
    pub fn refresh(&mut self, engine: &Engine, config: &HallConfig) {
        let board = board(engine, config, &self.notices);
        self.board.send_if_modified(|was| {
            let changed = **was != board;
            if changed {
                *was = Arc::new(board);
            }
            changed
        });
        self.dirty = false;
        self.rebuilt = Some(Instant::now());
    }

    /// A batch wrote something: the board is rebuilt at the next [`PhoneLink::refresh_due`].
    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// Rebuilds the board if a batch wrote something since the last rebuild, unless more input
    /// is already waiting for the writer and the last rebuild is less than [`COALESCE`] old.
    /// The writer calls it after it has handed a batch's replies and state to the broker: a
    /// day's board costs a pass over thousands of tickets, and the wall display and the devices
    /// must not wait for it (docs/BENCHMARKS.md, "Ticket pages on many phones").
    pub fn refresh_due(&mut self, engine: &Engine, config: &HallConfig, more_waiting: bool) {
        let recent = self.rebuilt.is_some_and(|at| at.elapsed() < COALESCE);
        if self.dirty && !(more_waiting && recent) {
            self.refresh(engine, config);
        }
    }
}

/// Today's tickets as their pages show them, with the notices chosen on them.
pub fn board(engine: &Engine, config: &HallConfig, notices: &PageNotices) -> Board {
    let queue = engine.config();
    let counter = |no| {
        queue
            .counter(no)
            .map(hallq_queue::config::CounterConfig::display_name)
            .unwrap_or_else(|| {
                hallq_proto::LocalText::new(format!("{no}号窗口"), format!("Counter {no}"))
            })
    };
    // Every waiting ticket's wait in one pass over the queues, not `wait_of` ticket by ticket
    // (quadratic: the hub's main work on a busy day, docs/BENCHMARKS.md).
    let waits = engine.waits();
    let tickets: HashMap<TicketId, TicketView> = engine
        .tickets()
        .iter()
        .map(|t| {
            let business = queue.business(&t.business);
            let (people_ahead, estimated_wait_min) = match t.status {
                TicketStatus::Waiting => waits
                    .get(&t.id)
                    .copied()
                    .unwrap_or_else(|| engine.wait_of(&t.id)),
                _ => (0, None),
            };
            let state = match t.status {
                TicketStatus::Waiting => TicketState::Waiting,
                TicketStatus::Called(c) => TicketState::Called {
                    counter: counter(c),
                },
                TicketStatus::Serving(c) => TicketState::Serving {
                    counter: counter(c),
                },
                TicketStatus::Served => TicketState::Done,
                TicketStatus::Skipped => TicketState::Gone {
                    why: GoneReason::Skipped,
                },
                TicketStatus::Cancelled => TicketState::Gone {
                    why: GoneReason::Cancelled,
                },
                TicketStatus::Closed => TicketState::Gone {
                    why: GoneReason::Closed,
                },
            };
            let view = TicketView {
                number: t.number.0.clone(),
                business: business.map_or_else(
                    || hallq_proto::LocalText::new(t.business.as_str(), t.business.as_str()),
                    |b| b.name.clone(),
                ),
                people_ahead,
                estimated_wait_min,
                documents: business.map(|b| b.documents.clone()).unwrap_or_default(),
                state,
                rated: t.rated,
                notice: notices.view(&t.id),
            };
            (t.id.clone(), view)
        })
        .collect();
    Board {
        day: engine.day(),
        hall: config.hall.name.clone(),
        tickets,
        notice_choices: config.notify.page.leads(),
    }
}

/// A page's rating on its way to the writer.
#[derive(Debug)]
pub struct PhoneRate {
    /// The ticket rated.
    pub ticket: TicketId,
    /// The command id, from the page's token: the same for every click of that ticket's pages.
    pub command: CommandId,
    /// The grade.
    pub score: Score,
    /// Told once the rating is durable, or why it was not taken.
    pub done: oneshot::Sender<Result<(), RateError>>,
}

/// A page's choice of notice on its way to the writer.
#[derive(Debug)]
pub struct PhoneNotice {
    /// The ticket.
    pub ticket: TicketId,
    /// The lead time chosen.
    pub lead: NoticeLead,
    /// Told once the consent is durable, or why it was not taken.
    pub done: oneshot::Sender<Result<(), RateError>>,
}

/// The hub's [`TicketSource`]: the writer's board, and the writer's input for ratings (a weak
/// handle, so that the writer still stops when the hub's own handles drop).
#[derive(Debug)]
pub struct HubTickets<T> {
    board: watch::Receiver<Arc<Board>>,
    writer: mpsc::WeakSender<Input<T>>,
}

impl<T> HubTickets<T> {
    /// The source over the writer's board and input.
    pub fn new(board: watch::Receiver<Arc<Board>>, writer: &mpsc::Sender<Input<T>>) -> Self {
        Self {
            board,
            writer: writer.downgrade(),
        }
    }
}

#[async_trait::async_trait]
impl<T: Send + 'static> TicketSource for HubTickets<T> {
    fn board(&self) -> watch::Receiver<Arc<Board>> {
        self.board.clone()
    }

    async fn rate(
        &self,
        ticket: &TicketId,
        command: CommandId,
        score: Score,
    ) -> Result<(), RateError> {
        let gone = || RateError::Unavailable("the hub is stopping".into());
        let writer = self.writer.upgrade().ok_or_else(gone)?;
        let (done, answer) = oneshot::channel();
        let rate = PhoneRate {
            ticket: ticket.clone(),
            command,
            score,
            done,
        };
        writer
            .send(Input::PhoneRate(rate))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    async fn ask_notice(&self, ticket: &TicketId, lead: NoticeLead) -> Result<(), RateError> {
        let gone = || RateError::Unavailable("the hub is stopping".into());
        let writer = self.writer.upgrade().ok_or_else(gone)?;
        let (done, answer) = oneshot::channel();
        let ask = PhoneNotice {
            ticket: ticket.clone(),
            lead,
            done,
        };
        writer
            .send(Input::PhoneNotice(ask))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Serves the page on `listener` until the task is aborted.
pub async fn serve<T: Send + 'static>(
    listener: tokio::net::TcpListener,
    source: HubTickets<T>,
    key: Arc<TokenKey>,
) {
    let app = hallq_phone::router(Arc::new(source), key);
    if let Err(error) = axum::serve(listener, app).await {
        tracing::error!(%error, "the phone page stopped");
    }
}

/// The device id of the pages' ratings.
pub fn phone_device() -> DeviceId {
    DeviceId::new(PHONE_DEVICE).unwrap_or_else(|_| unreachable!("a topic-safe literal"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const HALL: &str =
        "[hall]\nid = \"demo\"\nname = { zh = \"演示营业厅\", en = \"Demo Hall\" }\n";

    #[test]
    fn the_phone_key_is_made_once_private_read_back_and_refused_when_others_may_read_it() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let (k1, made) =
            crate::privacy::key_file(&path, KEY_HEADER, hallq_phone::KEY_BYTES).unwrap();
        assert!(made);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (k2, made) =
            crate::privacy::key_file(&path, KEY_HEADER, hallq_phone::KEY_BYTES).unwrap();
        assert!(!made);
        assert_eq!(k1, k2);
        // The personal-data key's header is not the phone key's.
        assert!(crate::privacy::key_file(&path, "hallq-other-key", 32).is_err());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = crate::privacy::key_file(&path, KEY_HEADER, hallq_phone::KEY_BYTES);
        assert!(
            matches!(err, Err(crate::privacy::VaultError::Exposed { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn the_board_follows_a_batch_once_the_writer_has_nothing_waiting_or_the_interval_passed() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = HallConfig::parse(&format!("{HALL}[phone]\nenabled = true\n")).unwrap();
        c.hub.data_dir = dir.path().to_owned();
        let mut link = PhoneLink::open(&c).unwrap();
        let mut engine = Engine::new(c.queue.clone()).unwrap();
        link.refresh(&engine, &c);
        let board = link.subscribe();
        assert_eq!(board.borrow().day, None);
        let day = hallq_proto::BusinessDay(20261207);
        let open = hallq_queue::Command::OpenDay { day };
        engine.apply(&open, Timestamp(1_796_600_000_000)).unwrap();
        link.touch();
        // More input waits and the board was just rebuilt: the next batch's turn.
        link.refresh_due(&engine, &c, true);
        assert_eq!(board.borrow().day, None, "not rebuilt while input waits");
        // The writer's queue is empty: rebuilt now.
        link.refresh_due(&engine, &c, false);
        assert_eq!(board.borrow().day, Some(day));
        // Under a stream of input that never pauses, rebuilt once the interval has passed.
        let next = hallq_proto::BusinessDay(20261208);
        for cmd in [
            hallq_queue::Command::CloseDay,
            hallq_queue::Command::OpenDay { day: next },
        ] {
            engine.apply(&cmd, Timestamp(1_796_686_400_000)).unwrap();
        }
        link.touch();
        std::thread::sleep(COALESCE);
        link.refresh_due(&engine, &c, true);
        assert_eq!(board.borrow().day, Some(next), "rebuilt after the interval");
    }

    #[test]
    fn phone_is_off_unless_hall_toml_turns_it_on() {
        let c = HallConfig::parse(HALL).unwrap();
        assert!(!c.phone.enabled);
        let c = HallConfig::parse(&format!(
            "{HALL}[phone]\nenabled = true\nlisten = \"127.0.0.1:8091\"\n"
        ))
        .unwrap();
        assert!(c.phone.enabled);
        assert_eq!(c.phone.base(), "http://127.0.0.1:8091");
        let c = HallConfig::parse(&format!(
            "{HALL}[phone]\nenabled = true\npublic_base = \"https://q.example/\"\n"
        ))
        .unwrap();
        assert_eq!(c.phone.base(), "https://q.example/");
        assert_eq!(
            hallq_phone::url(&c.phone.base(), "abc"),
            "https://q.example/t/abc"
        );
    }

    #[test]
    fn a_public_base_that_is_not_http_is_refused_in_both_languages() {
        let c = HallConfig::parse(&format!(
            "{HALL}[phone]\nenabled = true\npublic_base = \"192.168.1.2:8090\"\n"
        ))
        .unwrap();
        let e = c.phone.check().unwrap_err();
        assert!(e.contains("须以") && e.contains("must start"), "{e}");
        assert!(HallConfig::parse(&format!("{HALL}[phone]\nenable = true\n")).is_err());
    }
}
