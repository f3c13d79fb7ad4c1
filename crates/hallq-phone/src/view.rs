//! What the page shows of a ticket, and where it comes from: a [`TicketSource`] (the hub's live
//! state in a hall; at HQ, the board the hall sends up, see `crate::wire`).

use std::collections::HashMap;
use std::sync::Arc;

use hallq_proto::{BusinessDay, CommandId, LocalText, Score, TicketId};
use serde::{Deserialize, Serialize};

/// One ticket as its page shows it. No personal data: a number, a business, a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    /// The number printed and called (`A012`).
    pub number: String,
    /// The business type's name.
    pub business: LocalText,
    /// Tickets called before it, while it waits.
    pub people_ahead: u32,
    /// Estimated minutes until it is called, while it waits; `None` when no counter serves it.
    pub estimated_wait_min: Option<u32>,
    /// One-time notification (一次性告知): the documents to have ready.
    pub documents: Vec<LocalText>,
    /// Where it is.
    pub state: TicketState,
    /// The grade the customer gave, once rated (on the evaluator's pad or here).
    pub rated: Option<Score>,
    /// "Tell me when my turn is near", chosen on this page: the lead time and whether it fired.
    pub notice: Option<NoticeView>,
}

/// A lead time for "tell me when my turn is near", as the page offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLead {
    /// When at most this many people are ahead.
    Ahead(u32),
    /// When the estimated wait is at most this many minutes.
    Minutes(u32),
}

impl NoticeLead {
    /// Its code in the form and the journal: `ahead-3`, `min-10`.
    pub fn code(self) -> String {
        match self {
            Self::Ahead(n) => format!("ahead-{n}"),
            Self::Minutes(m) => format!("min-{m}"),
        }
    }

    /// The lead time of `code`; `None` for anything else.
    pub fn parse(code: &str) -> Option<Self> {
        if let Some(n) = code.strip_prefix("ahead-") {
            return n.parse().ok().map(Self::Ahead);
        }
        code.strip_prefix("min-")
            .and_then(|m| m.parse().ok())
            .map(Self::Minutes)
    }
}

/// The notice a ticket's customer chose on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    /// The lead time chosen.
    pub lead: NoticeLead,
    /// The rule fired: the page shows "your turn is near" (while the ticket waits).
    pub near: bool,
}

impl TicketView {
    /// Whether the page offers the four grades: served and not rated yet.
    pub fn rateable(&self) -> bool {
        self.state == TicketState::Done && self.rated.is_none()
    }
}

/// Where a ticket is, as its customer needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TicketState {
    /// In the queue.
    Waiting,
    /// Called: go to the counter.
    Called {
        /// The counter's name (`3号窗口` / `Counter 3`).
        counter: LocalText,
    },
    /// Being served.
    Serving {
        /// The counter's name.
        counter: LocalText,
    },
    /// Served.
    Done,
    /// Over without service.
    Gone {
        /// Why.
        why: GoneReason,
    },
}

/// Why a ticket ended without service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoneReason {
    /// Called and not there: staff may put it back in the queue today.
    Skipped,
    /// Withdrawn.
    Cancelled,
    /// The day closed.
    Closed,
}

/// Every ticket of a hall's business day that a page may show, with the hall's name: what a
/// [`TicketSource`] publishes after each change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// The business day open; `None` before the first.
    pub day: Option<BusinessDay>,
    /// The hall's name.
    pub hall: LocalText,
    /// Today's tickets.
    pub tickets: HashMap<TicketId, TicketView>,
    /// The lead times a waiting ticket's page offers for "tell me when my turn is near" (the
    /// hall's choice); none: the page offers no notice.
    pub notice_choices: Vec<NoticeLead>,
}

impl Default for Board {
    fn default() -> Self {
        Self {
            day: None,
            hall: LocalText::new("", ""),
            tickets: HashMap::new(),
            notice_choices: Vec::new(),
        }
    }
}

/// How a rating from the page ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    /// Not served, or rated already (on the pad or by an earlier click of another page).
    #[error("nothing to rate")]
    NotRateable,
    /// The hall could not record it now (its journal, its writer); try again.
    #[error("not recorded: {0}")]
    Unavailable(String),
}

/// Where the pages' tickets come from, and where their ratings go.
///
/// One implementation of the page serves both the hub (its live state, ratings through its
/// single writer) and HQ (the board the hall sends up, ratings and notices sent down).
#[async_trait::async_trait]
pub trait TicketSource: Send + Sync + 'static {
    /// The board now and every change to it: a page's live updates follow this.
    fn board(&self) -> tokio::sync::watch::Receiver<Arc<Board>>;

    /// Records the rating of `ticket`, served today. `command` is derived from the page's
    /// token: a second click, a replayed request or a second open page are the same command,
    /// recorded once. `Ok` once it is durable (or was already recorded under that id).
    async fn rate(
        &self,
        ticket: &TicketId,
        command: CommandId,
        score: Score,
    ) -> Result<(), RateError>;

    /// Records that the customer of `ticket`, waiting, asked on the page to be told when their
    /// turn is near, at `lead` (one of the board's `notice_choices`): their consent, journaled.
    /// `Ok` once durable. A source that offers no notices keeps this default.
    async fn ask_notice(&self, _ticket: &TicketId, _lead: NoticeLead) -> Result<(), RateError> {
        Err(RateError::Unavailable(
            "notices are not offered here".into(),
        ))
    }
}
