//! The two floor roles of the terminal app, as pure state machines like [`crate::Desk`]:
//!
//! - [`Greeter`] (引导员): records the door touchpoints of one visitor at a time (wandering,
//!   consultation, product experience, document pre-check) and issues a ticket on the visitor's
//!   behalf, with priority; everything of one visitor joins the visit the hub opened for the
//!   first touch, until "next visitor".
//! - [`Supervisor`] (值班主管): opens and closes counters, posts and clears announcements, and sees
//!   every counter and device online or offline.

use std::collections::BTreeMap;

use hallq_proto::command::{IssueTicket, Touch};
use hallq_proto::state::{
    Board, Complaints, CounterState, Liveness, Presence, Revised as _, Storage, UplinkState,
    forget_rev, keep_newer,
};
use hallq_proto::{
    AnnouncementId, BusinessCode, Command, ComplaintAnswer, ComplaintCategory, ComplaintId,
    CounterNo, DeviceId, Lang, LocalText, PriorityReason, Timestamp, VisitId,
};

use crate::controller::Problem;

/// A press on the greeter's handheld.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GreeterPress {
    /// The business the visitor came for.
    Choose(BusinessCode),
    /// A door touchpoint.
    Touch(DoorTouch),
    /// A ticket, with priority if asked.
    Ticket(Option<PriorityReason>),
    /// The visitor's value tier (a level of `[[queue.tiers]]`), checked by the greeter; `None`
    /// takes it back. Goes with the visitor's ticket, and nowhere public.
    Tier(Option<u8>),
    /// The next visitor.
    NextVisitor,
    /// The call-back owed for this visit (a question left open earlier) was made.
    CalledBack(VisitId),
    /// Check in a booked customer by the code or the mobile number keyed (crate::checkin).
    CheckIn(String),
    /// A complaint taken on the floor (crate::complaint): the form's category, what it is
    /// about, and the mobile for the call back as typed.
    Complaint(ComplaintCategory, String, crate::controller::TypedNumber),
}

/// A press on the supervisor's console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorPress {
    /// Open (`true`) or close a counter.
    SetOpen(CounterNo, bool),
    /// Post an announcement.
    Post {
        /// Chinese text.
        zh: String,
        /// English text.
        en: String,
        /// Where to ask.
        where_to_ask: String,
    },
    /// Clear an announcement by id.
    Clear(String),
    /// Record progress on a complaint case.
    Update {
        /// The case id.
        complaint: String,
        /// What was done.
        note: String,
        /// Whether this is the first contact with the customer.
        contacted: bool,
    },
    /// The call-back owed for a visit's open consultation was made.
    CalledBack {
        /// The visit.
        visit: String,
    },
    /// Send a resolved case's written result again, its SMS having failed (crate::result_sms).
    Resend(String),
    /// Close a complaint case with the written result told to the customer.
    Resolve {
        /// The case id.
        complaint: String,
        /// 原因, 解决方案, 补偿措施 (empty: none), 后续承诺, as typed.
        answer: ComplaintAnswer,
    },
}

/// A door touchpoint the greeter records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorTouch {
    /// Seen wandering, not yet guided (6).
    Wandering,
    /// Consultation (7); `resolved: false` owes a call-back within 24 h.
    Consultation {
        /// Answered on the spot.
        resolved: bool,
    },
    /// Tried products in the experience area (8).
    ProductExperience,
    /// Documents checked while waiting (pre-processing); `complete: false`: something missing.
    DocumentPrecheck {
        /// All documents there.
        complete: bool,
    },
}

