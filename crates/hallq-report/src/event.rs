//! [`Ev`]: an event as the fold reads it, borrowed either from a journal row or from a typed
//! [`Event`]. From a row, the ids, the counter and the touchpoint come from the `events` table's
//! own columns (the journal fills them from the same event when it appends it), and the JSON
//! body is parsed only for the few kinds whose figures are in it, into a small struct of just
//! those fields. Parsing every body as [`EventKind`] (serde buffers an internally tagged enum
//! before it knows the kind, and allocates every id) was half of a report's time
//! (BENCHMARKS.md, "Reports").

use std::borrow::Cow;

use hallq_booking::BookingEvent;
use hallq_proto::{
    ComplaintAnswer, ComplaintCategory, CounterNo, Priority, Score, ServiceResult, TransferTarget,
};
use hallq_queue::{Event, EventKind, VisitOutcome};
use rusqlite::Row;
use serde::Deserialize;

use crate::visit::Outcome;

/// An event, with only what the fold uses.
#[derive(Debug)]
pub(crate) struct Ev<'a> {
    /// When, ms.
    pub(crate) at: i64,
    /// The touchpoint (1–16) and the visit it belongs to, when it has both: the trail.
    pub(crate) touch: Option<(u8, &'a str)>,
    /// What happened.
    pub(crate) what: What<'a>,
}

/// Where a transferred ticket goes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Target<'a> {
    /// Another business type's queue.
    #[serde(borrow)]
    Business(&'a str),
    /// A counter.
    Counter(CounterNo),
}

/// The kinds of event that change a figure, with the fields they need.
#[derive(Debug)]
pub(crate) enum What<'a> {
    DayClosed,
    VisitStarted {
        visit: &'a str,
    },
    VisitEnded {
        visit: &'a str,
        outcome: Outcome,
    },
    TicketIssued {
        ticket: &'a str,
        visit: &'a str,
        business: &'a str,
        priority: Priority,
        /// A booked customer's on-time check-in: the slot's start, ms.
        booked: Option<i64>,
        /// The customer's value tier and the head start it gave.
        tier: Option<hallq_queue::tiers::TierMark>,
    },
    TicketCalled {
        ticket: &'a str,
        counter: CounterNo,
        staff: &'a str,
    },
    ServiceStarted {
        ticket: &'a str,
        counter: CounterNo,
        staff: &'a str,
    },
    ServiceFinished {
        ticket: &'a str,
        counter: CounterNo,
        staff: &'a str,
        business: &'a str,
        result: ServiceResult,
    },
    NoShow {
        ticket: &'a str,
        counter: CounterNo,
    },
    Transferred {
        ticket: &'a str,
        counter: CounterNo,
        to: Target<'a>,
    },
    Requeued {
        ticket: &'a str,
    },
    /// Cancelled (walked out) or closed (by the reset).
    Withdrawn {
        ticket: &'a str,
        walked_out: bool,
    },
    Rated {
        ticket: &'a str,
        counter: CounterNo,
        score: Score,
    },
    /// The evaluator's prompt at this counter ended unrated.
    RatingSkipped(CounterNo),
    ComplaintOpened {
        complaint: &'a str,
        visit: Option<&'a str>,
        category: ComplaintCategory,
        business: Option<&'a str>,
        responsibility: Option<Cow<'a, str>>,
        first_contact_due_ms: i64,
        due_ms: i64,
    },
    ComplaintUpdated {
        complaint: &'a str,
        contacted: bool,
    },
    ComplaintResolved {
        complaint: &'a str,
        /// The written result told to the customer (rare: read whole).
        answer: Option<ComplaintAnswer>,
    },
    /// A consultation not answered on the spot: a call-back is owed within 24 h.
    ConsultationLeftOpen {
        visit: &'a str,
    },
    /// The call-back owed for the visit's consultation was made.
    CallbackMade {
        visit: &'a str,
    },
    CounterOpened(CounterNo),
    CounterClosed(CounterNo),
    CounterPaused(CounterNo),
    CounterResumed(CounterNo),
    /// The book of appointments changed (a few rows per booking: parsed whole).
    Booking(Cow<'a, BookingEvent>),
    /// The door counter's people since its last report: entering (touchpoint 4) or passing
    /// by (touchpoint 3).
    Door {
        passed_by: bool,
        count: u32,
    },
    /// A kiosk session began (touchpoint 9, before any visit).
    KioskSession,
    /// A kiosk session ended without a ticket at this step of [`crate::door::KIOSK_STEPS`]
    /// (`None`: a step this build does not know).
    KioskLeft(Option<usize>),
    /// The customer took the kiosk's self-service offer (touchpoint 9).
    SelfServiceChosen,
    /// Changes no figure but the trail.
    Other,
}

