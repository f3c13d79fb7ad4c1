//! What `decide` checks before it acts: the counter's state, the ticket or complaint named,
//! the documents a finish lists.

use hallq_proto::command::TicketRef;
use hallq_proto::{
    BusinessCode, ComplaintId, CounterNo, LocalText, ServiceResult, StaffNo, TicketId,
};

use crate::config::QueueConfig;
use crate::error::QueueError;
use crate::state::{Act, CounterRt, HallState};

/// The documents at positions `picked` of `business`'s list: only a "needs more documents"
/// finish lists any, and only documents the list has.
pub(super) fn missing_documents(
    cfg: &QueueConfig,
    business: &BusinessCode,
    result: ServiceResult,
    picked: &[u8],
) -> Result<Vec<LocalText>, QueueError> {
    if picked.is_empty() {
        return Ok(Vec::new());
    }
    if result != ServiceResult::NeedsDocuments {
        return Err(QueueError::Invalid(
            "missing documents are listed only with needs_documents".into(),
        ));
    }
    let picked: Vec<usize> = picked.iter().map(|&i| usize::from(i)).collect();
    cfg.business(business)
        .and_then(|b| b.missing(&picked))
        .map(|docs| docs.into_iter().map(|(doc, _)| doc).collect())
        .ok_or_else(|| {
            QueueError::Invalid(format!("a missing document is not in {business}'s list"))
        })
}

pub(super) fn open_complaint<'a>(
    st: &'a HallState,
    id: &ComplaintId,
) -> Result<&'a crate::state::OpenComplaint, QueueError> {
    st.complaints
        .get(id)
        .ok_or_else(|| QueueError::UnknownComplaint(id.to_string()))
}

pub(super) fn counter_rt(st: &HallState, no: CounterNo) -> Result<&CounterRt, QueueError> {
    st.counters.get(&no).ok_or(QueueError::UnknownCounter(no))
}

pub(super) fn staffed_and_open(no: CounterNo, c: &CounterRt) -> Result<StaffNo, QueueError> {
    let staff = c.staff.clone().ok_or(QueueError::NotSignedIn(no))?;
    if !c.open {
        return Err(QueueError::CounterClosed(no));
    }
    Ok(staff)
}

pub(super) fn not_busy(no: CounterNo, c: &CounterRt) -> Result<(), QueueError> {
    match c.act {
        Act::Calling { .. } | Act::Serving { .. } => Err(QueueError::CounterBusy(no)),
        Act::Idle | Act::Paused { .. } => Ok(()),
    }
}

pub(super) fn ready_to_call(st: &HallState, no: CounterNo) -> Result<StaffNo, QueueError> {
    let c = counter_rt(st, no)?;
    let staff = staffed_and_open(no, c)?;
    match c.act {
        Act::Paused { .. } => Err(QueueError::CounterPaused(no)),
        Act::Calling { .. } | Act::Serving { .. } => Err(QueueError::CounterBusy(no)),
        Act::Idle => Ok(staff),
    }
}

/// Finds a ticket by id, or by the number printed on it (the latest ticket with that number).
pub(super) fn resolve(st: &HallState, r: &TicketRef) -> Result<usize, QueueError> {
    if let Ok(id) = TicketId::new(r.0.clone())
        && let Some(idx) = st.idx(&id)
    {
        return Ok(idx);
    }
    st.tickets
        .iter()
        .rposition(|t| t.number.0.eq_ignore_ascii_case(r.0.trim()))
        .ok_or_else(|| QueueError::UnknownTicket(r.0.clone()))
}
