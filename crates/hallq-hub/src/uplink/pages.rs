//! The ticket pages' board to HQ, and HQ's pages' ratings and notices back (docs/phone.md, "At
//! HQ"): with `[phone]` and `[uplink]` both on, HQ serves the same pages as the hub.
//!
//! A task beside the uplink's, on its connection, never on the writer's path: it follows the
//! writer's board (the `watch` the hub's own pages follow) and sends it on `hallq.pages.<hall>`
//! (plain NATS) through a [`Feed`]: whole, in parts within the server's `max_payload`, when it
//! starts, at a new day, when HQ asks ([`Resync`]) and every [`SNAPSHOT_EVERY`]; otherwise the
//! tickets whose page changed — at once after a change when the last message went [`MIN_GAP`]
//! ago or more, otherwise at the end of that gap (a busy minute's batches then make one message
//! per gap, carrying the latest), and an empty one every [`RESEND`] anyway, numbered like the
//! rest, so that HQ sees a message it missed and asks for the whole board. It answers HQ's
//! requests (`hallq.pagedown.<hall>`, NATS request/reply) through the hub's own
//! [`TicketSource`]: the writer records them as it does its own pages'.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, Subscriber};
use futures_util::StreamExt as _;
use hallq_phone::wire::{Feed, Resync, answer_down};
use hallq_phone::{Board, TicketSource, TokenKey};
use hallq_proto::TicketId;
use tokio::sync::watch;
use tokio::time::Instant;

/// The shortest time between two messages sent: a bound on the uplink's bytes in a busy
/// minute, and on the delay a page at HQ adds to a call.
pub(super) const MIN_GAP: Duration = Duration::from_millis(200);

/// A message (an empty one if nothing changed) is sent at least this often: HQ learns within
/// this time that it missed one.
pub(super) const RESEND: Duration = Duration::from_secs(5);

/// The whole board is sent at least this often, asked for or not: a bound on how long a page at
/// HQ could be wrong should HQ fail to see a message missed.
pub(super) const SNAPSHOT_EVERY: Duration = Duration::from_secs(300);

/// HQ's requests for the whole board are not served more often than this (several HQ
/// processes may ask at once; each asks again while it is behind).
const SNAPSHOT_GAP: Duration = Duration::from_secs(1);

/// A message's bytes at most, below the server's `max_payload` (1 MiB by default): small
/// messages keep a snapshot from holding up the connection's other traffic.
pub(super) const PART_BYTES: usize = 128 * 1024;

/// What the task needs from the hub's `[phone]`.
pub struct Pages {
    /// The writer's board.
    pub board: watch::Receiver<Arc<Board>>,
    /// The hall's phone key: the tokens are made in the hall, and the key stays there.
    pub key: Arc<TokenKey>,
    /// Where HQ's ratings and notices go (the hub's pages' own source).
    pub source: Arc<dyn TicketSource>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// Runs until `stop` turns true.
pub(super) async fn run(
    client: Client,
    hall: String,
    pages: Pages,
    mut stop: watch::Receiver<bool>,
) {
    let (Ok(subject), Ok(down)) = (
        hallq_wire::pages_subject(&hall),
        hallq_wire::page_down_subject(&hall),
    ) else {
        return;
    };
    // The subscription is made again by the client after a reconnect.
    let mut down = match client.subscribe(down).await {
        Ok(s) => Some(s),
        Err(error) => {
            tracing::warn!(%error, "HQ's ticket pages cannot send ratings down / 总部手机页评价无法下发");
            None
        }
    };
    let mut board = pages.board.clone();
    let mut feed = Feed::new(&hall, rand_run(), PART_BYTES);
    // Tokens made once per ticket: an HMAC each, and a day has thousands.
    let mut tokens: HashMap<TicketId, String> = HashMap::new();
    let mut sent: Option<Instant> = None;
    let mut due = true;
    // The next message is the whole board (the first is).
    let mut whole = true;
    let mut whole_at: Option<Instant> = None;
    loop {
        let wake = match sent {
            Some(at) if due => at + MIN_GAP,
            Some(at) => at + RESEND,
            None => Instant::now(),
        };
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            Some(m) = next(&mut down) => {
                if Resync::is(&m.payload) {
                    if whole_at.is_none_or(|at| at.elapsed() >= SNAPSHOT_GAP) {
                        whole = true;
                        due = true;
                    }
                } else {
                    let (client, source) = (client.clone(), Arc::clone(&pages.source));
                    tokio::spawn(answer(client, source, m));
                }
                continue;
            }
            changed = board.changed() => {
                if changed.is_err() {
                    break;
                }
                due = true;
                continue;
            }
            () = tokio::time::sleep_until(wake) => {}
        }
        if client.connection_state() != async_nats::connection::State::Connected {
            // Sent when the link is back (the next try a gap later).
            sent = Some(Instant::now());
            due = true;
            continue;
        }
        let max_payload = client.server_info().max_payload;
        if max_payload > 0 {
            feed.set_limit(PART_BYTES.min(max_payload));
        }
        let now = Arc::clone(&board.borrow_and_update());
        refresh_tokens(&now, &pages.key, &mut tokens);
        if whole_at.is_some_and(|at| at.elapsed() >= SNAPSHOT_EVERY) {
            whole = true;
        }
        let token_of = |id: &TicketId| tokens.get(id).cloned();
        let out = if whole {
            whole_at = Some(Instant::now());
            feed.snapshot(&now, token_of)
        } else {
            feed.delta(&now, token_of)
        };
        if out.left_out > 0 {
            tracing::warn!(
                tickets = out.left_out,
                "tickets too large for a message are not at HQ / 部分排队号过大，未发往总部"
            );
        }
        for body in out.messages {
            if let Err(error) = client.publish(subject.clone(), body.into()).await {
                // HQ sees the number skipped and asks for the whole board.
                tracing::debug!(%error, "a part of the pages' board was not sent");
            }
        }
        sent = Some(Instant::now());
        due = false;
        whole = false;
    }
}

