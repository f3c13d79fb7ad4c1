//! The pages' board on its way to HQ, and a page's requests on their way back (docs/phone.md,
//! "At HQ").
//!
//! The hub sends its [`crate::Board`] on `hallq.pages.<hall>` (plain NATS, over the uplink's
//! connection) as [`UpPart`]s, each within the server's message limit: the whole board in
//! parts now and then ([`Feed::snapshot`]), and in between the tickets whose page changed
//! ([`Feed::delta`]), numbered, with an empty one every few seconds as a heartbeat. HQ puts them
//! back together ([`Mirror`]); when it sees a number skipped (a message missed, HQ restarted,
//! the hub restarted) it asks the hall for the whole board with a [`Resync`]. With each ticket
//! goes its token: HQ checks a token by finding it among the tokens the hall sent (see
//! [`Listed`]), so the hall's phone key never leaves the hall. What HQ learns is what the QR
//! codes of the day print, and the pages it serves show anyway: no personal data (a
//! [`crate::TicketView`] has none).
//!
//! What a page at HQ asks of the hall (a rating, a notice) goes down as a [`Down`] request, a
//! NATS request on `hallq.pagedown.<hall>`; the hub hands it to its own [`TicketSource`] (the
//! writer records it as it does its own pages', the rating under the same command id, so a
//! rating from both is recorded once) and answers a [`DownAnswer`]. A [`Resync`] comes on the
//! same subject, unanswered. One subject down: one subscription at the hub and one permission
//! per hall.

mod feed;
mod mirror;
mod part;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use hallq_proto::{BusinessDay, CommandId, Score, TicketId};
use serde::{Deserialize, Serialize};

use crate::token::{MAC_BYTES, TokenCheck, TokenError, parse};
use crate::view::{NoticeLead, RateError, TicketSource};

pub use feed::{Feed, Out};
pub use mirror::{Mirror, Took};
pub use part::{BOARD_VERSION, Kind, UpPart, UpTicket};

/// The wire version of [`Down`] and [`Resync`].
pub const VERSION: u32 = 1;

/// HQ asking a hall for its whole board (it missed a message, or has none yet), on
/// `hallq.pagedown.<hall>`; not answered: the snapshot goes to every HQ process on the pages'
/// subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resync {
    /// [`VERSION`].
    pub v: u32,
    /// Always true: what tells it from a [`Down`].
    pub resync: bool,
}

impl Resync {
    /// The request's bytes.
    pub fn body() -> Vec<u8> {
        serde_json::to_vec(&Self {
            v: VERSION,
            resync: true,
        })
        .unwrap_or_default()
    }

    /// Whether `body` is a resync request.
    pub fn is(body: &[u8]) -> bool {
        serde_json::from_slice::<Self>(body).is_ok_and(|r| r.resync)
    }
}

/// A hall's tokens of the day, by their MAC: what [`Listed`] checks against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens(pub HashMap<[u8; MAC_BYTES], (BusinessDay, TicketId)>);

/// The token check at HQ: a token opens a ticket if the hall sent it for that ticket. A token
/// not sent (made up, of another hall, or of a day HQ has no board of) opens nothing.
#[derive(Debug, Clone, Default)]
pub struct Listed(pub Arc<RwLock<Tokens>>);

impl TokenCheck for Listed {
    fn verify(&self, token: &str, today: BusinessDay) -> Result<TicketId, TokenError> {
        let (day, ticket, mac) = parse(token)?;
        let tokens = self.0.read().unwrap_or_else(|p| p.into_inner());
        // The MAC is the look-up key of a hash map keyed at random per process: how long the
        // look-up takes tells nothing of how close a guessed MAC came.
        match tokens.0.get(&mac) {
            Some((d, t)) if *d == day && *t == ticket => {
                if day == today {
                    Ok(ticket)
                } else {
                    Err(TokenError::OtherDay)
                }
            }
            _ => Err(TokenError::Forged),
        }
    }
}

/// What a page at HQ asks of its hall, sent down on `hallq.pagedown.<hall>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Down {
    /// [`VERSION`].
    pub v: u32,
    /// The ticket the page is of.
    pub ticket: TicketId,
    /// What it asks.
    pub ask: DownAsk,
}

/// The two things a page records at its hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DownAsk {
    /// A grade, under the command id of the page's token (the same at the hub's page).
    Rate {
        /// The command id.
        command: CommandId,
        /// The grade.
        score: Score,
    },
    /// "Tell me when my turn is near", at this lead time.
    Notice {
        /// The lead time chosen.
        lead: NoticeLead,
    },
}

