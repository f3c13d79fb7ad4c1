//! The kiosk's flow as a pure state machine: [`Kiosk::handle`] takes an [`Input`] and the time,
//! changes the [`Screen`], and returns the [`Effect`]s for the app to carry out.
//!
//! The flow (DOMAIN.md, the kiosk issue): welcome with the business types → self-service offer,
//! where the business has one → priority or green channel → an optional mobile number → the
//! ticket, printed. A green-channel code is checked by issuing the ticket at its step (no mobile
//! number: the head start makes the wait short), so a wrong code is keyed again there. Each step
//! a customer takes or leaves at is a touchpoint the hub journals: `session_started` at the
//! first touch, `self_service_chosen`, `session_abandoned` with the step, the ticket itself,
//! `print_result` for each print and reprint.
//!
//! Few steps, because many of the hall's customers are elderly: three touches give an ordinary
//! ticket (business, "ordinary", "skip"). An untouched screen returns to the welcome screen after
//! [`KioskTimings::idle_return_ms`], recording where the customer left.

use hallq_proto::command::{IssueTicket, KioskStep};
use hallq_proto::reply::TicketIssued;
use hallq_proto::state::{Services, forget_rev, keep_newer};
use hallq_proto::{BusinessCode, Command, ErrorCode, Lang, LocalText, Phone, PriorityReason};

use crate::checkin::{self, Booked, CheckInBy, CheckInFailure, Entry};

/// How long screens wait, from the kiosk's firmware profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KioskTimings {
    /// An untouched screen returns to the welcome screen after this long (`idle_return_secs`).
    pub idle_return_ms: u64,
    /// How long the issued ticket stays on screen once printed.
    pub ticket_shown_ms: u64,
}

impl Default for KioskTimings {
    fn default() -> Self {
        Self {
            idle_return_ms: 60_000,
            ticket_shown_ms: 20_000,
        }
    }
}

/// Digits of a mainland mobile number.
const PHONE_DIGITS: usize = 11;
/// The longest green-channel code the keypad takes.
const CODE_MAX: usize = 20;

/// What the screen shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The business types, with people waiting and the estimated wait.
    Welcome,
    /// The self-service or app alternative of the business chosen, offered before a ticket: it
    /// does some of the business type's jobs (a top-up, a bill query), the others need a ticket.
    SelfService {
        /// The business chosen.
        business: BusinessCode,
        /// What to do instead, e.g. "扫码用 App 充值 / top up in the app".
        offer: LocalText,
    },
    /// The customer took the self-service offer: where to go, and a way back to a ticket (the
    /// job may be one self-service cannot do). It returns to the welcome screen by itself.
    SelfServiceTaken {
        /// The business chosen.
        business: BusinessCode,
        /// The offer taken.
        offer: LocalText,
    },
    /// Ordinary, priority service (elderly, disability, pregnancy) or green channel.
    Priority,
    /// Keying in a green-channel code; the screen shows only how many characters.
    GreenCode {
        /// Characters keyed so far.
        keyed: usize,
        /// The hub refused the code keyed before: key it again.
        refused: bool,
    },
    /// The optional mobile number for a "your turn is near" notice.
    Phone {
        /// The number as keyed, in groups (`138 1234 5678`): a customer checks it while keying
        /// (a masked number hid the mistakes). It is masked once confirmed.
        shown: String,
        /// Whether 11 digits that make a mobile number have been keyed.
        complete: bool,
    },
    /// The ticket was asked for; waiting for the hub (the client retries meanwhile).
    Issuing,
    /// The ticket.
    Issued {
        /// What the hub issued.
        ticket: TicketIssued,
        /// The printer's side of it.
        print: PrintState,
    },
    /// The hub refused the ticket; the code says why in both languages.
    Refused {
        /// Why.
        code: ErrorCode,
    },
    /// The hub did not answer after every retry.
    NoAnswer,
    /// No ticket can be taken now.
    Unavailable(Unavailable),
    /// A booked customer keys their booking code or mobile number (only where the hall takes
    /// appointments).
    CheckIn {
        /// Code or number.
        by: CheckInBy,
        /// As keyed, in groups: the customer checks it while keying.
        shown: String,
        /// Whether a whole code or mobile number is keyed.
        complete: bool,
    },
    /// The check-in was sent; waiting for the hub.
    CheckingIn {
        /// The code, or the number masked.
        keyed: String,
    },
    /// The hub refused the check-in.
    CheckInRefused {
        /// Why.
        code: ErrorCode,
        /// The hub's words (with the time check-in opens, when too early).
        message: LocalText,
        /// The code, or the number masked.
        keyed: String,
        /// A mistyped or unknown code or number: the customer may key again.
        again: bool,
    },
}