/// The greeter's handheld.
#[derive(Debug, Default, Clone)]
pub struct Greeter {
    /// The visit of the visitor being helped, once the hub opened one.
    pub(crate) visit: Option<VisitId>,
    /// The business the visitor came for, once known.
    pub(crate) business: Option<BusinessCode>,
    /// The visitor's value tier, when the greeter set one.
    pub(crate) tier: Option<u8>,
    /// The command in flight.
    pub(crate) in_flight: bool,
    /// What the last answer said: a ticket's number, or a refusal.
    pub(crate) last: Option<Result<String, Problem>>,
    /// The command in flight is a call-back's: its answer names another visit than the one
    /// being helped.
    pub(crate) callback_in_flight: bool,
    /// The call-backs owed, from the hub's complaint state.
    pub(crate) complaints: Option<Complaints>,
    /// Whether the hub was last seen online (its return forgets the kept revision).
    pub(crate) hub_online: bool,
    /// The command in flight is a check-in (crate::checkin).
    pub(crate) checkin_in_flight: bool,
    /// The hub's own words for the last check-in: its note, or its refusal.
    pub(crate) said: Option<LocalText>,
    /// The last complaint taken on the floor (crate::complaint), and why its receipt did not
    /// print, if it did not.
    pub(crate) complaint: Option<crate::complaint::Taken>,
    pub(crate) not_printed: Option<LocalText>,
}

impl Greeter {
    /// The hub's complaint state, with the call-backs owed.
    pub fn complaints(&mut self, c: Complaints) {
        keep_newer(&mut self.complaints, c);
    }

    /// The hub's status: when it turns online (perhaps a new run), its revisions may start
    /// again.
    pub fn hub(&mut self, status: Liveness) {
        let online = status == Liveness::Online;
        if online && !self.hub_online {
            forget_rev(&mut self.complaints);
        }
        self.hub_online = online;
    }

    /// The call-backs owed at `now`, oldest first; `names` gives a business type's name.
    pub fn callbacks(
        &self,
        now: Timestamp,
        lang: Lang,
        names: impl Fn(&BusinessCode) -> String,
    ) -> Vec<CallbackLine> {
        self.complaints
            .as_ref()
            .map(|c| callback_lines(c, now, lang, names))
            .unwrap_or_default()
    }

    /// The call-back owed for `visit` was made.
    pub fn called_back(&mut self, visit: VisitId) -> Option<Command> {
        if self.in_flight {
            return None;
        }
        self.in_flight = true;
        self.callback_in_flight = true;
        Some(Command::CallbackDone { visit, note: None })
    }

    /// The value tier set for the visitor, if any.
    pub fn tier(&self) -> Option<u8> {
        self.tier
    }

    /// The business the visitor came for.
    pub fn choose(&mut self, business: BusinessCode) {
        self.business = Some(business);
    }

    /// Records `touch` for the visitor being helped; `None` while a command is in flight.
    pub fn touch(&mut self, touch: DoorTouch) -> Option<Command> {
        if self.in_flight {
            return None;
        }
        let t = |resolved: Option<bool>| Touch {
            visit: self.visit.clone(),
            business: self.business.clone(),
            resolved,
            note: None,
        };
        let command = match touch {
            DoorTouch::Wandering => Command::Wandering(t(None)),
            DoorTouch::Consultation { resolved } => Command::Consultation(t(Some(resolved))),
            DoorTouch::ProductExperience => Command::ProductExperience(t(None)),
            DoorTouch::DocumentPrecheck { complete } => {
                Command::DocumentPrecheck(t(Some(complete)))
            }
        };
        self.in_flight = true;
        Some(command)
    }

    /// A ticket for the visitor, for the business chosen, with priority if asked.
    pub fn ticket(&mut self, care: Option<PriorityReason>, lang: Lang) -> Option<Command> {
        if self.in_flight {
            return None;
        }
        let business = self.business.clone()?;
        self.in_flight = true;
        Some(Command::IssueTicket(IssueTicket {
            business,
            priority_reason: care,
            green_channel: None,
            lang,
            phone: None,
            session: None,
            visit: self.visit.clone(),
            tier: self.tier,
        }))
    }

    /// The hub's answer: the visit it recorded the touch in, or the ticket's number.
    pub fn answered(&mut self, result: Result<(Option<VisitId>, Option<String>), Problem>) {
        self.in_flight = false;
        let callback = std::mem::take(&mut self.callback_in_flight);
        self.last = Some(match result {
            Ok((visit, number)) => {
                // A call-back's visit is an earlier visitor's, not the one being helped.
                if visit.is_some() && !callback {
                    self.visit = visit;
                }
                Ok(number.unwrap_or_default())
            }
            Err(p) => Err(p),
        });
    }

