//! The pages' board on its way to HQ, and a page's requests on their way back (docs/phone.md,
//! "At HQ").
//!
//! The hub sends its [`Board`] as an [`UpBoard`] on `hallq.pages.<hall>` (plain NATS, over the
//! uplink's connection) after every change and every few seconds anyway; HQ serves the same
//! pages from it. With each ticket goes its token: HQ checks a token by finding it among the
//! tokens the hall sent (see [`Listed`]), so the hall's phone key never leaves the hall. What
//! HQ learns is what the QR codes of the day print, and the pages it serves show anyway: no
//! personal data (a [`TicketView`] has none).
//!
//! What a page at HQ asks of the hall (a rating, a notice) goes down as a [`Down`] request, a
//! NATS request on `hallq.pagedown.<hall>`; the hub hands it to its own [`TicketSource`] (the
//! writer records it as it does its own pages', the rating under the same command id, so a
//! rating from both is recorded once) and answers a [`DownAnswer`]. One subject for both: one
//! subscription at the hub and one permission per hall.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use hallq_proto::{BusinessDay, CommandId, LocalText, Score, TicketId};
use serde::{Deserialize, Serialize};

use crate::token::{MAC_BYTES, TokenCheck, TokenError, TokenKey, parse};
use crate::view::{Board, NoticeLead, RateError, TicketSource, TicketView};

/// The wire version of [`UpBoard`] and [`Down`].
pub const VERSION: u32 = 1;

/// A hall's board for its ticket pages at HQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpBoard {
    /// [`VERSION`].
    pub v: u32,
    /// The hall's id (HQ drops a board whose id is not its subject's).
    pub hall: String,
    /// The business day open; `None` before the first.
    pub day: Option<BusinessDay>,
    /// The hall's name.
    pub name: LocalText,
    /// The lead times the pages offer for "tell me when my turn is near".
    #[serde(default)]
    pub notice_choices: Vec<NoticeLead>,
    /// Today's tickets, each with its page's token.
    pub tickets: Vec<UpTicket>,
}

/// One ticket of an [`UpBoard`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpTicket {
    /// The ticket's id.
    pub ticket: TicketId,
    /// The token its QR code holds.
    pub token: String,
    /// What its page shows.
    pub view: TicketView,
}

impl UpBoard {
    /// The board of `hall`, every ticket with its token under `key` (tickets whose id is not
    /// the engine's `{day}-{serial}` have no page and are left out).
    pub fn new(hall: &str, board: &Board, key: &TokenKey) -> Self {
        Self::with_tokens(hall, board, |id| key.issue_for(id))
    }

    /// The board of `hall`, each ticket with the token `token_of` gives (none: left out).
    pub fn with_tokens(
        hall: &str,
        board: &Board,
        token_of: impl Fn(&TicketId) -> Option<String>,
    ) -> Self {
        let mut tickets: Vec<UpTicket> = board
            .tickets
            .iter()
            .filter_map(|(id, view)| {
                Some(UpTicket {
                    ticket: id.clone(),
                    token: token_of(id)?,
                    view: view.clone(),
                })
            })
            .collect();
        tickets.sort_by(|a, b| a.ticket.cmp(&b.ticket));
        Self {
            v: VERSION,
            hall: hall.to_owned(),
            day: board.day,
            name: board.hall.clone(),
            notice_choices: board.notice_choices.clone(),
            tickets,
        }
    }

    /// The board in `body`, received on the subject of hall `subject_hall`: refused (with the
    /// reason) if it is not a board of this version, or names another hall than its subject's
    /// (each hall may publish on its own subject only, so a board naming another hall's tickets
    /// is not believed).
    pub fn received(subject_hall: &str, body: &[u8]) -> Result<Self, String> {
        let up: Self = serde_json::from_slice(body).map_err(|e| format!("not a board: {e}"))?;
        if up.v != VERSION {
            return Err(format!("board version {}, not {VERSION}", up.v));
        }
        if up.hall != subject_hall {
            return Err(format!(
                "the board of hall {:?} came on hall {subject_hall:?}'s subject",
                up.hall
            ));
        }
        Ok(up)
    }