/// The printing of an issued ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintState {
    /// Sent to the printer.
    Printing,
    /// The printer took it.
    Printed,
    /// The printer failed: the customer is told to ask staff and may reprint.
    Failed {
        /// The printer's error, for staff.
        error: String,
    },
}

/// Why no ticket can be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The hub is offline or the kiosk has lost its connection.
    HubAway,
    /// The hall is not issuing tickets (closed, or not yet open).
    NotIssuing,
    /// The kiosk is out of service (staff put it in maintenance).
    Maintenance,
}

/// A touch on the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A business type on the welcome screen.
    Business(BusinessCode),
    /// Take the self-service offer.
    UseSelfService,
    /// Decline it, or come back from it: a ticket after all.
    TicketInstead,
    /// An ordinary ticket.
    Ordinary,
    /// Priority service, and why.
    Care(PriorityReason),
    /// A green-channel code will be keyed.
    GreenChannel,
    /// A key of the on-screen keypad: a digit, a letter or a hyphen (codes such as `VIP-8888`).
    Key(char),
    /// Erase the last character.
    Erase,
    /// Confirm the code or number keyed.
    Confirm,
    /// No mobile number.
    Skip,
    /// One step back.
    Back,
    /// Leave: back to the welcome screen.
    Home,
    /// Switch the language.
    Language(Lang),
    /// Print the ticket again (after a failed print).
    Reprint,
    /// "I have an appointment" on the welcome screen.
    CheckIn,
    /// Key the booking code, or the mobile number, instead.
    CheckInBy(CheckInBy),
}

/// Why a ticket was not issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueFailure {
    /// The hub refused it.
    Refused(ErrorCode),
    /// No answer after every retry.
    NoAnswer,
}

/// What the kiosk learns.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A touch.
    Action(Action),
    /// The hub's retained services (the welcome screen's list).
    Services(Services),
    /// Whether the hub can be reached: the kiosk is connected and the hub's status is online.
    HubReachable(bool),
    /// Staff put the kiosk in maintenance, or took it out.
    Maintenance(bool),
    /// The answer to the ticket request.
    Issued(Result<TicketIssued, IssueFailure>),
    /// The printer finished the print of the ticket on screen.
    Printed {
        /// Whether it printed, or the printer's error.
        result: Result<(), String>,
    },
    /// Time passed (the app sends this about once a second).
    Tick,
    /// The answer to the check-in.
    CheckedIn(checkin::Answer),
}

/// What the app must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a touchpoint command; its reply changes nothing on screen.
    Record(Command),
    /// Send the ticket request; the reply comes back as [`Input::Issued`].
    Issue(IssueTicket),
    /// Print the ticket; the result comes back as [`Input::Printed`].
    Print {
        /// The ticket.
        ticket: TicketIssued,
        /// The hall's name, for the header.
        hall: LocalText,
        /// The customer's language.
        lang: Lang,
        /// Whether this is a reprint.
        reprint: bool,
        /// The appointment it was checked in for, printed on the slip; none for a walk-in.
        booked: Option<Booked>,
    },
    /// Send the check-in; the reply comes back as [`Input::CheckedIn`].
    CheckIn(hallq_proto::command::CheckIn),
}