    /// Handles a press; returns the command to send, if any.
    pub fn press(&mut self, press: GreeterPress, lang: Lang) -> Option<Command> {
        // The greeter moved on: the last complaint's line gives way.
        if !matches!(press, GreeterPress::Complaint(..)) && !self.in_flight {
            self.complaint = None;
            self.not_printed = None;
        }
        match press {
            GreeterPress::Choose(b) => {
                self.choose(b);
                None
            }
            GreeterPress::Touch(t) => self.touch(t),
            GreeterPress::Ticket(care) => self.ticket(care, lang),
            GreeterPress::Tier(level) => {
                self.tier = level;
                None
            }
            GreeterPress::NextVisitor => {
                self.next_visitor();
                None
            }
            GreeterPress::CalledBack(visit) => self.called_back(visit),
            GreeterPress::CheckIn(keyed) => self.check_in(&keyed, lang),
            GreeterPress::Complaint(category, summary, contact) => {
                self.complaint(category, &summary, &contact)
            }
        }
    }

    /// The next visitor: nothing carries over.
    pub fn next_visitor(&mut self) {
        // What the hub said of the hall (the call-backs owed) is not the visitor's.
        *self = Self {
            complaints: self.complaints.take(),
            hub_online: self.hub_online,
            ..Self::default()
        };
    }
}

/// One open complaint case as the supervisor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    /// The case id.
    pub complaint: String,
    /// "K20261130-001 · 首次联系 剩余 1 小时 20 分".
    pub text: String,
    /// Whether its next limit has passed.
    pub overdue: bool,
    /// Whether the customer has been contacted.
    pub contacted: bool,
}

/// Each open case of `complaints` at `now`: its id, a line with the time left to its next limit
/// (the first contact until it is made, then the solution or progress feedback), and whether
/// that limit has passed.
pub fn case_lines(complaints: &Complaints, now: Timestamp, lang: Lang) -> Vec<CaseLine> {
    complaints
        .cases
        .iter()
        .map(|case| {
            let (limit, due) = if case.contacted {
                (
                    match case.category {
                        ComplaintCategory::General => LocalText::new("解决", "solution"),
                        ComplaintCategory::Complex => {
                            LocalText::new("进展反馈", "progress feedback")
                        }
                    },
                    case.due_ms,
                )
            } else {
                (
                    LocalText::new("首次联系", "first contact"),
                    case.first_contact_due_ms,
                )
            };
            let left_min = (due.0 - now.0).div_euclid(60_000);
            let when = match (lang, left_min < 0) {
                (Lang::Zh, true) => format!("已超时 {}", span(-left_min, lang)),
                (Lang::En, true) => format!("overdue by {}", span(-left_min, lang)),
                (Lang::Zh, false) => format!("剩余 {}", span(left_min, lang)),
                (Lang::En, false) => format!("{} left", span(left_min, lang)),
            };
            CaseLine {
                complaint: case.complaint.to_string(),
                text: format!("{} · {} {}", case.complaint, limit.get(lang), when),
                overdue: left_min < 0,
                contacted: case.contacted,
            }
        })
        .collect()
}

/// A call-back owed, as the supervisor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackLine {
    /// The visit.
    pub visit: String,
    /// "V20261130-0007 · 复杂业务 · 回电剩余 5 小时 20 分".
    pub text: String,
    /// Whether its 24 h have passed.
    pub overdue: bool,
}

