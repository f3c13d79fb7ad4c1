//! The counter terminal's logic as a pure state machine: [`Desk::handle`] takes an [`Input`] and
//! the time and returns the commands to send. It knows nothing of Slint, MQTT or the clock.
//!
//! The hub is the truth: what the counter is doing comes from its retained counter state, never
//! from what the terminal guessed. The terminal only keeps what the clerk is typing, which
//! command is in flight (so a double press sends nothing twice), and the last refusal to show.

use hallq_print::documents::{DocumentList, Missing};
use hallq_proto::command::{Pin, TicketRef};
use hallq_proto::state::{
    Activity, Board, Complaints, CounterState, Services, forget_rev, keep_newer,
};
use hallq_proto::{
    Command, ComplaintCategory, CounterNo, ErrorCode, Lang, LocalText, PauseReason, ServiceResult,
    StaffNo, TicketNo, TransferTarget,
};

use crate::paper::ToPrint;

/// A press on the terminal (a button, a shortcut key or the hardware keypad).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Sign in with staff number (工号) and PIN.
    SignIn {
        /// The staff number typed.
        staff: String,
        /// The PIN typed (its `Debug` never shows it).
        pin: Pin,
    },
    /// Sign out.
    SignOut,
    /// Open the counter for calling.
    Open,
    /// Close the counter.
    Close,
    /// Pause, and why.
    Pause(PauseReason),
    /// Resume after a pause.
    Resume,
    /// Call the next ticket of the counter's skills.
    CallNext,
    /// Call a ticket by its number (e.g. a customer who came back).
    CallNumber(String),
    /// Call the ticket being called once more.
    Recall,
    /// The called customer did not come.
    NoShow,
    /// The customer arrived: service starts.
    Start,
    /// The service waits on the back office, or stops waiting.
    BackOffice(bool),
    /// Finish with a result.
    Finish(ServiceResult),
    /// Finish with "needs more documents" (资料不全), naming the documents of the business
    /// type's list that are missing (positions, as `state/services` lists them): the hub
    /// journals them and the counter prints them for the customer (《补充材料清单》).
    FinishMissing(Vec<u8>),
    /// Send the ticket to another business type or a counter, with a note for the next clerk.
    Transfer {
        /// Where.
        to: TransferTarget,
        /// The note.
        note: String,
    },
    /// Open a complaint about the ticket being served (or none).
    Complaint {
        /// General (24 h) or complex (72 h).
        category: ComplaintCategory,
        /// What it is about.
        summary: String,
        /// The complainant's mobile number for the call back, as typed; empty for none.
        /// Personal data: it goes only into the command (the hub seals it) and is never shown
        /// again; its `Debug` hides it.
        contact: TypedNumber,
    },
    /// Dismiss the message shown.
    Dismiss,
}

/// A mobile number as the clerk typed it. Its `Debug` shows only its length, so an action in a
/// log line never carries it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct TypedNumber(pub String);

impl std::fmt::Debug for TypedNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TypedNumber({} chars)", self.0.chars().count())
    }
}

/// Why the last command did not go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The hub refused it.
    Refused(ErrorCode),
    /// No answer after every retry.
    NoAnswer,
    /// The complainant's number typed is not a mainland mobile number; nothing was sent.
    BadNumber,
}

impl Problem {
    /// What the person at the terminal reads, in both languages.
    pub fn message(self) -> LocalText {
        match self {
            Problem::Refused(code) => code.message(),
            Problem::NoAnswer => LocalText::new(
                "中枢未响应，请稍后再试",
                "The hub did not answer; try again in a moment.",
            ),
            Problem::BadNumber => LocalText::new(
                "手机号格式不正确（11 位，以 1 开头）",
                "Not a mobile number (11 digits, starting with 1).",
            ),
        }
    }
}

/// What the terminal learns.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A press.
    Action(Action),
    /// The counter's retained state.
    Counter(Box<CounterState>),
    /// The board (queues waiting).
    Board(Box<Board>),
    /// The services (business names, for transfers).
    Services(Box<Services>),
    /// The open complaint cases.
    Complaints(Box<Complaints>),
    /// Whether the hub can be reached.
    HubReachable(bool),
    /// The answer to the command in flight: `Ok` with a line to show (e.g. a complaint's id), or
    /// why not.
    Answered(Result<Option<String>, Problem>),
    /// Whether the paper the answer made (a complaint receipt, a list of documents still
    /// needed) printed: a failure is the line the clerk reads (crate::paper).
    Printed(Result<(), LocalText>),
}

/// What the app must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a command; the answer comes back as [`Input::Answered`].
    Send(Command),
}

