//! Service-standard inspections (服务监督) of one hall, as a pure state machine.
//!
//! The operators' hall code asks for the daily three cleanings (before opening, a patrol every
//! 2 hours while open, a deep clean after closing), facility checks (weekly, monthly), the
//! managers' weekly self-inspection with its correction items and deadlines, and mystery-shopper
//! visits. They feed the fourth KPI, service-standard compliance (服务规范达标率 ≥ 95 %).
//!
//! The hub holds the [`Register`] in its single writer: a checklist recorded on the
//! supervisor's console or the greeter's handheld is decided here, journaled as
//! [`InspectionEvent`]s, and the register is rebuilt from the journal at start. The report folds
//! the same events with [`score::Tally`]. No IO and no clock: `now` is a parameter.
//!
//! Parts:
//! - [`template`]: checklists as data (`[[inspections.templates]]` of hall.toml), DOMAIN.md's
//!   default set, validation with Chinese and English messages.
//! - [`schedule`]: when each checklist falls due, its deadline, and which occasions were kept,
//!   late or missed: the same walk for the console's live view and the monthly report.
//! - [`register`]: the commands (record, follow up, close), their events, the register.
//! - [`score`]: items passed over items checked, with a failed critical item failing its whole
//!   inspection (docs/reports.md).

pub mod register;
pub mod schedule;
pub mod score;
pub mod template;

pub use register::{
    CheckedItem, InspectCommand, InspectError, InspectionEvent, ItemAnswer, OpenCorrection, Record,
    Register,
};
pub use schedule::{Hours, Occasion, Status};
pub use template::{InspectionKind, InspectionsSection, ItemSpec, ScheduleKind, Template};