/// A run number for the feed: random, so a restarted hub's messages are not taken for the
/// last run's.
fn rand_run() -> u64 {
    use ring::rand::{SecureRandom as _, SystemRandom};
    let mut bytes = [0u8; 8];
    // Without the system RNG, the process id: still unlike the last run's, most likely.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return (u64::from(std::process::id()) << 32) | 1;
    }
    u64::from_le_bytes(bytes)
}

/// The tokens of the board's tickets, made once per ticket and forgotten with the day.
fn refresh_tokens(board: &Board, key: &TokenKey, tokens: &mut HashMap<TicketId, String>) {
    tokens.retain(|id, _| board.tickets.contains_key(id));
    for id in board.tickets.keys() {
        if !tokens.contains_key(id)
            && let Some(t) = key.issue_for(id)
        {
            tokens.insert(id.clone(), t);
        }
    }
}

async fn next(down: &mut Option<Subscriber>) -> Option<async_nats::Message> {
    match down {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// Records one request of a page at HQ and answers it.
async fn answer(client: Client, source: Arc<dyn TicketSource>, m: async_nats::Message) {
    let Some(reply) = m.reply else {
        return;
    };
    let answer = answer_down(source.as_ref(), &m.payload).await;
    let body = serde_json::to_vec(&answer).unwrap_or_default();
    if let Err(error) = client.publish(reply, body.into()).await {
        tracing::debug!(%error, "a page's answer to HQ was not sent");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hallq_proto::{BusinessDay, HallId, LocalText};

    #[test]
    fn a_ticket_s_token_is_made_once_and_forgotten_with_its_day() {
        let key = TokenKey::new(HallId::new("h1").unwrap(), &[7; 32]);
        let day = BusinessDay(20261123);
        let id = TicketId::new("20261123-0001").unwrap();
        let view = hallq_phone::TicketView {
            number: "A001".into(),
            business: LocalText::new("基础", "Basic"),
            people_ahead: 0,
            estimated_wait_min: None,
            documents: vec![],
            state: hallq_phone::TicketState::Waiting,
            rated: None,
            notice: None,
        };
        let mut board = Board {
            day: Some(day),
            ..Board::default()
        };
        board.tickets.insert(id.clone(), view);
        let mut tokens = HashMap::new();
        refresh_tokens(&board, &key, &mut tokens);
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[&id], key.issue(day, 1));
        // The day over: its tokens are forgotten with its tickets.
        refresh_tokens(&Board::default(), &key, &mut tokens);
        assert!(tokens.is_empty());
    }
}