/// The terminal of one counter.
#[derive(Debug)]
pub struct Desk {
    /// The counter this terminal is bound to (hall.toml).
    pub(crate) counter: CounterNo,
    pub(crate) state: Option<CounterState>,
    pub(crate) board: Option<Board>,
    pub(crate) services: Option<Services>,
    pub(crate) complaints: Option<Complaints>,
    /// The hall's counters seen (their retained states): where a ticket can be transferred.
    pub(crate) known_counters: std::collections::BTreeSet<u16>,
    pub(crate) reachable: bool,
    /// The kind of the command in flight: presses wait until it is answered.
    pub(crate) in_flight: Option<&'static str>,
    /// The last refusal, until dismissed or the next command.
    pub(crate) problem: Option<Problem>,
    /// A line from the last answer (a complaint's id and limits).
    pub(crate) info: Option<String>,
    /// The paper of the last answer that did not print, and why, until dismissed or the next
    /// command: the clerk must hand the customer the case number or the list by other means.
    pub(crate) not_printed: Option<LocalText>,
    /// The kind of the last command this terminal sent: whether a call that ended was ended
    /// here (the clerk's no-show, start, transfer) or by the hub.
    pub(crate) last_sent: Option<&'static str>,
    /// A ticket this counter was calling that the hub skipped by itself (its automatic no-show,
    /// `auto_no_show_after_secs` after the call), until the next press: without it the number
    /// just vanishes from the clerk's screen.
    pub(crate) skipped: Option<TicketNo>,
}

impl Desk {
    /// A terminal of `counter`, not yet connected.
    pub fn new(counter: CounterNo) -> Self {
        Self {
            counter,
            state: None,
            board: None,
            services: None,
            complaints: None,
            known_counters: std::collections::BTreeSet::new(),
            reachable: false,
            in_flight: None,
            problem: None,
            info: None,
            not_printed: None,
            last_sent: None,
            skipped: None,
        }
    }

    /// The counter this terminal serves.
    pub fn counter(&self) -> CounterNo {
        self.counter
    }

    /// Whether someone is signed in at this counter, as the hub says.
    pub fn signed_in(&self) -> Option<&StaffNo> {
        self.state.as_ref().and_then(|s| s.staff.as_ref())
    }

    /// Handles `input`; returns what to send.
    pub fn handle(&mut self, input: Input) -> Vec<Effect> {
        match input {
            Input::Action(a) => return self.act(a).into_iter().collect(),
            Input::Counter(c) => {
                self.known_counters.insert(c.counter.0);
                if c.counter == self.counter {
                    let skipped = self.skipped_by_hub(&c);
                    if keep_newer(&mut self.state, *c) && skipped.is_some() {
                        self.skipped = skipped;
                    }
                }
            }
            Input::Board(b) => {
                keep_newer(&mut self.board, *b);
            }
            Input::Services(s) => {
                keep_newer(&mut self.services, *s);
            }
            Input::Complaints(c) => {
                keep_newer(&mut self.complaints, *c);
            }
            Input::HubReachable(r) => {
                if r && !self.reachable {
                    // Back (perhaps a new run of the hub): its revisions may start again.
                    forget_rev(&mut self.state);
                    forget_rev(&mut self.board);
                    forget_rev(&mut self.services);
                    forget_rev(&mut self.complaints);
                }
                self.reachable = r;
            }
            Input::Answered(result) => {
                self.in_flight = None;
                match result {
                    Ok(info) => self.info = info,
                    Err(p) => self.problem = Some(p),
                }
            }
            Input::Printed(result) => self.not_printed = result.err(),
        }
        Vec::new()
    }

    fn act(&mut self, action: Action) -> Option<Effect> {
        if action == Action::Dismiss {
            self.problem = None;
            self.info = None;
            self.not_printed = None;
            self.skipped = None;
            return None;
        }
        if self.in_flight.is_some() || !self.reachable {
            return None;
        }
        if let Action::Complaint { contact, .. } = &action
            && !crate::complaint::number_ok(contact)
        {
            self.problem = Some(Problem::BadNumber);
            return None;
        }
        let command = self.command(action)?;
        self.problem = None;
        self.info = None;
        self.not_printed = None;
        self.skipped = None;
        self.in_flight = Some(command.kind());
        self.last_sent = self.in_flight;
        Some(Effect::Send(command))
    }

    /// The number this counter was calling, if `new` says the call ended without this terminal
    /// ending it: no command of its own in flight, and its last one not one that ends a call.
    fn skipped_by_hub(&self, new: &CounterState) -> Option<TicketNo> {
        let Some(Activity::Calling(called)) = self.state.as_ref().map(|s| &s.activity) else {
            return None;
        };
        let still_there = match &new.activity {
            Activity::Calling(t) | Activity::Serving { ticket: t, .. } => t.ticket == called.ticket,
            Activity::Idle | Activity::Paused { .. } => false,
        };
        let ended_here = self.in_flight.is_some()
            || matches!(
                self.last_sent,
                Some("no_show" | "transfer" | "start_service")
            );
        (!still_there && !ended_here).then(|| called.number.clone())
    }

