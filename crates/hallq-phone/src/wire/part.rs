//! One message of a hall's pages' board on its way to HQ: an [`UpPart`], never larger than the
//! bytes its sender allows (NATS refuses a message over the server's `max_payload`, 1 MiB by
//! default, and a busy day's whole board is about that size).
//!
//! A part is either one of the consecutive parts of the whole board ([`Kind::Snapshot`]) or
//! the tickets changed since the message before it ([`Kind::Delta`]). Each carries its
//! sender's run and a sequence number, so that HQ sees a message it missed
//! (`crate::wire::Mirror`); and the hall's header (day, name, lead times), small, so that every
//! part is whole by itself.

use hallq_proto::{BusinessDay, LocalText, TicketId};
use serde::{Deserialize, Serialize};

use crate::view::{NoticeLead, TicketView};

/// The board's wire version: 2 is the board in parts. A version 1 board (one message, the
/// whole board, before parts) is still taken, as a whole board of one part.
pub const BOARD_VERSION: u32 = 2;

/// One message of a hall's board to HQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpPart {
    /// [`BOARD_VERSION`] (or 1, from a hub before parts).
    pub v: u32,
    /// The hall's id (HQ drops a part whose id is not its subject's).
    pub hall: String,
    /// The sender's run: a random number the hub draws when it starts; `seq` counts within it,
    /// so a restarted hub is not taken for one that skipped numbers.
    #[serde(default)]
    pub run: u64,
    /// This message's number in its run: one more than the message before.
    #[serde(default)]
    pub seq: u64,
    /// A part of the whole board, or a change.
    #[serde(default = "Kind::whole")]
    pub kind: Kind,
    /// The business day open; `None` before the first.
    pub day: Option<BusinessDay>,
    /// The hall's name.
    pub name: LocalText,
    /// The lead times the pages offer for "tell me when my turn is near".
    #[serde(default)]
    pub notice_choices: Vec<NoticeLead>,
    /// Tickets, each with its page's token: all of them over a snapshot's parts; in a delta,
    /// those whose page changed.
    pub tickets: Vec<UpTicket>,
    /// In a delta, the tickets no longer on the board.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<TicketId>,
}

/// What an [`UpPart`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Part `index` (from 0) of the `count` parts of the whole board; the parts have
    /// consecutive `seq`s, the first part's `seq - index` is the snapshot's first.
    Snapshot {
        /// Which part.
        index: u32,
        /// Of how many.
        count: u32,
    },
    /// The tickets changed, and gone, since the message `seq - 1` of the run. An empty delta
    /// says "nothing changed": sent every few seconds, it lets HQ see a message it missed.
    Delta,
}

impl Kind {
    /// A whole board in one part (what a version 1 board is).
    pub fn whole() -> Self {
        Self::Snapshot { index: 0, count: 1 }
    }
}

/// One ticket of an [`UpPart`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpTicket {
    /// The ticket's id.
    pub ticket: TicketId,
    /// The token its QR code holds.
    pub token: String,
    /// What its page shows.
    pub view: TicketView,
}

impl UpPart {
    /// The part in `body`, received on the subject of hall `subject_hall`: refused (with the
    /// reason) if it is not a board's part of a version HQ knows, or names another hall than
    /// its subject's (each hall may publish on its own subject only, so a part naming another
    /// hall's tickets is not believed).
    pub fn received(subject_hall: &str, body: &[u8]) -> Result<Self, String> {
        let up: Self = serde_json::from_slice(body).map_err(|e| format!("not a board: {e}"))?;
        if up.v != 1 && up.v != BOARD_VERSION {
            return Err(format!("board version {}, not {BOARD_VERSION}", up.v));
        }
        if up.hall != subject_hall {
            return Err(format!(
                "the board of hall {:?} came on hall {subject_hall:?}'s subject",
                up.hall
            ));
        }
        Ok(up)
    }
}

/// Splits `tickets` and `gone` into parts under `head` (its own lists empty), each at most
/// `limit` bytes as JSON, whatever `seq` and part numbers the caller then gives them. At least
/// one part, even with nothing in it. A ticket that does not fit in a part by itself is left
/// out; their number is the second value.
pub(crate) fn split(
    head: &UpPart,
    tickets: Vec<UpTicket>,
    gone: Vec<TicketId>,
    limit: usize,
) -> (Vec<UpPart>, usize) {
    // The envelope at its widest: the largest numbers, the `gone` key present.
    let mut widest = head.clone();
    widest.seq = u64::MAX;
    widest.run = u64::MAX;
    widest.kind = Kind::Snapshot {
        index: u32::MAX,
        count: u32::MAX,
    };
    widest.tickets.clear();
    widest.gone.clear();
    let envelope = json_len(&widest) + r#","gone":[]"#.len();
    let room = limit.saturating_sub(envelope);
    let mut parts = Vec::new();
    let mut part = empty(head);
    let mut used = 0;
    let mut left_out = 0;
    // Each item costs its JSON and a comma.
    let mut place = |len: usize, part: &mut UpPart, used: &mut usize| -> bool {
        if len + 1 > room {
            return false;
        }
        if *used + len + 1 > room {
            parts.push(std::mem::replace(part, empty(head)));
            *used = 0;
        }
        *used += len + 1;
        true
    };
    for id in gone {
        if place(json_len(&id), &mut part, &mut used) {
            part.gone.push(id);
        }
    }
    for t in tickets {
        if place(json_len(&t), &mut part, &mut used) {
            part.tickets.push(t);
        } else {
            left_out += 1;
        }
    }
    parts.push(part);
    (parts, left_out)
}

fn empty(head: &UpPart) -> UpPart {
    let mut part = head.clone();
    part.tickets.clear();
    part.gone.clear();
    part
}

fn json_len<T: Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX / 2, |v| v.len())
}