/// Each call-back owed in `complaints` at `now`, oldest first: the visit, what was asked about
/// (named by `names`), the time left to its 24 h or how long it is overdue.
pub fn callback_lines(
    complaints: &Complaints,
    now: Timestamp,
    lang: Lang,
    names: impl Fn(&BusinessCode) -> String,
) -> Vec<CallbackLine> {
    let mut owed: Vec<_> = complaints.callbacks.iter().collect();
    owed.sort_by_key(|cb| cb.asked_at_ms);
    owed.into_iter()
        .map(|cb| {
            let left_min = (cb.due_ms.0 - now.0).div_euclid(60_000);
            let when = match (lang, left_min < 0) {
                (Lang::Zh, true) => format!("回电已超时 {}", span(-left_min, lang)),
                (Lang::En, true) => format!("call-back overdue by {}", span(-left_min, lang)),
                (Lang::Zh, false) => format!("回电剩余 {}", span(left_min, lang)),
                (Lang::En, false) => format!("call back within {}", span(left_min, lang)),
            };
            let about = cb.business.as_ref().map(|b| format!(" · {}", names(b)));
            CallbackLine {
                visit: cb.visit.to_string(),
                text: format!("{}{} · {when}", cb.visit, about.unwrap_or_default()),
                overdue: left_min < 0,
            }
        })
        .collect()
}

/// Why a written result was not sent: the part (by its field name) that is empty or too long.
fn answer_part_problem(part: &str) -> LocalText {
    let (zh, en) = match part {
        "cause" => ("原因", "cause"),
        "solution" => ("解决方案", "solution"),
        "compensation" => ("补偿措施", "compensation"),
        _ => ("后续承诺", "follow-up promise"),
    };
    let max = ComplaintAnswer::MAX_PART_CHARS;
    LocalText::new(
        format!("处理结果未发送：请填写{zh}（不超过 {max} 字）"),
        format!("The result was not sent: fill in the {en} (at most {max} characters)"),
    )
}

/// `minutes` as hours and minutes.
fn span(minutes: i64, lang: Lang) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (lang, h) {
        (Lang::Zh, 0) => format!("{m} 分钟"),
        (Lang::Zh, _) => format!("{h} 小时 {m} 分"),
        (Lang::En, 0) => format!("{m} min"),
        (Lang::En, _) => format!("{h} h {m} min"),
    }
}

/// One counter as the supervisor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterLine {
    /// The counter.
    pub counter: CounterNo,
    /// Its name.
    pub name: LocalText,
    /// Whether it is open.
    pub open: bool,
    /// The clerk signed in.
    pub staff: Option<String>,
    /// Whether its terminal is connected.
    pub online: bool,
    /// What it is doing, in a word.
    pub doing: LocalText,
}

/// One queue on the supervisor's console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// The business type.
    pub name: LocalText,
    /// Waiting, estimated wait, counters serving it.
    pub status: LocalText,
    /// People wait and no counter serving it is open.
    pub unserved: bool,
}

/// The supervisor's console.
#[derive(Debug, Default, Clone)]
pub struct Supervisor {
    pub(crate) counters: BTreeMap<u16, CounterState>,
    pub(crate) complaints: Option<Complaints>,
    pub(crate) devices: BTreeMap<String, bool>,
    pub(crate) board: Option<Board>,
    pub(crate) hub_online: bool,
    /// How far the hub's computer clock is behind the hub's own time (`state/hub`), while it is.
    pub(crate) clock_behind_ms: Option<i64>,
    /// The hall's link to headquarters (`state/hub`), when the hall has one.
    pub(crate) uplink: Option<UplinkState>,
    /// HQ's configuration revision in force, and the newer one refused (`state/hub`).
    pub(crate) hq_config: (
        Option<hallq_proto::state::ConfigInForce>,
        Option<hallq_proto::state::ConfigRefused>,
    ),
    /// The hall's local time is UTC plus this (`--utc-offset-min`), for the times it shows;
    /// none: China's (480), the command line's default.
    pub(crate) utc_offset_min: Option<i32>,
    /// Why the hub cannot write its journal (`state/hub`), while it cannot.
    pub(crate) storage: Option<Storage>,
    /// Customer notices ("your turn is near") given up today (`state/hub`), if any.
    pub(crate) notices: Option<hallq_proto::state::NoticeFailures>,
    pub(crate) in_flight: bool,
    /// The command in flight, to say what was done once answered.
    pub(crate) pending: Option<Command>,
    /// What the last answer means: what was done, or why not.
    pub(crate) last: Option<Result<LocalText, LocalText>>,
}

