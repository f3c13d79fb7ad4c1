//! What the counter terminal shows, as plain data: [`DeskView::of`] reads the [`Desk`] at `now`
//! (the hub's clock as the terminal knows it) and picks the hub's texts in `lang`.

use hallq_proto::state::Activity;
use hallq_proto::{Lang, LocalText, Timestamp};

use crate::controller::Desk;

/// What the counter is doing, as the view names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The hub cannot be reached.
    Offline,
    /// Nobody signed in.
    SignedOut,
    /// Signed in, counter closed.
    Closed,
    /// Open, waiting for the clerk to call.
    Idle,
    /// Paused.
    Paused,
    /// Calling a ticket.
    Calling,
    /// Serving a customer.
    Serving,
}

/// How near the handling-time limit the service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Well within.
    Fine,
    /// Four fifths of the limit used: finish soon.
    Near,
    /// Past the limit.
    Over,
}

/// One queue the counter serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// The business type's code (for transfers).
    pub code: String,
    /// Its name.
    pub name: String,
    /// Tickets waiting.
    pub waiting: u32,
}

/// The signed-in clerk's day, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkLine {
    /// Services finished.
    pub served: u32,
    /// Average handling time, `mm:ss`.
    pub avg_handling: String,
    /// Share within the time limit, `97 %`.
    pub within_limit: String,
    /// Share satisfied among ratings given, `96 % (25)`.
    pub satisfied: String,
}

impl ClerkLine {
    fn of(t: &hallq_proto::state::ClerkToday) -> Self {
        let pct = |part: u32, all: u32| {
            if all == 0 {
                "—".to_owned()
            } else {
                format!(
                    "{} %",
                    (u64::from(part) * 100 + u64::from(all) / 2) / u64::from(all)
                )
            }
        };
        // Nothing finished yet has no average: "—" as the shares say, not "00:00".
        let avg_handling = t
            .handling_secs
            .checked_div(u64::from(t.served))
            .map_or_else(
                || "—".to_owned(),
                |avg| format!("{:02}:{:02}", avg / 60, avg % 60),
            );
        Self {
            served: t.served,
            avg_handling,
            within_limit: pct(t.within_limit, t.served),
            satisfied: if t.rated == 0 {
                "—".to_owned()
            } else {
                format!("{} ({})", pct(t.satisfied, t.rated), t.rated)
            },
        }
    }
}

/// What the clerk reads when the hub skipped the ticket this counter was calling.
fn skipped_line(number: &hallq_proto::TicketNo) -> LocalText {
    LocalText::new(
        format!("{number} 呼叫后未到，已由系统自动过号"),
        format!("{number} did not come after the call: the hub skipped it"),
    )
}

/// Everything the terminal shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskView {
    /// The mode.
    pub mode: Mode,
    /// "3 号窗口".
    pub counter_name: String,
    /// The clerk signed in.
    pub staff: String,
    /// The ticket called or served: its number, business, priority label, recalls.
    pub number: String,
    /// Its business type's name.
    pub business: String,
    /// "优先服务" / "绿色通道", or empty.
    pub priority: String,
    /// Recalls so far.
    pub recalls: u32,
    /// A transfer note from the previous clerk.
    pub note: String,
    /// Seconds since called (calling) or since service started (serving).
    pub elapsed_secs: i64,
    /// The handling-time limit in minutes (serving).
    pub limit_min: u32,
    /// How near the limit.
    pub limit: Limit,
    /// Whether the service waits on the back office.
    pub back_office: bool,
    /// Why paused (in `lang`).
    pub pause_reason: String,
    /// The queues of the counter's skills, in its order of preference.
    pub queues: Vec<QueueLine>,
    /// Tickets waiting that this counter serves.
    pub waiting_total: u32,
    /// Tickets finished here today.
    pub served_today: u32,
    /// The clerk's figures today: services, average handling `mm:ss`, share within the time
    /// limit and share satisfied (`—` before there is any).
    pub clerk: Option<ClerkLine>,
    /// Whether a command is in flight (buttons wait).
    pub busy: bool,
    /// The last refusal, in `lang`; empty when none.
    pub problem: String,
    /// A line from the last answer.
    pub info: String,
    /// The evaluator's prompt: the number waiting for a rating, or empty.
    pub awaiting_rating: String,
    /// Where a ticket can be transferred (code, name): every business type on offer, then the
    /// hall's other counters as `counter:N`.
    pub businesses: Vec<(String, String)>,
    /// The open complaint cases with the time left to their next limit.
    pub cases: Vec<crate::floor::CaseLine>,
    /// The documents of the served ticket's business type (`state/services`), in `lang`: the
    /// boxes the clerk ticks when the service ends with "needs more documents".
    pub documents: Vec<String>,
}

