//! Projections: `visits`, `tickets`, `ratings` and `complaints`, kept by each event in the
//! transaction that appends it. They are derived from `events` only, so they can always be
//! rebuilt from it; nothing else writes them.
//!
//! A projection never refuses an event: an event naming a ticket or visit the projection lacks
//! (a journal begun mid-day, say) updates nothing rather than failing the commit of the truth.

use hallq_proto::{BusinessDay, Touchpoint};
use hallq_queue::{Event, EventKind, VisitOutcome};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::JournalError;

/// A value's serde name (`care`, `very_satisfied`…): how enumerations are stored.
pub(crate) fn tag<T: Serialize>(value: &T) -> Result<String, JournalError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(source) => Err(JournalError::Json { seq: None, source }),
    }
}

fn opt_tag<T: Serialize>(value: Option<&T>) -> Result<Option<String>, JournalError> {
    value.map(tag).transpose()
}

/// Updates the projections for `event`, appended while `day` was the business day.
pub(crate) fn project(
    conn: &Connection,
    event: &Event,
    seq: i64,
    day: Option<BusinessDay>,
) -> Result<(), JournalError> {
    let at = event.at_ms.0;
    let day = day.map(|d| d.0);
    use EventKind as E;
    match &event.kind {
        E::VisitStarted { visit } => {
            conn.prepare_cached(
                "INSERT INTO visits (visit, day, started_at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (visit) DO NOTHING",
            )?
            .execute(params![visit.as_str(), day, at])?;
        }
        E::TicketIssued {
            ticket,
            visit,
            number,
            seq: _,
            business,
            priority,
            reason,
            granted_by,
            lang,
            notify,
            // A booked check-in's slot and a value tier stay in the event's body (the events
            // table) only: the reports read them there, no projection needs them.
            booked: _,
            tier: _,
        } => {
            conn.prepare_cached(
                "INSERT INTO tickets (ticket, visit, day, number, business, origin_business,
                     priority, reason, granted_by, lang, notify, issued_at_ms, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'waiting')
                 ON CONFLICT (ticket) DO NOTHING",
            )?
            .execute(params![
                ticket.as_str(),
                visit.as_str(),
                day,
                number.0,
                business.as_str(),
                tag(priority)?,
                opt_tag(reason.as_ref())?,
                granted_by,
                tag(lang)?,
                notify,
                at,
            ])?;
            // The engine reopens a visit that gets another ticket; so does its projection.
            reopen_visit(conn, visit.as_str())?;
        }
        E::TicketPrinted {
            ticket,
            ok,
            reprint,
            ..
        } => {
            conn.prepare_cached(
                "UPDATE tickets SET printed = max(coalesce(printed, 0), ?2),
                     reprints = reprints + ?3
                 WHERE ticket = ?1",
            )?
            .execute(params![ticket.as_str(), ok, reprint])?;
        }
        E::TicketCalled {
            ticket,
            counter,
            staff,
            recall,
            ..
        } => {
            conn.prepare_cached(
                "UPDATE tickets SET status = 'called',
                     first_called_at_ms = coalesce(first_called_at_ms, ?2),
                     called_counter = coalesce(called_counter, ?3),
                     counter = ?3, staff = ?4, recalls = recalls + (?5 > 0)
                 WHERE ticket = ?1",
            )?
            .execute(params![
                ticket.as_str(),
                at,
                counter.0,
                staff.as_str(),
                recall
            ])?;
        }
        E::ServiceStarted {
            ticket,
            counter,
            staff,
            ..
        } => {
            conn.prepare_cached(
                "UPDATE tickets SET status = 'serving',
                     started_at_ms = coalesce(started_at_ms, ?2), counter = ?3, staff = ?4
                 WHERE ticket = ?1",
            )?
            .execute(params![ticket.as_str(), at, counter.0, staff.as_str()])?;
        }
        E::ServiceFinished {
            ticket,
            visit,
            counter,
            staff,
            business,
            result,
            handling_secs,
            ..
        } => {
            // Served at a counter: the question left open at the door was answered there.
            conn.prepare_cached("DELETE FROM callbacks WHERE visit = ?1 AND done_at_ms IS NULL")?
                .execute(params![visit.as_str()])?;
            conn.prepare_cached(
                "UPDATE tickets SET status = 'served', finished_at_ms = ?2, counter = ?3,
                     staff = ?4, business = ?5, result = ?6, handling_secs = ?7
                 WHERE ticket = ?1",
            )?
            .execute(params![
                ticket.as_str(),
                at,
                counter.0,
                staff.as_str(),
                business.as_str(),
                tag(result)?,
                handling_secs,
            ])?;
        }
        E::NoShow {
            ticket, counter, ..
        } => {
            conn.prepare_cached(
                "UPDATE tickets SET status = 'skipped', counter = ?2 WHERE ticket = ?1",
            )?
            .execute(params![ticket.as_str(), counter.0])?;
        }
        E::TicketTransferred { ticket, to, .. } => {
            let business = match to {
                hallq_proto::TransferTarget::Business(b) => Some(b.as_str()),
                hallq_proto::TransferTarget::Counter(_) => None,
            };
            conn.prepare_cached(
                "UPDATE tickets SET status = 'waiting', transfers = transfers + 1,
                     business = coalesce(?2, business)
                 WHERE ticket = ?1",
            )?
            .execute(params![ticket.as_str(), business])?;
        }
        E::TicketRequeued { ticket, visit } => {
            set_status(conn, ticket.as_str(), "waiting")?;
            reopen_visit(conn, visit.as_str())?;
        }
        E::TicketCancelled { ticket, .. } => set_status(conn, ticket.as_str(), "cancelled")?,
        E::TicketClosed { ticket, .. } => set_status(conn, ticket.as_str(), "closed")?,
        E::Rated {
            ticket,
            visit,
            counter,
            staff,
            score,
        } => {
            conn.prepare_cached(
                "INSERT INTO ratings (ticket, visit, counter, staff, score, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (ticket) DO UPDATE SET counter = excluded.counter,
                     staff = excluded.staff, score = excluded.score, at_ms = excluded.at_ms",
            )?
            .execute(params![
                ticket.as_str(),
                visit.as_str(),
                counter.0,
                staff.as_str(),
                tag(score)?,
                at,
            ])?;
        }
        E::VisitEnded { visit, outcome } => end_visit(conn, visit.as_str(), at, *outcome)?,
        E::ComplaintOpened {
            complaint,
            category,
            summary,
            visit,
            ticket,
            business,
            responsibility,
            opened_by,
            first_contact_due_ms,
            due_ms,
        } => {
            conn.prepare_cached(
                "INSERT INTO complaints (complaint, opened_at_ms, category, summary, visit,
                     ticket, business, responsibility, opened_by, first_contact_due_ms, due_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (complaint) DO NOTHING",
            )?
            .execute(params![
                complaint.as_str(),
                at,
                tag(category)?,
                summary,
                visit.as_ref().map(|v| v.as_str()),
                ticket.as_ref().map(|t| t.as_str()),
                business.as_ref().map(|b| b.as_str()),
                responsibility,
                opened_by,
                first_contact_due_ms.0,
                due_ms.0,
            ])?;
        }
        E::ComplaintUpdated {
            complaint,
            contacted,
            ..
        } => {
            conn.prepare_cached(
                "UPDATE complaints SET updates = updates + 1,
                     contacted_at_ms = coalesce(contacted_at_ms, CASE WHEN ?3 THEN ?2 END)
                 WHERE complaint = ?1",
            )?
            .execute(params![complaint.as_str(), at, contacted])?;
        }
        E::ComplaintResolved {
            complaint,
            resolution,
            ..
        } => {
            conn.prepare_cached(
                "UPDATE complaints SET resolved_at_ms = ?2, resolution = ?3 WHERE complaint = ?1",
            )?
            .execute(params![complaint.as_str(), at, resolution])?;
        }
        E::Touched {
            visit: Some(visit),
            touchpoint: Touchpoint::Consultation,
            resolved: Some(false),
            business,
            ..
        } => {
            conn.prepare_cached(
                "INSERT INTO callbacks (visit, asked_seq, asked_at_ms, business)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (visit) DO NOTHING",
            )?
            .execute(params![
                visit.as_str(),
                seq,
                at,
                business.as_ref().map(|b| b.as_str()),
            ])?;
        }
        E::CallbackMade { visit, note } => {
            conn.prepare_cached(
                "UPDATE callbacks SET done_at_ms = ?2, note = ?3
                 WHERE visit = ?1 AND done_at_ms IS NULL",
            )?
            .execute(params![visit.as_str(), at, note])?;
        }
        E::DayOpened { .. }
        | E::DayClosed { .. }
        | E::Touched { .. }
        | E::CallAnnounced { .. }
        | E::BackOffice { .. }
        | E::RatingSkipped { .. }
        | E::AnnouncementPosted { .. }
        | E::AnnouncementCleared { .. }
        | E::SignedIn { .. }
        | E::SignedOut { .. }
        | E::CounterOpened { .. }
        | E::CounterClosed { .. }
        | E::CounterPaused { .. }
        | E::CounterResumed { .. }
        | E::ConfigApplied { .. }
        | E::ConfigRefused { .. }
        | E::NoticeConsented { .. }
        | E::NoticeSent { .. }
        | E::ComplaintResultSent { .. }
        | E::ComplaintResultResend { .. }
        | E::Booking { .. }
        | E::BookingHandover { .. }
        | E::Inspection { .. } => {}
    }
    Ok(())
}

fn set_status(conn: &Connection, ticket: &str, status: &str) -> Result<(), JournalError> {
    conn.prepare_cached("UPDATE tickets SET status = ?2 WHERE ticket = ?1")?
        .execute(params![ticket, status])?;
    Ok(())
}

fn reopen_visit(conn: &Connection, visit: &str) -> Result<(), JournalError> {
    conn.prepare_cached(
        "UPDATE visits SET ended_at_ms = NULL, outcome = NULL
         WHERE visit = ?1 AND ended_at_ms IS NOT NULL",
    )?
    .execute(params![visit])?;
    Ok(())
}

fn end_visit(
    conn: &Connection,
    visit: &str,
    at: i64,
    outcome: VisitOutcome,
) -> Result<(), JournalError> {
    conn.prepare_cached("UPDATE visits SET ended_at_ms = ?2, outcome = ?3 WHERE visit = ?1")?
        .execute(params![visit, at, tag(&outcome)?])?;
    Ok(())
}