impl<'a> From<&'a Event> for Ev<'a> {
    fn from(e: &'a Event) -> Self {
        use EventKind as E;
        // A call-back comes after its visit ended: no step of the visit's trail.
        let touch = e
            .kind
            .touchpoint()
            .zip(e.kind.visit())
            .filter(|_| !matches!(e.kind, E::CallbackMade { .. }))
            .map(|(tp, v)| (tp.number(), v.as_str()));
        let what = match &e.kind {
            E::DayClosed { .. } => What::DayClosed,
            E::VisitStarted { visit } => What::VisitStarted {
                visit: visit.as_str(),
            },
            E::VisitEnded { visit, outcome } => What::VisitEnded {
                visit: visit.as_str(),
                outcome: (*outcome).into(),
            },
            E::TicketIssued {
                ticket,
                visit,
                business,
                priority,
                booked,
                tier,
                ..
            } => What::TicketIssued {
                ticket: ticket.as_str(),
                visit: visit.as_str(),
                business: business.as_str(),
                priority: *priority,
                booked: booked.map(|b| b.start.0),
                tier: *tier,
            },
            E::TicketCalled {
                ticket,
                counter,
                staff,
                ..
            } => What::TicketCalled {
                ticket: ticket.as_str(),
                counter: *counter,
                staff: staff.as_str(),
            },
            E::ServiceStarted {
                ticket,
                counter,
                staff,
                ..
            } => What::ServiceStarted {
                ticket: ticket.as_str(),
                counter: *counter,
                staff: staff.as_str(),
            },
            E::ServiceFinished {
                ticket,
                counter,
                staff,
                business,
                result,
                ..
            } => What::ServiceFinished {
                ticket: ticket.as_str(),
                counter: *counter,
                staff: staff.as_str(),
                business: business.as_str(),
                result: *result,
            },
            E::NoShow {
                ticket, counter, ..
            } => What::NoShow {
                ticket: ticket.as_str(),
                counter: *counter,
            },
            E::TicketTransferred {
                ticket,
                counter,
                to,
                ..
            } => What::Transferred {
                ticket: ticket.as_str(),
                counter: *counter,
                to: match to {
                    TransferTarget::Business(b) => Target::Business(b.as_str()),
                    TransferTarget::Counter(c) => Target::Counter(*c),
                },
            },
            E::TicketRequeued { ticket, .. } => What::Requeued {
                ticket: ticket.as_str(),
            },
            E::TicketCancelled { ticket, .. } => What::Withdrawn {
                ticket: ticket.as_str(),
                walked_out: true,
            },
            E::TicketClosed { ticket, .. } => What::Withdrawn {
                ticket: ticket.as_str(),
                walked_out: false,
            },
            E::Rated {
                ticket,
                counter,
                score,
                ..
            } => What::Rated {
                ticket: ticket.as_str(),
                counter: *counter,
                score: *score,
            },
            E::RatingSkipped { counter, .. } => What::RatingSkipped(*counter),
            E::ComplaintOpened {
                complaint,
                category,
                visit,
                business,
                responsibility,
                first_contact_due_ms,
                due_ms,
                ..
            } => What::ComplaintOpened {
                complaint: complaint.as_str(),
                visit: visit.as_ref().map(|v| v.as_str()),
                category: *category,
                business: business.as_ref().map(|b| b.as_str()),
                responsibility: responsibility.as_deref().map(Cow::Borrowed),
                first_contact_due_ms: first_contact_due_ms.0,
                due_ms: due_ms.0,
            },
            E::ComplaintUpdated {
                complaint,
                contacted,
                ..
            } => What::ComplaintUpdated {
                complaint: complaint.as_str(),
                contacted: *contacted,
            },
            E::ComplaintResolved {
                complaint, answer, ..
            } => What::ComplaintResolved {
                complaint: complaint.as_str(),
                answer: answer.clone(),
            },
            E::Touched {
                visit: Some(visit),
                touchpoint: hallq_proto::Touchpoint::Consultation,
                resolved: Some(false),
                ..
            } => What::ConsultationLeftOpen {
                visit: visit.as_str(),
            },
            E::Touched { what, count, .. } => device_touch(what, *count),
            E::CallbackMade { visit, .. } => What::CallbackMade {
                visit: visit.as_str(),
            },
            E::CounterOpened { counter } => What::CounterOpened(*counter),
            E::CounterClosed { counter } => What::CounterClosed(*counter),
            E::CounterPaused { counter, .. } => What::CounterPaused(*counter),
            E::CounterResumed { counter } => What::CounterResumed(*counter),
            E::Booking { booking } => What::Booking(Cow::Borrowed(booking)),
            _ => What::Other,
        };
        Ev {
            at: e.at_ms.0,
            touch,
            what,
        }
    }
}