impl DeskView {
    /// The view of `desk` at `now`.
    pub fn of(desk: &Desk, now: Timestamp, lang: Lang) -> Self {
        let state = desk.state.as_ref();
        let name_of = |code: &hallq_proto::BusinessCode| {
            desk.services
                .as_ref()
                .and_then(|s| s.services.iter().find(|i| &i.business == code))
                .map_or_else(|| code.to_string(), |i| i.name.get(lang).to_owned())
        };
        let skills = state.map(|s| s.skills.clone()).unwrap_or_default();
        let queues: Vec<QueueLine> = skills
            .iter()
            .map(|code| QueueLine {
                code: code.to_string(),
                name: name_of(code),
                waiting: desk
                    .board
                    .as_ref()
                    .and_then(|b| b.queues.iter().find(|q| &q.business == code))
                    .map_or(0, |q| q.waiting),
            })
            .collect();
        let mut view = Self {
            mode: Mode::Offline,
            counter_name: state.map_or_else(
                || format!("{} 号窗口", desk.counter),
                |s| s.name.get(lang).to_owned(),
            ),
            staff: desk
                .signed_in()
                .map(ToString::to_string)
                .unwrap_or_default(),
            number: String::new(),
            business: String::new(),
            priority: String::new(),
            recalls: 0,
            note: String::new(),
            elapsed_secs: 0,
            limit_min: 0,
            limit: Limit::Fine,
            back_office: false,
            pause_reason: String::new(),
            waiting_total: queues.iter().map(|q| q.waiting).sum(),
            queues,
            served_today: state.map_or(0, |s| s.served_today),
            clerk: state
                .and_then(|s| s.clerk_today.as_ref())
                .map(ClerkLine::of),
            busy: desk.in_flight.is_some(),
            // A refusal first; else a paper that did not print (the answer itself was fine).
            problem: desk
                .problem
                .map(|p| p.message())
                .or_else(|| desk.not_printed.clone())
                .map(|t| t.get(lang).to_owned())
                .unwrap_or_default(),
            info: desk
                .info
                .clone()
                .or_else(|| {
                    desk.skipped
                        .as_ref()
                        .map(|n| skipped_line(n).get(lang).to_owned())
                })
                .unwrap_or_default(),
            awaiting_rating: state
                .and_then(|s| s.awaiting_rating.as_ref())
                .map(|r| r.number.to_string())
                .unwrap_or_default(),
            businesses: desk
                .services
                .as_ref()
                .map(|s| {
                    s.services
                        .iter()
                        .map(|i| (i.business.to_string(), i.name.get(lang).to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
                .into_iter()
                .chain(
                    desk.known_counters
                        .iter()
                        .copied()
                        .filter(|&n| n != desk.counter.0)
                        .map(|n| {
                            let name = match lang {
                                Lang::Zh => format!("→ {n} 号窗口"),
                                Lang::En => format!("→ counter {n}"),
                            };
                            (format!("counter:{n}"), name)
                        }),
                )
                .collect(),
            cases: desk
                .complaints
                .as_ref()
                .map(|c| crate::floor::case_lines(c, now, lang))
                .unwrap_or_default(),
            documents: Vec::new(),
        };
        let Some(state) = state.filter(|_| desk.reachable) else {
            return view;
        };
        view.mode = match (&state.staff, state.open, &state.activity) {
            (None, ..) => Mode::SignedOut,
            (_, _, Activity::Paused { reason, since_ms }) => {
                view.pause_reason = reason.label().get(lang).to_owned();
                view.elapsed_secs = now.secs_since(*since_ms).max(0);
                Mode::Paused
            }
            (_, _, Activity::Calling(t)) => {
                view.ticket(t, &name_of(&t.business), lang);
                view.elapsed_secs = now.secs_since(t.called_at_ms).max(0);
                Mode::Calling
            }
            (
                _,
                _,
                Activity::Serving {
                    ticket,
                    since_ms,
                    limit_min,
                    back_office,
                },
            ) => {
                view.ticket(ticket, &name_of(&ticket.business), lang);
                view.documents = desk
                    .services
                    .as_ref()
                    .and_then(|s| s.services.iter().find(|i| i.business == ticket.business))
                    .map(|i| i.documents.iter().map(|d| d.get(lang).to_owned()).collect())
                    .unwrap_or_default();
                view.elapsed_secs = now.secs_since(*since_ms).max(0);
                view.limit_min = *limit_min;
                view.back_office = *back_office;
                let limit = i64::from(*limit_min) * 60;
                view.limit = if view.elapsed_secs >= limit {
                    Limit::Over
                } else if view.elapsed_secs * 5 >= limit * 4 {
                    Limit::Near
                } else {
                    Limit::Fine
                };
                Mode::Serving
            }
            (_, false, Activity::Idle) => Mode::Closed,
            (_, true, Activity::Idle) => Mode::Idle,
        };
        view
    }

    fn ticket(&mut self, t: &hallq_proto::state::TicketAtCounter, business: &str, lang: Lang) {
        self.number = t.number.to_string();
        self.business = business.to_owned();
        self.priority = t
            .priority
            .label()
            .map(|l| l.get(lang).to_owned())
            .unwrap_or_default();
        self.recalls = t.recalls;
        self.note = t.note.clone().unwrap_or_default();
    }
}
