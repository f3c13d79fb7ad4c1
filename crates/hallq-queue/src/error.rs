//! Why the engine refused a command. Nothing changes when it does.

use hallq_proto::{BusinessCode, CounterNo, ErrorCode, TicketId};

/// A refusal, with what the clerk or the kiosk needs to know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// No business day is open: the hall is not issuing tickets.
    #[error("the hall is closed")]
    HallClosed,
    /// No such business type.
    #[error("unknown business type {0}")]
    UnknownBusiness(BusinessCode),
    /// No such counter.
    #[error("unknown counter {0}")]
    UnknownCounter(CounterNo),
    /// No such ticket today.
    #[error("no ticket {0:?} today")]
    UnknownTicket(String),
    /// No such visit today.
    #[error("no visit {0:?} today")]
    UnknownVisit(String),
    /// No such open complaint.
    #[error("no open complaint {0:?}")]
    UnknownComplaint(String),
    /// No call-back is owed for this visit.
    #[error("no call-back owed for visit {0:?}")]
    NoCallbackOwed(String),
    /// A value the rules cannot accept (an announcement that ends before it starts, say).
    #[error("invalid: {0}")]
    Invalid(String),
    /// Every number of the business type's range is live.
    #[error("every number of {0} is in use")]
    NumbersExhausted(BusinessCode),
    /// Nobody is signed in at the counter.
    #[error("nobody is signed in at counter {0}")]
    NotSignedIn(CounterNo),
    /// Another clerk is signed in at the counter.
    #[error("another clerk is signed in at counter {0}")]
    AlreadySignedIn(CounterNo),
    /// The counter is closed.
    #[error("counter {0} is closed")]
    CounterClosed(CounterNo),
    /// The counter is paused.
    #[error("counter {0} is paused")]
    CounterPaused(CounterNo),
    /// The counter is calling or serving a ticket.
    #[error("counter {0} is busy with a ticket")]
    CounterBusy(CounterNo),
    /// The counter is calling nobody.
    #[error("counter {0} is not calling")]
    NotCalling(CounterNo),
    /// The counter is serving nobody.
    #[error("counter {0} is not serving")]
    NotServing(CounterNo),
    /// Nobody waits for any of the counter's skills.
    #[error("nobody is waiting for counter {0}")]
    NothingWaiting(CounterNo),
    /// The ticket is of a business the counter does not serve.
    #[error("counter {0} does not serve that ticket")]
    NotInSkills(CounterNo),
    /// A no-show before the recalls or the time the rules ask for.
    #[error("counter {0} must recall before skipping")]
    NoShowTooEarly(CounterNo),
    /// The ticket is not waiting.
    #[error("ticket {0} is not waiting")]
    TicketNotWaiting(String),
    /// The ticket was not skipped.
    #[error("ticket {0} was not skipped")]
    TicketNotSkipped(String),
    /// The evaluator has nothing to rate.
    #[error("nothing to rate at counter {0}")]
    NothingToRate(CounterNo),
    /// The ticket was not served today, or was rated already.
    #[error("ticket {0} cannot be rated: not served today, or rated already")]
    TicketNotRateable(TicketId),
}

impl QueueError {
    /// The stable contract code for the reply.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::HallClosed => ErrorCode::HallClosed,
            Self::UnknownBusiness(_) => ErrorCode::UnknownBusiness,
            Self::UnknownCounter(_) => ErrorCode::UnknownCounter,
            Self::UnknownTicket(_) => ErrorCode::UnknownTicket,
            Self::UnknownVisit(_) => ErrorCode::UnknownVisit,
            Self::UnknownComplaint(_) => ErrorCode::UnknownComplaint,
            Self::NoCallbackOwed(_) => ErrorCode::NoCallbackOwed,
            Self::Invalid(_) => ErrorCode::InvalidField,
            Self::NumbersExhausted(_) => ErrorCode::NumbersExhausted,
            Self::NotSignedIn(_) => ErrorCode::NotSignedIn,
            Self::AlreadySignedIn(_) => ErrorCode::AlreadySignedIn,
            Self::CounterClosed(_) => ErrorCode::CounterClosed,
            Self::CounterPaused(_) => ErrorCode::CounterPaused,
            Self::CounterBusy(_) => ErrorCode::CounterBusy,
            Self::NotCalling(_) => ErrorCode::NotCalling,
            Self::NotServing(_) => ErrorCode::NotServing,
            Self::NothingWaiting(_) => ErrorCode::NothingWaiting,
            Self::NotInSkills(_) => ErrorCode::NotInSkills,
            Self::NoShowTooEarly(_) => ErrorCode::NoShowTooEarly,
            Self::TicketNotWaiting(_) => ErrorCode::TicketNotWaiting,
            Self::TicketNotSkipped(_) => ErrorCode::TicketNotSkipped,
            Self::NothingToRate(_) | Self::TicketNotRateable(_) => ErrorCode::NothingToRate,
        }
    }
}