/// One customer at the kiosk, from the first touch to the ticket or leaving.
#[derive(Debug, Clone)]
struct Session {
    /// Its id, unique to this kiosk across restarts.
    id: String,
    /// The business chosen.
    business: BusinessCode,
    /// Priority service asked for.
    care: Option<PriorityReason>,
    /// The green-channel code keyed.
    code: String,
    /// The mobile number keyed.
    phone: String,
}

/// The kiosk.
#[derive(Debug)]
pub struct Kiosk {
    /// Prefixes session ids: the app makes it unique per start (device id and start time).
    session_prefix: String,
    /// Sessions started since the app started.
    sessions: u64,
    timings: KioskTimings,
    lang: Lang,
    screen: Screen,
    session: Option<Session>,
    services: Option<Services>,
    reachable: bool,
    maintenance: bool,
    /// The last touch, or the last change of screen, in the app's monotonic milliseconds.
    last_activity_ms: u64,
    /// Whether the print in progress is a reprint.
    reprinting: bool,
    /// The notice number of the ticket asked for or on screen, masked (`138****5678`).
    notice: Option<String>,
    /// The check-in being keyed, sent or refused.
    checkin: Option<Entry>,
    /// The appointment the ticket on screen was checked in for.
    booked: Option<Booked>,
}

impl Kiosk {
    /// A kiosk on its welcome screen, in Chinese, not yet connected.
    pub fn new(session_prefix: impl Into<String>, timings: KioskTimings) -> Self {
        Self {
            session_prefix: session_prefix.into(),
            sessions: 0,
            timings,
            lang: Lang::Zh,
            screen: Screen::Welcome,
            session: None,
            services: None,
            reachable: false,
            maintenance: false,
            last_activity_ms: 0,
            reprinting: false,
            notice: None,
            checkin: None,
            booked: None,
        }
    }

    /// What to show: the flow's screen, unless the kiosk cannot take tickets now.
    pub fn screen(&self) -> Screen {
        match (&self.screen, self.blocked()) {
            // A customer being served by the kiosk finishes: the ticket on screen, the request
            // the client is retrying, the answer already given.
            (
                Screen::Issuing
                | Screen::Issued { .. }
                | Screen::Refused { .. }
                | Screen::NoAnswer
                | Screen::CheckingIn { .. }
                | Screen::CheckInRefused { .. },
                _,
            ) => self.screen.clone(),
            (_, Some(why)) => Screen::Unavailable(why),
            // Before the hub's services arrive, the welcome screen has nothing to offer.
            (Screen::Welcome, None) if self.services.is_none() => {
                Screen::Unavailable(Unavailable::HubAway)
            }
            (screen, None) => screen.clone(),
        }
    }

    /// Why the kiosk cannot take a ticket now, if it cannot.
    fn blocked(&self) -> Option<Unavailable> {
        if self.maintenance {
            Some(Unavailable::Maintenance)
        } else if !self.reachable {
            Some(Unavailable::HubAway)
        } else if self.services.as_ref().is_some_and(|s| !s.open) {
            Some(Unavailable::NotIssuing)
        } else {
            None
        }
    }

    /// The language of the screen and of the ticket.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The business type the customer at the kiosk has chosen, while they take their ticket.
    pub fn business(&self) -> Option<&BusinessCode> {
        self.session.as_ref().map(|s| &s.business)
    }

    /// The mobile number the issued ticket's notice goes to, masked, while the ticket is on
    /// screen.
    pub fn notice_number(&self) -> Option<&str> {
        matches!(self.screen, Screen::Issued { .. })
            .then_some(self.notice.as_deref())
            .flatten()
    }

    /// The hub's services, for the welcome screen.
    pub fn services(&self) -> Option<&Services> {
        self.services.as_ref()
    }

    /// Whether the hall takes appointments, so the welcome screen offers check-in.
    pub fn booking(&self) -> bool {
        self.services.as_ref().is_some_and(|s| s.booking)
    }