    /// The board the pages read, and the tokens that open it.
    pub fn split(self) -> (Board, Tokens) {
        let mut tokens = HashMap::with_capacity(self.tickets.len());
        let mut tickets = HashMap::with_capacity(self.tickets.len());
        for t in self.tickets {
            // A token that does not parse, or does not name its ticket, opens nothing.
            if let Ok((day, id, mac)) = parse(&t.token)
                && id == t.ticket
            {
                tokens.insert(mac, (day, id));
            }
            tickets.insert(t.ticket, t.view);
        }
        let board = Board {
            day: self.day,
            hall: self.name,
            tickets,
            notice_choices: self.notice_choices,
        };
        (board, Tokens(tokens))
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
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::view::{TicketState, TicketView};
    use hallq_proto::HallId;

    const DAY: BusinessDay = BusinessDay(20261123);

    fn view(number: &str) -> TicketView {
        TicketView {
            number: number.into(),
            business: LocalText::new("基础业务", "Basic"),
            people_ahead: 2,
            estimated_wait_min: Some(6),
            documents: vec![],
            state: TicketState::Waiting,
            rated: None,
            notice: None,
        }
    }

    fn board(day: BusinessDay, serials: &[u32]) -> Board {
        Board {
            day: Some(day),
            hall: LocalText::new("天河营业厅", "Tianhe"),
            tickets: serials
                .iter()
                .map(|s| {
                    (
                        TicketId::new(format!("{day}-{s:04}")).unwrap(),
                        view(&format!("A{s:03}")),
                    )
                })
                .collect(),
            notice_choices: vec![NoticeLead::Ahead(3), NoticeLead::Minutes(10)],
        }
    }

    fn key(hall: &str) -> TokenKey {
        TokenKey::new(HallId::new(hall).unwrap(), &[7; 32])
    }

    /// The board as HQ gets it: through JSON.
    fn at_hq(up: &UpBoard) -> (Board, Listed) {
        let json = serde_json::to_vec(up).unwrap();
        let (board, tokens) = serde_json::from_slice::<UpBoard>(&json).unwrap().split();
        (board, Listed(Arc::new(RwLock::new(tokens))))
    }

    #[test]
    fn the_board_reaches_hq_whole_with_its_notice_choices() {
        let b = board(DAY, &[1, 2]);
        let (at, _) = at_hq(&UpBoard::new("h1", &b, &key("h1")));
        assert_eq!(at, b);
    }

    #[test]
    fn a_token_opens_at_hq_only_if_its_hall_sent_it() {
        let k = key("h1");
        let (_, listed) = at_hq(&UpBoard::new("h1", &board(DAY, &[1, 2]), &k));
        assert_eq!(
            listed.verify(&k.issue(DAY, 2), DAY).unwrap().as_str(),
            "20261123-0002"
        );
        // A genuine token of the hall's key for a ticket the hall did not send.
        assert_eq!(
            listed.verify(&k.issue(DAY, 3), DAY),
            Err(TokenError::Forged)
        );
        // A token of another hall (another key) for a ticket of the same id.
        let other = TokenKey::new(HallId::new("h2").unwrap(), &[8; 32]);
        assert_eq!(
            listed.verify(&other.issue(DAY, 2), DAY),
            Err(TokenError::Forged)
        );
        // Another ticket's serial with this ticket's MAC.
        let mut bytes = data_encoding::BASE32_NOPAD
            .decode(k.issue(DAY, 2).to_ascii_uppercase().as_bytes())
            .unwrap();
        bytes[7] = 1;
        let swapped = data_encoding::BASE32_NOPAD.encode(&bytes);
        assert_eq!(listed.verify(&swapped, DAY), Err(TokenError::Forged));
        assert_eq!(listed.verify("abc", DAY), Err(TokenError::Malformed));
    }

    #[test]
    fn another_day_s_token_sent_by_its_hall_is_over_and_one_not_sent_opens_nothing() {
        let k = key("h1");
        let yesterday = BusinessDay(20261122);
        let (_, listed) = at_hq(&UpBoard::new("h1", &board(yesterday, &[1]), &k));
        // The board still of yesterday, the page asked today: "another day".
        assert_eq!(
            listed.verify(&k.issue(yesterday, 1), DAY),
            Err(TokenError::OtherDay)
        );
        // Once today's board replaces it, yesterday's token is not among the hall's.
        let (_, listed) = at_hq(&UpBoard::new("h1", &board(DAY, &[1]), &k));
        assert_eq!(
            listed.verify(&k.issue(yesterday, 1), DAY),
            Err(TokenError::Forged)
        );
    }

    #[test]
    fn a_token_that_does_not_name_its_ticket_opens_nothing() {
        let k = key("h1");
        // The hall (or a forger on its subject) sends ticket 1 with ticket 2's token.
        let up = UpBoard::with_tokens("h1", &board(DAY, &[1]), |_| Some(k.issue(DAY, 2)));
        let (_, listed) = at_hq(&up);
        assert_eq!(
            listed.verify(&k.issue(DAY, 2), DAY),
            Err(TokenError::Forged)
        );
        assert_eq!(
            listed.verify(&k.issue(DAY, 1), DAY),
            Err(TokenError::Forged)
        );
    }

    #[test]
    fn a_board_on_another_hall_s_subject_or_of_another_version_is_refused() {
        let up = UpBoard::new("h1", &board(DAY, &[1]), &key("h1"));
        let body = serde_json::to_vec(&up).unwrap();
        assert_eq!(UpBoard::received("h1", &body).unwrap(), up);
        let e = UpBoard::received("h2", &body).unwrap_err();
        assert!(e.contains("\"h1\"") && e.contains("\"h2\""), "{e}");
        let mut future = serde_json::to_value(&up).unwrap();
        future["v"] = 2.into();
        let e = UpBoard::received("h1", &serde_json::to_vec(&future).unwrap()).unwrap_err();
        assert!(e.contains("version 2"), "{e}");
        assert!(UpBoard::received("h1", b"[]").is_err());
    }

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