impl Supervisor {
    /// What the console's client must receive beyond a device's: every device's presence, for
    /// the device panel (both brokers let a supervisor console's login read it).
    pub fn watch(config: &mut hallq_client::ClientConfig) {
        config.watch_presence = true;
    }

    /// Shows the hall's times at UTC plus `minutes` (`--utc-offset-min`).
    pub fn set_utc_offset_min(&mut self, minutes: i32) {
        self.utc_offset_min = Some(minutes);
    }

    /// Takes in what the hub and the devices published.
    pub fn feed(&mut self, update: hallq_client::Update) {
        use hallq_client::Update;
        match update {
            Update::Counter(c) => self.counter(*c),
            Update::Board(b) => self.board(*b),
            Update::Presence(p) => self.presence(&p),
            Update::Complaints(c) => self.complaints(*c),
            Update::Hub(h) => {
                self.clock_behind_ms = h.clock_behind_ms;
                self.storage = h.storage;
                self.notices = h.notices;
                if h.status == Liveness::Online {
                    self.uplink = h.uplink;
                    self.hq_config = (h.config, h.config_refused);
                }
                self.hub(h.status);
            }
            // Inspections: the console's own part (crate::inspect), fed beside this one.
            Update::Services(_) | Update::Call(_) | Update::Reply(_) | Update::Inspections(_) => {}
        }
    }

    /// What the supervisor must know about the hub itself, above everything else: that it is
    /// not connected (the console then shows the last state it received), or that its computer's
    /// clock was set back behind the journal (the hub holds its time and never lets it run
    /// backwards, but someone must set the clock right: the field test found halls that never
    /// knew), or that it cannot write its journal (its disk full), so every command is refused.
    pub fn hub_notice(&self) -> Option<LocalText> {
        if !self.hub_online {
            return Some(LocalText::new(
                "叫号系统（中枢）未连接：以下是最后收到的情况",
                "The hall's hub is not connected: this is the last state received",
            ));
        }
        // Nothing is recorded while the journal cannot be written: the most urgent.
        match self.storage {
            Some(Storage::Full) => {
                return Some(LocalText::new(
                    "中枢磁盘已满：取号、叫号等操作全部无法记录，请立即清理中枢电脑的磁盘空间",
                    "The hub's disk is full: nothing (tickets, calls) can be recorded. Free space on the hub's computer now",
                ));
            }
            Some(Storage::Failing) => {
                return Some(LocalText::new(
                    "中枢无法写入记录：取号、叫号等操作全部无法记录，请检查中枢电脑",
                    "The hub cannot write its records: nothing (tickets, calls) can be recorded. Check the hub's computer",
                ));
            }
            None => {}
        }
        if let Some(ms) = self.clock_behind_ms.filter(|&ms| ms > 0) {
            let min = (ms + 59_999) / 60_000;
            return Some(LocalText::new(
                format!(
                    "中枢电脑的系统时钟落后 {min} 分钟：叫号时间按最后一条记录继续走，请校正时钟"
                ),
                format!(
                    "The hub's clock is {min} min behind; the hall's time goes on from its last record. Set the clock right"
                ),
            ));
        }
        self.notices_line()
    }

    /// The customer notices the hub gave up today after their retries (the SMS gateway down or
    /// refusing): how many, and the latest, so staff can tell that customer in person.
    pub fn notices_line(&self) -> Option<LocalText> {
        let n = self.notices.as_ref()?;
        let l = &n.last;
        let (zh_kind, en_kind) = match l.kind.as_str() {
            "near" => ("即将到号", "turn-is-near"),
            _ => ("叫号", "call"),
        };
        Some(LocalText::new(
            format!(
                "今日 {} 条短信通知发送失败（最近：{} 号的{}通知，{}），请检查短信网关，并当面告知该顾客",
                n.failed, l.number, zh_kind, l.error
            ),
            format!(
                "{} customer SMS notices failed today (latest: {} {} notice, {}). Check the SMS gateway and tell that customer in person",
                n.failed, l.number, en_kind, l.error
            ),
        ))
    }