    /// The appointment the ticket on screen was checked in for.
    pub fn booked(&self) -> Option<&Booked> {
        matches!(self.screen, Screen::Issued { .. })
            .then_some(self.booked.as_ref())
            .flatten()
    }

    /// Handles `input` at `now_ms` (the app's monotonic clock) and returns what to do.
    pub fn handle(&mut self, input: Input, now_ms: u64) -> Vec<Effect> {
        let mut out = Vec::new();
        match input {
            Input::Action(action) => {
                self.last_activity_ms = now_ms;
                self.act(action, &mut out);
            }
            Input::Services(s) => {
                keep_newer(&mut self.services, s);
            }
            Input::HubReachable(r) => {
                if r && !self.reachable {
                    // Back (perhaps a new run of the hub): its revisions may start again.
                    forget_rev(&mut self.services);
                }
                self.reachable = r;
            }
            Input::Maintenance(m) => self.maintenance = m,
            Input::Issued(result) => {
                self.last_activity_ms = now_ms;
                self.issued(result, &mut out);
            }
            Input::Printed { result } => {
                self.last_activity_ms = now_ms;
                self.printed(result, &mut out);
            }
            Input::Tick => self.tick(now_ms, &mut out),
            Input::CheckedIn(answer) => {
                self.last_activity_ms = now_ms;
                self.checked_in(answer, &mut out);
            }
        }
        // A customer mid-flow when the kiosk became unable to issue has left it.
        if (self.session.is_some() || self.checkin.is_some())
            && matches!(self.screen(), Screen::Unavailable(_))
        {
            self.leave(&mut out);
            self.checkin = None;
            self.screen = Screen::Welcome;
        }
        out
    }

    fn act(&mut self, action: Action, out: &mut Vec<Effect>) {
        if let Action::Language(lang) = action {
            self.lang = lang;
            return;
        }
        if matches!(self.screen(), Screen::Unavailable(_)) {
            return;
        }
        match (&self.screen, action) {
            (Screen::Welcome, Action::Business(business)) => self.start(business, out),
            (Screen::Welcome, Action::CheckIn) if self.booking() => {
                self.checkin = Some(Entry::new(CheckInBy::Code));
                self.screen = self.checkin_screen();
            }
            (Screen::CheckIn { .. }, Action::CheckInBy(by)) => {
                self.checkin = Some(Entry::new(by));
                self.screen = self.checkin_screen();
            }
            (Screen::CheckIn { .. }, Action::Key(c)) => self.edit_checkin(|e| e.key(c)),
            (Screen::CheckIn { .. }, Action::Erase) => self.edit_checkin(Entry::erase),
            (Screen::CheckIn { complete: true, .. }, Action::Confirm) => self.check_in(out),
            (Screen::SelfService { business, offer }, Action::UseSelfService) => {
                let (business, offer) = (business.clone(), offer.clone());
                if let Some(s) = self.session.take() {
                    out.push(Effect::Record(Command::SelfServiceChosen {
                        session: s.id,
                        business: business.clone(),
                    }));
                }
                self.screen = Screen::SelfServiceTaken { business, offer };
            }
            (Screen::SelfService { .. }, Action::TicketInstead) => self.screen = Screen::Priority,
            // Self-service could not do the job after all: a ticket, as a new session (the
            // first one ended with the self-service chosen).
            (Screen::SelfServiceTaken { business, .. }, Action::TicketInstead) => {
                let business = business.clone();
                self.begin(business, out);
                self.screen = Screen::Priority;
            }
            (Screen::Priority, Action::Ordinary) => self.ask_phone(None),
            (Screen::Priority, Action::Care(reason)) => self.ask_phone(Some(reason)),
            (Screen::Priority, Action::GreenChannel) => {
                if let Some(s) = &mut self.session {
                    s.code.clear();
                }
                self.screen = Screen::GreenCode {
                    keyed: 0,
                    refused: false,
                };
            }
            (Screen::GreenCode { .. }, Action::Key(c)) if c.is_ascii_alphanumeric() || c == '-' => {
                self.edit_code(|code| {
                    if code.len() < CODE_MAX {
                        code.push(c.to_ascii_uppercase());
                    }
                });
            }
            (Screen::GreenCode { .. }, Action::Erase) => self.edit_code(|code| {
                code.pop();
            }),
            // The ticket is asked for at once: the hub's answer checks the code.
            (Screen::GreenCode { keyed, .. }, Action::Confirm) if *keyed > 0 => {
                if let Some(s) = &mut self.session {
                    s.care = None;
                    s.phone.clear();
                }
                self.issue(false, out);
            }
            (Screen::Phone { .. }, Action::Key(c)) if c.is_ascii_digit() => {
                if let Some(s) = &mut self.session
                    && s.phone.len() < PHONE_DIGITS
                {
                    s.phone.push(c);
                }
                self.screen = self.phone_screen();
            }
            (Screen::Phone { .. }, Action::Erase) => {
                if let Some(s) = &mut self.session {
                    s.phone.pop();
                }
                self.screen = self.phone_screen();
            }
            (Screen::Phone { complete: true, .. }, Action::Confirm) => self.issue(true, out),
            (Screen::Phone { .. }, Action::Skip) => self.issue(false, out),
            // The number has had its tickets today: one touch for a ticket without it.
            (
                Screen::Refused {
                    code: ErrorCode::PhoneLimit,
                },
                Action::Skip,
            ) => self.issue(false, out),
            (
                Screen::Issued {
                    ticket,
                    print: PrintState::Failed { .. },
                },
                Action::Reprint,
            ) => {
                out.push(self.print(ticket.clone(), true));
                self.reprinting = true;
                self.screen = Screen::Issued {
                    ticket: ticket.clone(),
                    print: PrintState::Printing,
                };
            }
            (_, Action::Back) => self.back(out),
            (_, Action::Home) => self.home(out),
            _ => {}
        }
    }

