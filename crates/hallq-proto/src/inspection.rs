//! Service-standard inspections on the wire (服务监督, docs/protocol.md "Inspections"): an
//! answered checklist item in `inspection_record`, what the reply says of the corrections it
//! opened, and the retained `state/inspections` the supervisor's console and the greeter's
//! handheld read (what is due, what is overdue and red, the corrections open and late).

use serde::{Deserialize, Serialize};

use crate::ids::Timestamp;
use crate::vocab::LocalText;

/// One item of a checklist as the device answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionAnswer {
    /// The item's code in the checklist.
    pub item: String,
    /// Whether it met the standard.
    pub pass: bool,
    /// What was found; required for a failed item (it becomes the correction's text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A correction opened by a recorded inspection, as its reply lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionOpened {
    /// Its id (`R{day}-{n}`).
    pub correction: String,
    /// The item that failed.
    pub item: String,
    /// By when it is to be put right.
    pub due_ms: Timestamp,
}

/// Where a checklist stands, for the console's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    /// The next one, not yet due.
    Upcoming,
    /// Due now, within its grace.
    Due,
    /// Past its deadline and not done: red.
    Overdue,
}

/// One scheduled checklist and its current occasion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistDue {
    /// The checklist's code (what `inspection_record` names).
    pub template: String,
    /// Its name.
    pub name: LocalText,
    /// `cleaning`, `facility`, `self_inspection` or `mystery_shopper`.
    pub kind: String,
    /// Where it stands.
    pub status: DueStatus,
    /// From when it is due.
    pub due_at_ms: Timestamp,
    /// Overdue after this.
    pub deadline_ms: Timestamp,
    /// When it was last done, if within the hub's memory (about a month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_done_ms: Option<Timestamp>,
    /// Its items, in the order they are checked: what the console and the handheld ask item by
    /// item (a device has no hall.toml to read them from).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ChecklistItem>,
}

/// A checklist recorded when it happens rather than on a schedule (`on_demand`: a mystery
/// shopper's visit, an ad-hoc self-inspection), as the supervisor's console offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnDemandChecklist {
    /// The checklist's code (what `inspection_record` names).
    pub template: String,
    /// Its name.
    pub name: LocalText,
    /// `mystery_shopper`, `self_inspection`, `cleaning` or `facility`: who may record it.
    pub kind: String,
    /// Its items, in the order they are checked.
    pub items: Vec<ChecklistItem>,
}

/// One item of a checklist, as the devices ask it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Its code (what an answer names).
    pub item: String,
    /// What is checked.
    pub text: LocalText,
    /// A failed critical item fails the whole inspection (docs/reports.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
}

/// One open correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionCase {
    /// Its id.
    pub correction: String,
    /// The inspection that found it.
    pub inspection: String,
    /// The checklist's code.
    pub template: String,
    /// The item that failed.
    pub item: String,
    /// The item's text, as the checklist has it now.
    pub item_text: LocalText,
    /// What was found.
    pub note: String,
    /// When it was opened.
    pub opened_at_ms: Timestamp,
    /// By when it is to be put right.
    pub due_ms: Timestamp,
    /// Follow-ups recorded so far.
    pub follow_ups: u32,
    /// Past its deadline: red.
    pub late: bool,
}

/// What is due and what is open, on `…/state/inspections` (retained). Published when it
/// changes, also by the clock alone (a checklist turning overdue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspections {
    /// Schema version.
    pub v: u32,
    /// Grows with every change.
    pub rev: u64,
    /// When it was published.
    pub at_ms: Timestamp,
    /// Each scheduled checklist (the hall's order): overdue, due, or the next one coming.
    pub checklists: Vec<ChecklistDue>,
    /// The corrections not yet closed, oldest first.
    pub corrections: Vec<CorrectionCase>,
    /// The checklists recorded at any time (schedule `on_demand`), in the hall's order; absent
    /// when the hall has none (additive: an older device ignores it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_demand: Vec<OnDemandChecklist>,
}