/// The consultation touchpoint's number, as the `touchpoint` column holds it.
const CONSULTATION: i64 = 7;

/// The touchpoints the door counter and the kiosk journal (in front of the hall, entering,
/// self-service): their `what` says which figure.
const DEVICE_TOUCHPOINTS: [i64; 3] = [3, 4, 9];

/// A door counter's or a kiosk's touch by its `what` (docs/protocol.md); any other touch
/// changes no figure but the trail.
fn device_touch<'a>(what: &str, count: Option<u32>) -> What<'a> {
    match what {
        "door_entered" => What::Door {
            passed_by: false,
            count: count.unwrap_or(0),
        },
        "door_passed_by" => What::Door {
            passed_by: true,
            count: count.unwrap_or(0),
        },
        "session_started" => What::KioskSession,
        "self_service_chosen" => What::SelfServiceChosen,
        _ => match what.strip_prefix("session_abandoned:") {
            Some(step) => What::KioskLeft(crate::door::step_index(step)),
            None => What::Other,
        },
    }
}

/// The columns [`Ev::from_row`] reads, in its order, after `FROM events`' WHERE clause has
/// chosen the rows.
pub(crate) const COLUMNS: &str =
    "seq, at_ms, type, touchpoint, visit, ticket, counter, staff, complaint, body";

// The body's fields that the figures need. The four kinds of every visit (visit ended, ticket
// issued, service finished, rated) have their few fields found by [`fields`] and each value
// read by serde_json; the rare kinds go through a derived struct of their fields.

#[derive(Deserialize)]
struct TransferredBody<'a> {
    #[serde(borrow)]
    to: Target<'a>,
}

#[derive(Deserialize)]
struct ComplaintOpenedBody<'a> {
    category: ComplaintCategory,
    #[serde(default, borrow)]
    business: Option<&'a str>,
    #[serde(default, borrow)]
    responsibility: Option<Cow<'a, str>>,
    first_contact_due_ms: i64,
    due_ms: i64,
}

#[derive(Deserialize)]
struct BookingBody {
    booking: BookingEvent,
}