    /// The line about the hall's link to headquarters and the configuration it sent, and
    /// whether all is well; none for a hall without a link. The hall serves the same either
    /// way: the line says so when the link is down. A revision this hall refused is named with
    /// its reason (the hall keeps the one before), so the supervisor can tell HQ what to change.
    pub fn uplink_line(&self) -> Option<(LocalText, bool)> {
        let u = self.uplink?;
        let n = u.behind;
        let link = match (u.connected, n) {
            (true, 0) => LocalText::new(
                "总部连接正常，记录已全部上传",
                "HQ link up: everything uploaded",
            ),
            (true, n) => LocalText::new(
                format!("总部连接正常，待上传 {n} 条"),
                format!("HQ link up: {n} events to upload"),
            ),
            (false, n) => LocalText::new(
                format!("总部连接中断，待上传 {n} 条（本厅业务不受影响）"),
                format!("HQ link down: {n} events to upload (the hall serves as usual)"),
            ),
        };
        let (in_force, refused) = &self.hq_config;
        let config = match in_force {
            Some(c) => {
                let offset = self.utc_offset_min.unwrap_or(480);
                let since = hallq_proto::time::hhmm(c.since_ms, offset);
                LocalText::new(
                    format!("总部配置第 {} 版（{since} 起生效）", c.rev),
                    format!("HQ configuration rev {} (in force since {since})", c.rev),
                )
            }
            None => LocalText::new(
                "未收到总部配置（按本厅配置运行）",
                "no HQ configuration (hall.toml only)",
            ),
        };
        let mut text = LocalText::new(
            format!("{} · {}", link.zh, config.zh),
            format!("{} · {}", link.en, config.en),
        );
        if let Some(r) = refused {
            text = LocalText::new(
                format!("{}；第 {} 版未采用：{}", text.zh, r.rev, r.reason.zh),
                format!("{}; rev {} not taken: {}", text.en, r.rev, r.reason.en),
            );
        }
        Some((text, u.connected && refused.is_none()))
    }

    /// A counter's retained state.
    pub fn counter(&mut self, state: CounterState) {
        let n = state.counter.0;
        let mut kept = self.counters.remove(&n);
        keep_newer(&mut kept, state);
        if let Some(kept) = kept {
            self.counters.insert(n, kept);
        }
    }

    /// The hub's status: when it turns online (perhaps a new run), its revisions may start
    /// again.
    pub fn hub(&mut self, status: Liveness) {
        let online = status == Liveness::Online;
        if online && !self.hub_online {
            for c in self.counters.values_mut() {
                c.set_rev(0);
            }
            forget_rev(&mut self.board);
            forget_rev(&mut self.complaints);
        }
        self.hub_online = online;
    }

    /// A device's birth or will.
    pub fn presence(&mut self, p: &Presence) {
        self.devices
            .insert(p.device.to_string(), p.status == Liveness::Online);
    }

    /// The board (announcements in effect).
    pub fn board(&mut self, board: Board) {
        keep_newer(&mut self.board, board);
    }

    /// The open complaint cases.
    pub fn complaints(&mut self, c: Complaints) {
        keep_newer(&mut self.complaints, c);
    }

    /// Each open case at `now` (see [`case_lines`]).
    pub fn cases(&self, now: Timestamp, lang: Lang) -> Vec<CaseLine> {
        self.complaints
            .as_ref()
            .map(|c| case_lines(c, now, lang))
            .unwrap_or_default()
    }

    /// Opens or closes `counter`.
    pub fn set_open(&mut self, counter: CounterNo, open: bool) -> Option<Command> {
        self.send(if open {
            Command::OpenCounter {
                counter: Some(counter),
            }
        } else {
            Command::CloseCounter {
                counter: Some(counter),
            }
        })
    }