    /// The first touch: a session starts, and the self-service offer or the priority question.
    fn start(&mut self, business: BusinessCode, out: &mut Vec<Effect>) {
        let Some(service) = self
            .services
            .as_ref()
            .and_then(|s| s.services.iter().find(|i| i.business == business))
        else {
            return;
        };
        let offer = service.self_service.clone();
        self.begin(business.clone(), out);
        self.screen = match offer {
            Some(offer) => Screen::SelfService { business, offer },
            None => Screen::Priority,
        };
    }

    /// A new session for `business`, recorded.
    fn begin(&mut self, business: BusinessCode, out: &mut Vec<Effect>) {
        self.sessions += 1;
        let id = format!("{}-{}", self.session_prefix, self.sessions);
        out.push(Effect::Record(Command::SessionStarted {
            session: id.clone(),
        }));
        self.session = Some(Session {
            id,
            business,
            care: None,
            code: String::new(),
            phone: String::new(),
        });
    }

    fn ask_phone(&mut self, care: Option<PriorityReason>) {
        if let Some(s) = &mut self.session {
            s.care = care;
            s.code.clear();
        }
        self.screen = self.phone_screen();
    }

    /// Keys or erases; a refusal stays said while the code is keyed again.
    fn edit_code(&mut self, edit: impl FnOnce(&mut String)) {
        let refused = matches!(self.screen, Screen::GreenCode { refused: true, .. });
        if let Some(s) = &mut self.session {
            edit(&mut s.code);
            self.screen = Screen::GreenCode {
                keyed: s.code.len(),
                refused,
            };
        }
    }

    fn phone_screen(&self) -> Screen {
        let digits = self.session.as_ref().map_or("", |s| s.phone.as_str());
        Screen::Phone {
            shown: group_phone(digits),
            complete: Phone::parse(digits).is_ok(),
        }
    }