    /// The command `action` asks for, if it makes sense in the counter's state.
    fn command(&self, action: Action) -> Option<Command> {
        let activity = self.state.as_ref().map(|s| &s.activity);
        let open = self.state.as_ref().is_some_and(|s| s.open);
        let signed_in = self.signed_in().is_some();
        let calling = matches!(activity, Some(Activity::Calling(_)));
        let serving = matches!(activity, Some(Activity::Serving { .. }));
        let busy = calling || serving;
        Some(match action {
            Action::SignIn { staff, pin } if !signed_in => Command::SignIn {
                staff: StaffNo::new(staff.trim()).ok()?,
                pin: (!pin.0.is_empty()).then_some(pin),
            },
            Action::SignOut if signed_in && !busy => Command::SignOut {},
            Action::Open if signed_in && !open => Command::OpenCounter { counter: None },
            Action::Close if signed_in && open && !busy => Command::CloseCounter { counter: None },
            Action::Pause(reason) if matches!(activity, Some(Activity::Idle)) && signed_in => {
                Command::Pause { reason, note: None }
            }
            Action::Resume if matches!(activity, Some(Activity::Paused { .. })) => {
                Command::Resume {}
            }
            Action::CallNext if open && !busy && !self.paused() => Command::CallNext {},
            Action::CallNumber(n) if open && !busy && !n.trim().is_empty() => Command::CallTicket {
                ticket: TicketRef(n.trim().to_ascii_uppercase()),
            },
            Action::Recall if calling => Command::Recall {},
            Action::NoShow if calling => Command::NoShow {},
            Action::Start if calling => Command::StartService {},
            Action::BackOffice(waiting) if serving => Command::BackOffice { waiting },
            Action::Finish(result) if serving => Command::Finish {
                result,
                note: None,
                missing: vec![],
            },
            Action::FinishMissing(missing) if serving => Command::Finish {
                result: ServiceResult::NeedsDocuments,
                note: None,
                missing,
            },
            Action::Transfer { to, note } if busy => Command::Transfer {
                to,
                note: (!note.trim().is_empty()).then(|| note.trim().to_owned()),
            },
            Action::Complaint {
                category,
                summary,
                contact,
            } if signed_in => {
                let ticket = match activity {
                    Some(Activity::Calling(t)) | Some(Activity::Serving { ticket: t, .. }) => {
                        Some(TicketRef(t.ticket.to_string()))
                    }
                    _ => None,
                };
                let context = crate::complaint::Context {
                    ticket,
                    ..Default::default()
                };
                crate::complaint::command(category, &summary, &contact, context)?
            }
            _ => return None,
        })
    }

    /// The paper `cmd` makes once the hub answers it, as far as the terminal knows it now
    /// (before the answer changes the counter's state): the complaint receipt for a
    /// `complaint_open`, the list of documents still needed for a `finish` with `missing`.
    pub fn to_print(&self, cmd: &Command) -> Option<ToPrint> {
        let state = self.state.as_ref()?;
        let ticket = match &state.activity {
            Activity::Calling(t) | Activity::Serving { ticket: t, .. } => Some(t),
            _ => None,
        };
        let service = |code: &hallq_proto::BusinessCode| {
            self.services
                .as_ref()
                .and_then(|s| s.services.iter().find(|i| &i.business == code))
        };
        let hall = self.services.as_ref().map_or_else(
            || LocalText::new("营业厅", "Business hall"),
            |s| s.hall_name.clone(),
        );
        match cmd {
            Command::ComplaintOpen { .. } => crate::complaint::receipt(
                cmd,
                LocalText::new(
                    format!("营业厅 {}", state.name.zh),
                    format!("{} at the hall", state.name.en),
                ),
                ticket.map(|t| &t.business),
                self.services.as_ref(),
            ),
            Command::Finish {
                result: ServiceResult::NeedsDocuments,
                missing,
                ..
            } if !missing.is_empty() => {
                let ticket = ticket?;
                let info = service(&ticket.business)?;
                let mut picked: Vec<usize> = missing.iter().map(|&i| usize::from(i)).collect();
                picked.sort_unstable();
                picked.dedup();
                let missing = picked
                    .into_iter()
                    .map(|i| {
                        Some(Missing {
                            document: info.documents.get(i)?.clone(),
                            how: info.help(i).cloned(),
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(ToPrint::Documents(DocumentList {
                    number: ticket.number.clone(),
                    business: info.name.clone(),
                    counter: self.counter,
                    // The reply's time and the hall's offset, once answered (ToPrint::paper).
                    at: hallq_proto::Timestamp(0),
                    missing,
                    hall,
                    utc_offset_min: 0,
                    lang: Lang::Zh,
                }))
            }
            _ => None,
        }
    }

    fn paused(&self) -> bool {
        matches!(
            self.state.as_ref().map(|s| &s.activity),
            Some(Activity::Paused { .. })
        )
    }
}

#[cfg(test)]
#[path = "controller_tests.rs"]
mod tests;
