//! HQ's side of a hall's board: [`Mirror`] puts the hall's [`UpPart`]s back together into the
//! board the pages read and the tokens that open them (docs/phone.md, "At HQ").
//!
//! A snapshot's parts replace the whole board once all of them are in; a delta is applied as
//! it comes (each ticket's view is whole, and NATS keeps one sender's order, so the latest is
//! always the one kept). The mirror is *in step* while every message of the hub's run since a
//! whole board reached it; a number skipped, another run, or a snapshot's part missing puts it
//! out of step, and [`Took::behind`] tells its owner to ask the hall for a snapshot. Until the
//! first whole board it shows nothing (a page opened on a few tickets of a delta would refuse
//! the others' links as not valid). No IO, no clock: HQ's `phone` module owns the asking.

use std::collections::HashMap;

use hallq_proto::{BusinessDay, TicketId};

use super::part::{Kind, UpPart, UpTicket};
use crate::token::{MAC_BYTES, parse};
use crate::view::Board;

/// One hall's board at HQ, as far as its messages came.
#[derive(Debug, Default)]
pub struct Mirror {
    /// What the pages read.
    board: Board,
    /// Each ticket's token's MAC, to take it out of the tokens when the ticket goes.
    macs: HashMap<TicketId, [u8; MAC_BYTES]>,
    /// Whether a whole board came since the mirror was made.
    based: bool,
    /// The (run, seq) of the last message, while in step.
    at: Option<(u64, u64)>,
    /// A snapshot's parts so far.
    parts: Option<Assembly>,
}

/// A snapshot coming in: its run, its first part's number, its number of parts, the parts in.
#[derive(Debug)]
struct Assembly {
    run: u64,
    first: u64,
    count: u32,
    got: Vec<UpPart>,
}

/// What a message did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Took {
    /// The board the pages read changed.
    pub changed: bool,
    /// A message was missed (or none whole came yet): ask the hall for a snapshot.
    pub behind: bool,
    /// Tokens that no longer open a page (by their MAC).
    pub closed: Vec<[u8; MAC_BYTES]>,
    /// Tokens that now open a page: MAC, day, ticket.
    pub opened: Vec<([u8; MAC_BYTES], BusinessDay, TicketId)>,
}

impl Mirror {
    /// The board the pages read.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// Whether every message since a whole board came, in order.
    pub fn in_step(&self) -> bool {
        self.at.is_some()
    }

    /// Takes the hall's next message (checked by [`UpPart::received`]).
    pub fn take(&mut self, part: UpPart) -> Took {
        match part.kind {
            Kind::Snapshot { index, count } => self.take_part(part, index, count),
            Kind::Delta => self.take_delta(part),
        }
    }

    fn take_part(&mut self, part: UpPart, index: u32, count: u32) -> Took {
        let first = part.seq.checked_sub(u64::from(index));
        let (Some(first), true) = (first, index < count) else {
            self.at = None;
            return self.behind();
        };
        let same = self
            .parts
            .as_ref()
            .is_some_and(|a| a.run == part.run && a.first == first && a.count == count);
        if !same {
            // A new snapshot; one that did not finish is given up.
            if index != 0 {
                self.parts = None;
                self.at = None;
                return self.behind();
            }
            self.parts = Some(Assembly {
                run: part.run,
                first,
                count,
                got: Vec::with_capacity(count as usize),
            });
        }
        let Some(assembly) = self.parts.as_mut() else {
            return self.behind();
        };
        if assembly.got.len() != index as usize {
            // A part missed (or one sent again): this snapshot cannot be finished.
            self.parts = None;
            self.at = None;
            return self.behind();
        }
        let (run, seq) = (part.run, part.seq);
        assembly.got.push(part);
        if assembly.got.len() < count as usize {
            return Took::default();
        }
        let Some(assembly) = self.parts.take() else {
            return self.behind();
        };
        let mut took = Took {
            closed: self.macs.drain().map(|(_, mac)| mac).collect(),
            ..Took::default()
        };
        let mut board = Board::default();
        for p in assembly.got {
            header(&mut board, &p);
            for t in p.tickets {
                self.put(&mut board, t, &mut took);
            }
        }
        took.changed = board != self.board;
        self.board = board;
        self.based = true;
        self.at = Some((run, seq));
        took
    }

    fn take_delta(&mut self, part: UpPart) -> Took {
        // A snapshot not finished before a delta has lost a part.
        let broken = self.parts.take().is_some();
        let in_step = !broken
            && self
                .at
                .is_some_and(|(run, seq)| run == part.run && seq.checked_add(1) == Some(part.seq));
        self.at = in_step.then_some((part.run, part.seq));
        if !self.based {
            return self.behind();
        }
        let mut took = Took::default();
        let mut board = std::mem::take(&mut self.board);
        let before_header = (board.day, board.hall.clone(), board.notice_choices.clone());
        header(&mut board, &part);
        took.changed =
            before_header != (board.day, board.hall.clone(), board.notice_choices.clone());
        for id in part.gone {
            if board.tickets.remove(&id).is_some() {
                took.changed = true;
            }
            if let Some(mac) = self.macs.remove(&id) {
                took.closed.push(mac);
            }
        }
        for t in part.tickets {
            if board.tickets.get(&t.ticket) != Some(&t.view) {
                took.changed = true;
            }
            self.put(&mut board, t, &mut took);
        }
        self.board = board;
        took.behind = !in_step;
        took
    }

    /// A ticket's view on `board`, and its token among those that open a page (a token that
    /// does not parse, or does not name its ticket, opens nothing).
    fn put(&mut self, board: &mut Board, t: UpTicket, took: &mut Took) {
        let mac = parse(&t.token)
            .ok()
            .filter(|(_, id, _)| *id == t.ticket)
            .map(|(day, _, mac)| (day, mac));
        let old = match mac {
            Some((day, mac)) => {
                took.opened.push((mac, day, t.ticket.clone()));
                self.macs.insert(t.ticket.clone(), mac)
            }
            None => self.macs.remove(&t.ticket),
        };
        if let Some(old) = old
            && mac.is_none_or(|(_, m)| m != old)
        {
            took.closed.push(old);
        }
        board.tickets.insert(t.ticket, t.view);
    }

    fn behind(&self) -> Took {
        Took {
            behind: true,
            ..Took::default()
        }
    }
}

/// The hall's header, from any of its messages.
fn header(board: &mut Board, part: &UpPart) {
    board.day = part.day;
    board.hall = part.name.clone();
    board.notice_choices = part.notice_choices.clone();
}