    fn issue(&mut self, with_phone: bool, out: &mut Vec<Effect>) {
        let Some(s) = &self.session else {
            return;
        };
        let phone = if with_phone {
            Phone::parse(&s.phone).ok()
        } else {
            None
        };
        self.notice = phone.as_ref().map(Phone::masked);
        out.push(Effect::Issue(IssueTicket {
            business: s.business.clone(),
            priority_reason: s.care,
            green_channel: (!s.code.is_empty()).then(|| s.code.clone()),
            lang: self.lang,
            phone,
            session: Some(s.id.clone()),
            visit: None,
            tier: None,
        }));
        self.screen = Screen::Issuing;
    }

    fn issued(&mut self, result: Result<TicketIssued, IssueFailure>, out: &mut Vec<Effect>) {
        if self.screen != Screen::Issuing {
            return;
        }
        match result {
            Ok(ticket) => {
                // The session ends with its ticket: nothing more to record for it.
                self.session = None;
                out.push(self.print(ticket.clone(), false));
                self.reprinting = false;
                self.screen = Screen::Issued {
                    ticket,
                    print: PrintState::Printing,
                };
            }
            // A wrong green-channel code: keyed again at its step, the session going on.
            Err(IssueFailure::Refused(ErrorCode::UnknownGreenChannel))
                if self.session.as_ref().is_some_and(|s| !s.code.is_empty()) =>
            {
                if let Some(s) = &mut self.session {
                    s.code.clear();
                }
                self.screen = Screen::GreenCode {
                    keyed: 0,
                    refused: true,
                };
            }
            Err(IssueFailure::Refused(code)) => self.screen = Screen::Refused { code },
            Err(IssueFailure::NoAnswer) => self.screen = Screen::NoAnswer,
        }
    }

    fn checkin_screen(&self) -> Screen {
        let entry = self.checkin.clone().unwrap_or_default();
        Screen::CheckIn {
            by: entry.by,
            shown: entry.shown(),
            complete: entry.complete(),
        }
    }

    fn edit_checkin(&mut self, edit: impl FnOnce(&mut Entry)) {
        if let Some(e) = &mut self.checkin {
            edit(e);
        }
        self.screen = self.checkin_screen();
    }

    fn check_in(&mut self, out: &mut Vec<Effect>) {
        let Some(entry) = &self.checkin else {
            return;
        };
        if let Some(cmd) = entry.command(self.lang) {
            out.push(Effect::CheckIn(cmd));
            self.screen = Screen::CheckingIn {
                keyed: entry.confirmed(),
            };
        }
    }

    fn checked_in(&mut self, answer: checkin::Answer, out: &mut Vec<Effect>) {
        let Screen::CheckingIn { keyed } = &self.screen else {
            return;
        };
        match answer {
            Ok((ticket, booked)) => {
                self.checkin = None;
                self.booked = Some(booked);
                out.push(self.print(ticket.clone(), false));
                self.reprinting = false;
                self.screen = Screen::Issued {
                    ticket,
                    print: PrintState::Printing,
                };
            }
            Err(CheckInFailure::Refused { code, message }) => {
                self.screen = Screen::CheckInRefused {
                    code,
                    message,
                    keyed: keyed.clone(),
                    again: checkin::key_again(code),
                };
            }
            Err(CheckInFailure::NoAnswer) => self.screen = Screen::NoAnswer,
        }
    }

    fn print(&self, ticket: TicketIssued, reprint: bool) -> Effect {
        let hall = self
            .services
            .as_ref()
            .map_or_else(|| LocalText::new("", ""), |s| s.hall_name.clone());
        Effect::Print {
            ticket,
            hall,
            lang: self.lang,
            reprint,
            booked: self.booked.clone(),
        }
    }