#[derive(Deserialize)]
struct ComplaintResolvedBody {
    #[serde(default)]
    answer: Option<ComplaintAnswer>,
}

#[derive(Deserialize)]
struct ComplaintUpdatedBody {
    contacted: bool,
}

/// The raw JSON values of `keys` in `body`, a flat JSON object as serde_json writes it (no
/// whitespace, no nested object): each key found by searching `"key":`, which in valid JSON
/// can be nothing else (a quote inside a string value is escaped, a string followed by `:` is
/// a key, and no event has a key ending in an escaped quote). Parsing the whole body with
/// serde costs ~3,000 instructions an event, most of it in fields no figure needs; a
/// structural scan of every byte here measured no cheaper than serde, a search for the key
/// about a third.
fn fields<'a, const N: usize>(
    body: &'a str,
    keys: [&str; N],
) -> Result<[Option<&'a str>; N], serde_json::Error> {
    let mut out = [None; N];
    for (slot, key) in out.iter_mut().zip(keys) {
        *slot = field(body, key)?;
    }
    Ok(out)
}

/// The raw JSON value of `key` in `body` (see [`fields`]).
fn field<'a>(body: &'a str, key: &str) -> Result<Option<&'a str>, serde_json::Error> {
    let b = body.as_bytes();
    let mut from = 0;
    // memchr's search, not `str::find`: building the standard library's two-way searcher for
    // each key of each row cost as much as the search itself (callgrind, a month of journal).
    while let Some(k) = b
        .get(from..)
        .and_then(|rest| memchr::memmem::find(rest, key.as_bytes()))
    {
        let q = from + k;
        from = q + key.len();
        // `"key":`, whole.
        if q == 0 || b[q - 1] != b'"' || b.get(from..from + 2) != Some(b"\":") {
            continue;
        }
        let start = from + 2;
        let mut e = start;
        if b.get(e) == Some(&b'"') {
            e += 1;
            loop {
                match b.get(e) {
                    Some(b'"') => break,
                    Some(b'\\') => e += 2,
                    Some(_) => e += 1,
                    None => return Err(bad(format!("`{key}` is not a JSON string"))),
                }
            }
            e += 1;
        } else {
            while !matches!(b.get(e), None | Some(b',' | b'}')) {
                e += 1;
            }
        }
        return body
            .get(start..e)
            .map(Some)
            .ok_or_else(|| bad(format!("`{key}` is cut")));
    }
    Ok(None)
}

/// The value of a field found by [`fields`], read by serde_json.
fn value<'a, T: Deserialize<'a>>(raw: Option<&'a str>, key: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(raw.ok_or_else(|| bad(format!("missing field `{key}`")))?)
}

/// Why a row is not an event the fold can read.
fn bad(what: impl std::fmt::Display) -> serde_json::Error {
    <serde_json::Error as serde::de::Error>::custom(what)
}

/// An error of reading a row: SQLite's, or the row's content.
#[derive(Debug)]
pub(crate) enum RowError {
    Sql(rusqlite::Error),
    Content(serde_json::Error),
}

impl From<rusqlite::Error> for RowError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

impl From<serde_json::Error> for RowError {
    fn from(e: serde_json::Error) -> Self {
        Self::Content(e)
    }
}

