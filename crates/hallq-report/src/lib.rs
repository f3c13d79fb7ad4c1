//! hallq reports: what happened in the hall, from the journal, for the hall manager (issue 7).
//!
//! The journal is read read-only, also while the hub writes it; its events are folded in seq
//! order into per-visit state that is dropped when the business day closes, and each closed
//! visit is added to fixed-size accumulators: memory follows one day of the hall, not the
//! journal. The math is pure (no IO, no clock: `now` is a parameter); reading and rendering are
//! at the edges.
//!
//! Parts:
//! - [`config`]: [`ReportConfig`], the hall as the report needs it (limits, skills, targets).
//! - [`visit`]: [`VisitRecord`] and [`TicketRecord`], and what is derived from them: wait
//!   (ticket → call), walk (call → start), service (start → finish), stay (arrival → departure),
//!   the outcome; the touchpoint [`visit::Trail`].
//! - `event`: an event as the fold reads it, borrowed from a journal row (its columns and
//!   only the JSON fields a figure needs) or from a typed event.
//! - [`fold`]: [`Fold`], events in, closed visits out; the counters' open and idle time, the
//!   queues, priority overtakes, complaint cases.
//! - [`part`]: [`part::Part`], one range's counts, joined in order with the next ranges'.
//! - [`hist`]: [`hist::Histogram`], durations to the second in a fixed array.
//! - [`measures`]: the accumulators (KPIs, touchpoints, load grid, staff, counters, fairness,
//!   data quality).
//! - [`appointments`]: bookings, punctuality, booked and walk-in waits, the booking's head
//!   start against its bound, slot utilisation.
//! - [`tiers`]: customer value tiers: waits and satisfaction by tier, and each tier's head
//!   start against its bound.
//! - [`door`]: the door counter and the kiosk as touchpoints: entry → ticket conversion per
//!   hour, the kiosk's loss by step, the touchpoints nothing observed.
//! - [`complaints`]: complaint time limits, open cases with time left, monthly hot spots.
//! - [`inspections`]: service-standard compliance (服务规范达标率) by month and type, the
//!   checklists kept, late and missed, the corrections open and late.
//! - [`staffing`]: Erlang C, counters needed per hour of the week (why Erlang C: there).
//! - [`hours`]: the week hour by hour: load classes, staffing, service level promised and
//!   measured.
//! - [`report`]: [`Report`], the figures, built from the measures.
//! - [`read`]: the journal's events of a range of days, streamed ([`read::report`]).
//! - [`render`]: terminal tables, CSV files, one self-contained HTML page with SVG charts
//!   (plotters).
//! - [`ReportError`]: the one error type.

pub mod appointments;
pub mod complaints;
pub mod config;
pub mod door;
mod error;
mod event;
pub mod fold;
pub mod hist;
pub mod hours;
pub mod inspections;
pub mod measures;
pub mod part;
pub mod read;
pub mod render;
pub mod report;
pub mod staffing;
pub mod tiers;
pub mod visit;

pub use config::{BusinessInfo, CounterInfo, ReportConfig, Targets};
pub use error::ReportError;
pub use fold::Fold;
pub use read::DayRange;
pub use report::Report;
pub use visit::{Outcome, TicketEnd, TicketRecord, VisitRecord};