    /// Posts an announcement (red background, white text on every display).
    pub fn post(&mut self, zh: &str, en: &str, where_to_ask: &str) -> Option<Command> {
        let (zh, en) = (zh.trim(), en.trim());
        if zh.is_empty() && en.is_empty() {
            return None;
        }
        let text = LocalText::new(
            if zh.is_empty() { en } else { zh },
            if en.is_empty() { zh } else { en },
        );
        let ask = where_to_ask.trim();
        self.send(Command::AnnouncementPost {
            announcement: None,
            text,
            starts_at_ms: None,
            ends_at_ms: None,
            where_to_ask: (!ask.is_empty()).then(|| LocalText::new(ask, ask)),
        })
    }

    /// Clears an announcement.
    pub fn clear(&mut self, id: &str) -> Option<Command> {
        let announcement = AnnouncementId::new(id).ok()?;
        self.send(Command::AnnouncementClear { announcement })
    }

    /// The call-backs owed for consultations left open, oldest first, at `now`: the visit, what
    /// was asked about (the business type's name when the board has it), the time left.
    pub fn callbacks(&self, now: Timestamp, lang: Lang) -> Vec<CallbackLine> {
        let Some(c) = &self.complaints else {
            return Vec::new();
        };
        callback_lines(c, now, lang, |code| {
            self.board
                .as_ref()
                .and_then(|b| b.queues.iter().find(|q| &q.business == code))
                .map_or_else(|| code.to_string(), |q| q.name.get(lang).to_owned())
        })
    }

    /// The call-back owed for `visit` was made.
    pub fn called_back(&mut self, visit: &str) -> Option<Command> {
        let visit = VisitId::new(visit).ok()?;
        self.send(Command::CallbackDone { visit, note: None })
    }

    /// Records progress on a complaint case: `contacted` marks the first contact with the
    /// customer (due within 2 h), and may go without a note; otherwise a note is what is
    /// recorded (a complex case's progress feedback, due within 72 h).
    pub fn update(&mut self, id: &str, note: &str, contacted: bool) -> Option<Command> {
        let complaint = ComplaintId::new(id).ok()?;
        let note = match (note.trim(), contacted) {
            ("", false) => return None,
            ("", true) => "已联系客户 / customer contacted".to_owned(),
            (note, _) => note.to_owned(),
        };
        self.send(Command::ComplaintUpdate {
            complaint,
            note,
            contacted,
        })
    }

    /// Closes a complaint case with the written result the customer is told (the hall code's
    /// 原因、解决方案、补偿措施、后续承诺); the solution is also the case's resolution line. Every
    /// part but the compensation must say something, and none may be longer than an SMS-sized
    /// paragraph: otherwise nothing is sent and the console says which part.
    pub fn resolve(&mut self, id: &str, answer: &ComplaintAnswer) -> Option<Command> {
        let complaint = ComplaintId::new(id).ok()?;
        let answer = ComplaintAnswer {
            cause: answer.cause.trim().to_owned(),
            solution: answer.solution.trim().to_owned(),
            compensation: answer
                .compensation
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            promise: answer.promise.trim().to_owned(),
        };
        if let Some(part) = answer.invalid_part() {
            self.last = Some(Err(answer_part_problem(part)));
            return None;
        }
        self.send(Command::ComplaintResolve {
            complaint,
            resolution: answer.solution.clone(),
            answer: Some(answer),
        })
    }

    pub(crate) fn send(&mut self, command: Command) -> Option<Command> {
        if self.in_flight {
            return None;
        }
        self.in_flight = true;
        self.pending = Some(command.clone());
        Some(command)
    }

    /// The hub's answer to the command in flight: the console says what was done, or why not.
    pub fn answered(&mut self, result: Result<(), Problem>) {
        self.in_flight = false;
        let Some(cmd) = self.pending.take() else {
            return;
        };
        self.last = Some(match result {
            Ok(()) => Ok(crate::outcome::done(&cmd)),
            Err(p) => Err(crate::outcome::refused(&cmd, p)),
        });
    }

    /// The line about the last answer, in `lang`, and whether it is a problem.
    pub fn last_line(&self, lang: Lang) -> Option<(String, bool)> {
        self.last.as_ref().map(|r| match r {
            Ok(t) => (t.get(lang).to_owned(), false),
            Err(t) => (t.get(lang).to_owned(), true),
        })
    }