    fn printed(&mut self, result: Result<(), String>, out: &mut Vec<Effect>) {
        let Screen::Issued { ticket, print } = &self.screen else {
            return;
        };
        if *print != PrintState::Printing {
            return;
        }
        let ticket = ticket.clone();
        out.push(Effect::Record(Command::PrintResult {
            ticket: ticket.ticket.clone(),
            ok: result.is_ok(),
            reprint: self.reprinting,
            error: result.clone().err(),
        }));
        let print = match result {
            Ok(()) => PrintState::Printed,
            Err(error) => PrintState::Failed { error },
        };
        self.screen = Screen::Issued { ticket, print };
    }

    fn tick(&mut self, now_ms: u64, out: &mut Vec<Effect>) {
        let idle = now_ms.saturating_sub(self.last_activity_ms);
        match &self.screen {
            // The next customer, perhaps elderly, meets Chinese: English lasts as long as the
            // customer who chose it, on the welcome screen too (and under "not issuing").
            Screen::Welcome if idle >= self.timings.idle_return_ms => self.lang = Lang::Zh,
            Screen::Welcome | Screen::Issuing | Screen::CheckingIn { .. } => {}
            Screen::Issued {
                print: PrintState::Printed,
                ..
            }
            | Screen::SelfServiceTaken { .. }
                if idle >= self.timings.ticket_shown_ms =>
            {
                self.home(out);
            }
            Screen::Issued {
                print: PrintState::Printing,
                ..
            } => {}
            _ if idle >= self.timings.idle_return_ms => self.home(out),
            _ => {}
        }
    }

    /// One step back; from the first step, leaving.
    fn back(&mut self, out: &mut Vec<Effect>) {
        let offered = self.session.as_ref().and_then(|s| {
            let services = self.services.as_ref()?;
            let info = services
                .services
                .iter()
                .find(|i| i.business == s.business)?;
            Some((s.business.clone(), info.self_service.clone()?))
        });
        self.screen = match (&self.screen, offered) {
            (Screen::Priority, Some((business, offer))) => Screen::SelfService { business, offer },
            (Screen::GreenCode { .. } | Screen::Phone { .. }, _) => Screen::Priority,
            // A refused check-in: the entry again, as keyed, to correct it.
            (Screen::CheckInRefused { .. }, _) => self.checkin_screen(),
            (Screen::CheckIn { .. }, _) => return self.home(out),
            (Screen::SelfService { .. } | Screen::Priority, _) => return self.home(out),
            _ => return,
        };
    }

    /// Back to the welcome screen; a customer who had not got a ticket is recorded as leaving.
    fn home(&mut self, out: &mut Vec<Effect>) {
        self.leave(out);
        self.screen = Screen::Welcome;
        self.lang = Lang::Zh;
        self.notice = None;
        self.checkin = None;
        self.booked = None;
    }

    /// Records the session's customer as gone at the step on screen.
    fn leave(&mut self, out: &mut Vec<Effect>) {
        if let Some(s) = self.session.take() {
            out.push(Effect::Record(Command::SessionAbandoned {
                session: s.id,
                step: step_of(&self.screen),
            }));
        }
    }
}

/// The step a customer leaving `screen` is recorded at.
fn step_of(screen: &Screen) -> KioskStep {
    match screen {
        Screen::SelfService { .. } | Screen::SelfServiceTaken { .. } => KioskStep::SelfServiceOffer,
        Screen::Priority | Screen::GreenCode { .. } => KioskStep::Priority,
        Screen::Phone { .. } => KioskStep::Phone,
        Screen::Issuing | Screen::Issued { .. } | Screen::Refused { .. } | Screen::NoAnswer => {
            KioskStep::Confirm
        }
        // A check-in has no session: the hub journals the arrival with the ticket.
        Screen::Welcome
        | Screen::Unavailable(_)
        | Screen::CheckIn { .. }
        | Screen::CheckingIn { .. }
        | Screen::CheckInRefused { .. } => KioskStep::ChooseBusiness,
    }
}

/// The digits keyed so far in the groups a mobile number is read in: `138 1234 5678`.
pub fn group_phone(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + 2);
    for (i, c) in digits.chars().enumerate() {
        if i == 3 || i == 7 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "controller_tests.rs"]
mod tests;
