//! The hub's side of the board to HQ: [`Feed`] turns each board the writer publishes into the
//! messages to send (docs/phone.md, "At HQ": the board in parts).
//!
//! The whole board goes as a snapshot (consecutive parts) when the feed starts, when the day
//! changes and when HQ asks for it; otherwise only the tickets whose page changed go, as
//! deltas. Every message is numbered, so HQ sees one it missed and asks for a snapshot; an
//! empty delta is a heartbeat that lets it see even the last one missed. No IO here: the hub's
//! uplink task publishes what it returns.

use std::collections::HashMap;

use hallq_proto::{BusinessDay, TicketId};

use super::part::{BOARD_VERSION, Kind, UpPart, UpTicket, split};
use crate::view::{Board, TicketView};

/// What the hub last sent of each ticket, and numbers its messages.
#[derive(Debug)]
pub struct Feed {
    hall: String,
    /// This run's number ([`UpPart::run`]).
    run: u64,
    /// The last message's number.
    seq: u64,
    /// A message's bytes at most.
    limit: usize,
    /// The day of the last message; `None` before the first: the next is a snapshot.
    day: Option<Option<BusinessDay>>,
    /// Each ticket's view as last sent: a delta carries those that differ.
    sent: HashMap<TicketId, TicketView>,
}

/// The messages to send, in order, and how many tickets were left out of them (too large for
/// one message: never with a hall's business types, which are a few hundred bytes a ticket).
#[derive(Debug, Default)]
pub struct Out {
    /// Each message's JSON, at most the feed's limit.
    pub messages: Vec<Vec<u8>>,
    /// Tickets that did not fit in a message by themselves.
    pub left_out: usize,
}

impl Feed {
    /// A feed for `hall`'s board, its run `run` (drawn at random when the hub starts; not 0,
    /// which a version 1 board stands for), its messages at most `limit` bytes.
    pub fn new(hall: &str, run: u64, limit: usize) -> Self {
        Self {
            hall: hall.to_owned(),
            run: run.max(1),
            seq: 0,
            limit,
            day: None,
            sent: HashMap::new(),
        }
    }

    /// A message's bytes at most from now on (the server's `max_payload`, learnt at connect).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// The whole board, in as many parts as it needs; `token_of` gives a ticket's token (none:
    /// the ticket has no page and is left out).
    pub fn snapshot(
        &mut self,
        board: &Board,
        token_of: impl Fn(&TicketId) -> Option<String>,
    ) -> Out {
        let mut ids: Vec<&TicketId> = board.tickets.keys().collect();
        ids.sort();
        let tickets = up_tickets(board, ids, &token_of);
        let (parts, left_out) = split(&self.head(board), tickets, Vec::new(), self.limit);
        let count = u32::try_from(parts.len()).unwrap_or(u32::MAX);
        let messages = parts
            .into_iter()
            .zip(0..)
            .map(|(mut p, index)| {
                p.kind = Kind::Snapshot { index, count };
                self.number(p)
            })
            .collect();
        self.day = Some(board.day);
        self.sent = board.tickets.clone();
        Out { messages, left_out }
    }

    /// What changed since the last message: the tickets whose view differs, those gone; at
    /// least one message (empty: the heartbeat). The first board, and a new day's, go whole.
    pub fn delta(&mut self, board: &Board, token_of: impl Fn(&TicketId) -> Option<String>) -> Out {
        if self.day != Some(board.day) {
            return self.snapshot(board, token_of);
        }
        let mut changed: Vec<&TicketId> = board
            .tickets
            .iter()
            .filter(|(id, view)| self.sent.get(*id) != Some(*view))
            .map(|(id, _)| id)
            .collect();
        changed.sort();
        let mut gone: Vec<TicketId> = self
            .sent
            .keys()
            .filter(|id| !board.tickets.contains_key(*id))
            .cloned()
            .collect();
        gone.sort();
        let tickets = up_tickets(board, changed, &token_of);
        let (parts, left_out) = split(&self.head(board), tickets, gone, self.limit);
        let messages = parts.into_iter().map(|p| self.number(p)).collect();
        self.sent.retain(|id, _| board.tickets.contains_key(id));
        for (id, view) in &board.tickets {
            if self.sent.get(id) != Some(view) {
                self.sent.insert(id.clone(), view.clone());
            }
        }
        Out { messages, left_out }
    }

    /// A part's header: the hall, the run, the board's day, name and lead times.
    fn head(&self, board: &Board) -> UpPart {
        UpPart {
            v: BOARD_VERSION,
            hall: self.hall.clone(),
            run: self.run,
            seq: 0,
            kind: Kind::Delta,
            day: board.day,
            name: board.hall.clone(),
            notice_choices: board.notice_choices.clone(),
            tickets: Vec::new(),
            gone: Vec::new(),
        }
    }

    /// The part with the next number, as JSON.
    fn number(&mut self, mut part: UpPart) -> Vec<u8> {
        self.seq += 1;
        part.seq = self.seq;
        serde_json::to_vec(&part).unwrap_or_default()
    }
}

fn up_tickets(
    board: &Board,
    ids: Vec<&TicketId>,
    token_of: &impl Fn(&TicketId) -> Option<String>,
) -> Vec<UpTicket> {
    ids.into_iter()
        .filter_map(|id| {
            Some(UpTicket {
                ticket: id.clone(),
                token: token_of(id)?,
                view: board.tickets.get(id)?.clone(),
            })
        })
        .collect()
}