impl<'a> Ev<'a> {
    /// The event of a row of `SELECT` [`COLUMNS`] `FROM events`.
    pub(crate) fn from_row(row: &'a Row<'_>) -> Result<Self, RowError> {
        let text = |i: usize| -> Result<Option<&'a str>, RowError> {
            Ok(row
                .get_ref(i)?
                .as_str_or_null()
                .map_err(rusqlite::Error::from)?)
        };
        let need = |i: usize, name: &str| -> Result<&'a str, RowError> {
            text(i)?.ok_or_else(|| RowError::Content(bad(format!("no {name}"))))
        };
        let counter = || -> Result<CounterNo, RowError> {
            let n: Option<i64> = row
                .get_ref(6)?
                .as_i64_or_null()
                .map_err(rusqlite::Error::from)?;
            let n = n.ok_or_else(|| bad("no counter"))?;
            Ok(CounterNo(
                u16::try_from(n).map_err(|_| bad(format!("counter {n}")))?,
            ))
        };
        let body = || need(9, "body");
        let at: i64 = row.get_ref(1)?.as_i64().map_err(rusqlite::Error::from)?;
        let tp: Option<i64> = row
            .get_ref(3)?
            .as_i64_or_null()
            .map_err(rusqlite::Error::from)?;
        let visit = text(4)?;
        // The kind as bytes: matched, never used as text.
        let kind = row.get_ref(2)?.as_bytes().map_err(rusqlite::Error::from)?;
        let touch = match (tp, visit) {
            // A call-back comes after its visit ended: no step of the visit's trail.
            _ if kind == b"callback_made" => None,
            (Some(tp), Some(v)) => Some((u8::try_from(tp).unwrap_or(0), v)),
            _ => None,
        };
        let ticket = || need(5, "ticket");
        let staff = || need(7, "staff");
        let complaint = || need(8, "complaint");
        let visit = || visit.ok_or_else(|| RowError::Content(bad("no visit")));
        let what = match kind {
            b"day_closed" => What::DayClosed,
            b"visit_started" => What::VisitStarted { visit: visit()? },
            b"visit_ended" => {
                let [outcome] = fields(body()?, ["outcome"])?;
                What::VisitEnded {
                    visit: visit()?,
                    outcome: value::<VisitOutcome>(outcome, "outcome")?.into(),
                }
            }
            b"ticket_issued" => {
                // `start` is a key of the nested `booked` object only (a booked check-in's),
                // `level` and `head_start_min` of the nested `tier` only.
                let [business, priority, start, level, head_start] = fields(
                    body()?,
                    ["business", "priority", "start", "level", "head_start_min"],
                )?;
                let tier = match level {
                    Some(l) => Some(hallq_queue::tiers::TierMark {
                        level: value(Some(l), "level")?,
                        head_start_min: value(head_start, "head_start_min")?,
                    }),
                    None => None,
                };
                What::TicketIssued {
                    ticket: ticket()?,
                    visit: visit()?,
                    business: value(business, "business")?,
                    priority: value(priority, "priority")?,
                    booked: start.map(|s| value(Some(s), "start")).transpose()?,
                    tier,
                }
            }
            b"ticket_called" => What::TicketCalled {
                ticket: ticket()?,
                counter: counter()?,
                staff: staff()?,
            },
            b"service_started" => What::ServiceStarted {
                ticket: ticket()?,
                counter: counter()?,
                staff: staff()?,
            },
            b"service_finished" => {
                let [business, result] = fields(body()?, ["business", "result"])?;
                What::ServiceFinished {
                    ticket: ticket()?,
                    counter: counter()?,
                    staff: staff()?,
                    business: value(business, "business")?,
                    result: value(result, "result")?,
                }
            }
            b"no_show" => What::NoShow {
                ticket: ticket()?,
                counter: counter()?,
            },
            b"ticket_transferred" => {
                let b: TransferredBody<'a> = serde_json::from_str(body()?)?;
                What::Transferred {
                    ticket: ticket()?,
                    counter: counter()?,
                    to: b.to,
                }
            }
            b"ticket_requeued" => What::Requeued { ticket: ticket()? },
            b"ticket_cancelled" => What::Withdrawn {
                ticket: ticket()?,
                walked_out: true,
            },
            b"ticket_closed" => What::Withdrawn {
                ticket: ticket()?,
                walked_out: false,
            },
            b"rated" => {
                let [score] = fields(body()?, ["score"])?;
                What::Rated {
                    ticket: ticket()?,
                    counter: counter()?,
                    score: value(score, "score")?,
                }
            }
            b"rating_skipped" => What::RatingSkipped(counter()?),
            b"complaint_opened" => {
                let b: ComplaintOpenedBody<'a> = serde_json::from_str(body()?)?;
                What::ComplaintOpened {
                    complaint: complaint()?,
                    visit: text(4)?,
                    category: b.category,
                    business: b.business,
                    responsibility: b.responsibility,
                    first_contact_due_ms: b.first_contact_due_ms,
                    due_ms: b.due_ms,
                }
            }
            b"complaint_updated" => {
                let b: ComplaintUpdatedBody = serde_json::from_str(body()?)?;
                What::ComplaintUpdated {
                    complaint: complaint()?,
                    contacted: b.contacted,
                }
            }
            b"complaint_resolved" => {
                let b: ComplaintResolvedBody = serde_json::from_str(body()?)?;
                What::ComplaintResolved {
                    complaint: complaint()?,
                    answer: b.answer,
                }
            }
            // Of the greeter's and the kiosk's touchpoints only a consultation left open counts.
            b"touched" if tp == Some(CONSULTATION) => match fields(body()?, ["resolved"])? {
                [Some("false")] => What::ConsultationLeftOpen { visit: visit()? },
                _ => What::Other,
            },
            b"touched" if tp.is_some_and(|tp| DEVICE_TOUCHPOINTS.contains(&tp)) => {
                let [what, count] = fields(body()?, ["what", "count"])?;
                let what: Cow<'_, str> = value(what, "what")?;
                let count: Option<u32> = count.map(|c| value(Some(c), "count")).transpose()?;
                device_touch(&what, count)
            }
            b"callback_made" => What::CallbackMade { visit: visit()? },
            b"counter_opened" => What::CounterOpened(counter()?),
            b"counter_closed" => What::CounterClosed(counter()?),
            b"counter_paused" => What::CounterPaused(counter()?),
            b"counter_resumed" => What::CounterResumed(counter()?),
            b"booking" => {
                let b: BookingBody = serde_json::from_str(body()?)?;
                What::Booking(Cow::Owned(b.booking))
            }
            _ => What::Other,
        };
        Ok(Ev { at, touch, what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_found_by_its_key_not_by_text_that_looks_like_it() {
        let body = r#"{"type":"x","note":"a \"business\":\"no\" \\","xbusiness":"no","business":"basic","n":-12.5e3,"ok":true,"none":null,"s":"\\"}"#;
        let [business, n, ok, none, s, missing] =
            fields(body, ["business", "n", "ok", "none", "s", "missing"]).unwrap();
        assert_eq!(business, Some(r#""basic""#));
        assert_eq!(n, Some("-12.5e3"));
        assert_eq!(ok, Some("true"));
        assert_eq!(none, Some("null"));
        assert_eq!(s, Some(r#""\\""#));
        assert_eq!(missing, None);
        assert_eq!(value::<&str>(business, "business").unwrap(), "basic");
        assert!(value::<bool>(missing, "missing").is_err());
        assert!(fields(r#"{"a":"open"#, ["a"]).is_err());
    }

    #[test]
    fn the_fields_read_are_those_serde_reads_from_the_whole_event() {
        let e: EventKind = serde_json::from_str(
            r#"{"type":"ticket_issued","ticket":"20261123-0001","visit":"V20261123-0001","number":"A001","seq":1,"business":"basic","priority":"care","reason":"elderly","granted_by":"g \"priority\":\"x\"","lang":"zh","notify":false}"#,
        )
        .unwrap();
        let body = serde_json::to_string(&e).unwrap();
        let EventKind::TicketIssued {
            business, priority, ..
        } = e
        else {
            panic!("{e:?}");
        };
        let [b, p] = fields(&body, ["business", "priority"]).unwrap();
        assert_eq!(value::<&str>(b, "business").unwrap(), business.as_str());
        assert_eq!(value::<Priority>(p, "priority").unwrap(), priority);
    }
}