    /// Handles a press; returns the command to send, if any.
    pub fn press(&mut self, press: SupervisorPress) -> Option<Command> {
        match press {
            SupervisorPress::SetOpen(c, open) => self.set_open(c, open),
            SupervisorPress::Post {
                zh,
                en,
                where_to_ask,
            } => self.post(&zh, &en, &where_to_ask),
            SupervisorPress::Clear(id) => self.clear(&id),
            SupervisorPress::Update {
                complaint,
                note,
                contacted,
            } => self.update(&complaint, &note, contacted),
            SupervisorPress::Resolve { complaint, answer } => self.resolve(&complaint, &answer),
            SupervisorPress::Resend(complaint) => self.resend(&complaint),
            SupervisorPress::CalledBack { visit } => self.called_back(&visit),
        }
    }

    /// Every counter, in number order.
    pub fn counters(&self) -> Vec<CounterLine> {
        use hallq_proto::state::Activity;
        self.counters
            .values()
            .map(|c| CounterLine {
                counter: c.counter,
                name: c.name.clone(),
                open: c.open,
                staff: c.staff.as_ref().map(ToString::to_string),
                online: c.online,
                doing: match &c.activity {
                    Activity::Idle if c.open => LocalText::new("空闲", "idle"),
                    Activity::Idle => LocalText::new("关闭", "closed"),
                    Activity::Paused { reason, .. } => reason.label(),
                    Activity::Calling(t) => LocalText::new(
                        format!("呼叫 {}", t.number),
                        format!("calling {}", t.number),
                    ),
                    Activity::Serving { ticket, .. } => LocalText::new(
                        format!("办理 {}", ticket.number),
                        format!("serving {}", ticket.number),
                    ),
                },
            })
            .collect()
    }

    /// Each business type's queue, as the board has it: how many wait, the estimated wait,
    /// how many counters serve it. A queue with people waiting and no counter open for it is
    /// what the supervisor must act on first: `unserved`.
    pub fn queues(&self) -> Vec<QueueLine> {
        let Some(board) = &self.board else {
            return Vec::new();
        };
        board
            .queues
            .iter()
            .map(|q| {
                // As the wall display says it: "about 0 min" reads as a fault (field test §1.11).
                let wait = match q.estimated_wait_min {
                    Some(0) => LocalText::new("无需等候", "no wait"),
                    Some(m) => LocalText::new(format!("约 {m} 分钟"), format!("about {m} min")),
                    None => LocalText::new("无法估计", "no estimate"),
                };
                let unserved = q.waiting > 0 && q.counters_open == 0;
                let counters = if q.counters_open == 0 {
                    LocalText::new("无窗口办理", "no counter open")
                } else {
                    LocalText::new(
                        format!("{} 个窗口", q.counters_open),
                        format!(
                            "{} counter{}",
                            q.counters_open,
                            if q.counters_open == 1 { "" } else { "s" }
                        ),
                    )
                };
                QueueLine {
                    name: q.name.clone(),
                    status: LocalText::new(
                        format!("等候 {} 人 · {} · {}", q.waiting, wait.zh, counters.zh),
                        format!("{} waiting · {} · {}", q.waiting, wait.en, counters.en),
                    ),
                    unserved,
                }
            })
            .collect()
    }

    /// Every device seen, those offline first (the console's list scrolls when a hall has many:
    /// a device down must not be scrolled out of sight), then by id.
    pub fn devices(&self) -> Vec<(DeviceId, bool)> {
        let mut out: Vec<(DeviceId, bool)> = self
            .devices
            .iter()
            .filter_map(|(id, &up)| Some((DeviceId::new(id.as_str()).ok()?, up)))
            .collect();
        out.sort_by_key(|(id, up)| (*up, id.to_string()));
        out
    }

    /// The announcements in effect: id and text.
    pub fn announcements(&self) -> Vec<(String, LocalText)> {
        self.board
            .as_ref()
            .map(|b| {
                b.announcements
                    .iter()
                    .map(|a| (a.id.to_string(), a.text.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "floor_tests.rs"]
mod tests;