/// The hall's answer to a [`Down`] request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DownAnswer {
    /// Recorded (or recorded before under that command id).
    Recorded,
    /// Nothing to record: not served or rated already; not waiting or chosen already.
    NotRateable,
    /// The hall could not record it now.
    Unavailable {
        /// Why.
        why: String,
    },
}

impl From<Result<(), RateError>> for DownAnswer {
    fn from(r: Result<(), RateError>) -> Self {
        match r {
            Ok(()) => Self::Recorded,
            Err(RateError::NotRateable) => Self::NotRateable,
            Err(RateError::Unavailable(why)) => Self::Unavailable { why },
        }
    }
}

impl From<DownAnswer> for Result<(), RateError> {
    fn from(a: DownAnswer) -> Self {
        match a {
            DownAnswer::Recorded => Ok(()),
            DownAnswer::NotRateable => Err(RateError::NotRateable),
            DownAnswer::Unavailable { why } => Err(RateError::Unavailable(why)),
        }
    }
}

/// The hall's side of a [`Down`] request (its bytes as received): handed to `source`, the
/// hall's own pages' source, and answered. A request that is not one is answered so.
pub async fn answer_down(source: &dyn TicketSource, body: &[u8]) -> DownAnswer {
    let down = match serde_json::from_slice::<Down>(body) {
        Ok(d) if d.v == VERSION => d,
        Ok(d) => {
            return DownAnswer::Unavailable {
                why: format!("request version {}, not {VERSION}", d.v),
            };
        }
        Err(e) => {
            return DownAnswer::Unavailable {
                why: format!("not a page's request: {e}"),
            };
        }
    };
    let result = match down.ask {
        DownAsk::Rate { command, score } => source.rate(&down.ticket, command, score).await,
        DownAsk::Notice { lead } => source.ask_notice(&down.ticket, lead).await,
    };
    result.into()
}

#[cfg(test)]
mod tests_board;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::view::Board;

    /// A source that records what it is asked.
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl TicketSource for Recorder {
        fn board(&self) -> tokio::sync::watch::Receiver<Arc<Board>> {
            tokio::sync::watch::channel(Arc::new(Board::default())).1
        }
        async fn rate(&self, t: &TicketId, c: CommandId, s: Score) -> Result<(), RateError> {
            self.0.lock().unwrap().push(format!("rate {t} {c} {s:?}"));
            Err(RateError::NotRateable)
        }
        async fn ask_notice(&self, t: &TicketId, lead: NoticeLead) -> Result<(), RateError> {
            self.0
                .lock()
                .unwrap()
                .push(format!("notice {t} {}", lead.code()));
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_down_request_reaches_the_hall_s_source_and_its_answer_comes_back() {
        let r = Recorder::default();
        let t = TicketId::new("20261123-0001").unwrap();
        let rate = Down {
            v: VERSION,
            ticket: t.clone(),
            ask: DownAsk::Rate {
                command: CommandId::new("phone-rate-x").unwrap(),
                score: Score::Satisfied,
            },
        };
        let notice = Down {
            v: VERSION,
            ticket: t.clone(),
            ask: DownAsk::Notice {
                lead: NoticeLead::Minutes(10),
            },
        };
        let a = answer_down(&r, &serde_json::to_vec(&rate).unwrap()).await;
        assert_eq!(a, DownAnswer::NotRateable);
        let a = answer_down(&r, &serde_json::to_vec(&notice).unwrap()).await;
        assert_eq!(a, DownAnswer::Recorded);
        let a = answer_down(&r, b"{\"v\":1}").await;
        assert!(matches!(a, DownAnswer::Unavailable { .. }), "{a:?}");
        let mut future = serde_json::to_value(&rate).unwrap();
        future["v"] = 2.into();
        let a = answer_down(&r, &serde_json::to_vec(&future).unwrap()).await;
        assert!(matches!(a, DownAnswer::Unavailable { .. }), "{a:?}");
        assert_eq!(
            *r.0.lock().unwrap(),
            vec![
                "rate 20261123-0001 phone-rate-x Satisfied".to_owned(),
                "notice 20261123-0001 min-10".to_owned()
            ]
        );
        // Through JSON the answer is the result it stands for.
        let json = serde_json::to_vec(&DownAnswer::Unavailable { why: "x".into() }).unwrap();
        let back: Result<(), RateError> =
            serde_json::from_slice::<DownAnswer>(&json).unwrap().into();
        assert_eq!(back, Err(RateError::Unavailable("x".into())));
    }
}
