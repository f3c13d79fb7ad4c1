//! The ticket pages' board to HQ, and HQ's pages' ratings and notices back (docs/phone.md, "At
//! HQ"): with `[phone]` and `[uplink]` both on, HQ serves the same pages as the hub.
//!
//! A task beside the uplink's, on its connection, never on the writer's path: it follows the
//! writer's board (the `watch` the hub's own pages follow) and sends it, with each ticket's
//! token, on `hallq.pages.<hall>` (plain NATS) — at once after a change when the last went
//! [`MIN_GAP`] ago or more, otherwise at the end of that gap (a busy minute's batches then make
//! one message per gap, carrying the latest), and every [`RESEND`] anyway, so that an HQ
//! process that started, or a message lost while the link was down, is made good. It answers
//! HQ's requests (`hallq.pagedown.<hall>`, NATS request/reply) through the hub's own
//! [`TicketSource`]: the writer records them as it does its own pages'.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{Client, Subscriber};
use futures_util::StreamExt as _;
use hallq_phone::wire::{UpBoard, answer_down};
use hallq_phone::{Board, TicketSource, TokenKey};
use hallq_proto::TicketId;
use tokio::sync::watch;
use tokio::time::Instant;

/// The shortest time between two boards sent: a bound on the uplink's bytes in a busy minute,
/// and on the delay a page at HQ adds to a call.
pub(super) const MIN_GAP: Duration = Duration::from_millis(200);

/// A board is sent at least this often, changed or not.
pub(super) const RESEND: Duration = Duration::from_secs(5);

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
    // Tokens made once per ticket: an HMAC each, and a day has thousands.
    let mut tokens: HashMap<TicketId, String> = HashMap::new();
    let mut sent: Option<Instant> = None;
    let mut due = true;
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
                let (client, source) = (client.clone(), Arc::clone(&pages.source));
                tokio::spawn(answer(client, source, m));
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
        let now = Arc::clone(&board.borrow_and_update());
        let up = up_board(&hall, &now, &pages.key, &mut tokens);
        match serde_json::to_vec(&up) {
            Ok(body) => {
                if let Err(error) = client.publish(subject.clone(), body.into()).await {
                    tracing::debug!(%error, "the pages' board was not sent");
                }
            }
            Err(error) => tracing::warn!(%error, "the pages' board cannot be written"),
        }
        sent = Some(Instant::now());
        due = false;
    }
}

/// The board with its tokens, made once per ticket and forgotten with the day.
fn up_board(
    hall: &str,
    board: &Board,
    key: &TokenKey,
    tokens: &mut HashMap<TicketId, String>,
) -> UpBoard {
    tokens.retain(|id, _| board.tickets.contains_key(id));
    for id in board.tickets.keys() {
        if !tokens.contains_key(id)
            && let Some(t) = key.issue_for(id)
        {
            tokens.insert(id.clone(), t);
        }
    }
    UpBoard::with_tokens(hall, board, |id| tokens.get(id).cloned())
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
    fn the_board_sent_carries_each_ticket_s_token_made_once() {
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
        let up = up_board("h1", &board, &key, &mut tokens);
        assert_eq!(up.tickets.len(), 1);
        assert_eq!(up.tickets[0].token, key.issue(day, 1));
        // The day over: its tokens are forgotten with its tickets.
        let up = up_board("h1", &Board::default(), &key, &mut tokens);
        assert!(up.tickets.is_empty() && tokens.is_empty());
    }
}
