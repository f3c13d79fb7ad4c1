//! From a device's command to the engine's: who may send what (the role table of
//! docs/protocol.md), which counter a command is for, and what reply the hub will give.
//!
//! Pure: it reads the configuration and the command, nothing else.

use hallq_proto::command::{Command as Wire, IssueTicket, Touch};
use hallq_proto::{
    ComplaintAnswer, CounterNo, ErrorCode, ErrorInfo, Priority, TicketId, Touchpoint,
};
use hallq_queue::{Command, VisitRef};

use crate::config::{DeviceConfig, HallConfig, Role};

/// How the reply to a command is built once the engine has applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplyShape {
    /// `ticket_issued`.
    Ticket,
    /// `called`, for this counter.
    Called(CounterNo),
    /// `counter`: the counter's new state.
    Counter(CounterNo),
    /// `recorded`, with the visit.
    Recorded,
    /// `rated`.
    Rated,
    /// `complaint`.
    Complaint,
    /// `announcement`.
    Announcement,
    /// `done`.
    Done,
}

/// What the hub will do for a command.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The engine commands, applied in order; all or none are journaled.
    pub(crate) commands: Vec<Command>,
    /// The reply's shape.
    pub(crate) reply: ReplyShape,
    /// For `rate`: the ticket the pad showed, checked against the counter's prompt.
    pub(crate) rate_ticket: Option<TicketId>,
}

fn refuse(code: ErrorCode, detail: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(code).with_detail(detail)
}

/// Whether `role` may send `cmd`: the role table of docs/protocol.md, "Who may send what", which
/// hallq-profiles keeps (the profiles are validated against the same table).
pub(crate) fn permits(role: Role, cmd: &Wire) -> bool {
    role.may_send(cmd.kind())
}

/// Whether the device's firmware profile lists `cmd`; a device without a profile is checked by
/// its role alone. A profile the hub has not loaded lists nothing.
fn profile_permits(
    config: &HallConfig,
    device: &DeviceConfig,
    cmd: &Wire,
) -> Result<(), ErrorInfo> {
    let Some(name) = &device.profile else {
        return Ok(());
    };
    let profile = config.profiles.as_ref().and_then(|p| p.get(name));
    if profile.is_some_and(|p| p.may_send(cmd.kind())) {
        Ok(())
    } else {
        Err(refuse(
            ErrorCode::Forbidden,
            format!("profile {name} does not list {}", cmd.kind()),
        ))
    }
}

/// The counter an open/close acts on: a counter terminal's own (naming another is forbidden), or
/// the one a supervisor names (required).
fn target_counter(device: &DeviceConfig, named: Option<CounterNo>) -> Result<CounterNo, ErrorInfo> {
    match (device.role, device.counter, named) {
        (Role::Counter, Some(own), None) => Ok(own),
        (Role::Counter, Some(own), Some(n)) if n == own => Ok(own),
        (Role::Counter, _, Some(n)) => Err(refuse(
            ErrorCode::Forbidden,
            format!("counter {n} is not this terminal's"),
        )),
        (Role::Supervisor, _, Some(n)) => Ok(n),
        _ => Err(refuse(ErrorCode::InvalidField, "`counter` is required")),
    }
}

/// A PIN hash of a staff member who does not exist, made as `hallq staff set-pin` makes them:
/// checking a PIN against it costs what checking a real one does.
static DECOY_PIN_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::secret::hash(&crate::secret::random(), crate::secret::Strength::Memorable)
        .unwrap_or_default()
});

/// Checks `cmd` from `device` and turns it into engine commands. `verify_pin` checks a clerk's
/// PIN against its hash (kept outside so this stays pure and fast to test).
pub(crate) fn plan(
    config: &HallConfig,
    device: &DeviceConfig,
    cmd: &Wire,
    verify_pin: impl Fn(&str, &str) -> bool,
) -> Result<Plan, ErrorInfo> {
    if !permits(device.role, cmd) {
        return Err(refuse(
            ErrorCode::Forbidden,
            format!("a {:?} may not send {}", device.role, cmd.kind()),
        ));
    }
    profile_permits(config, device, cmd)?;
    let own = device.counter.unwrap_or(CounterNo(0));
    let by = device.id.to_string();
    let one = |command: Command, reply: ReplyShape| {
        Ok(Plan {
            commands: vec![command],
            reply,
            rate_ticket: None,
        })
    };
    let touch = |t: &Touch, touchpoint: Touchpoint, what: &str| {
        let visit = t.visit.clone().map_or(VisitRef::New, VisitRef::Existing);
        let command = Command::Touch {
            visit,
            touchpoint,
            business: t.business.clone(),
            resolved: t.resolved,
            count: None,
            what: what.into(),
        };
        one(command, ReplyShape::Recorded)
    };
    let anonymous = |touchpoint: Touchpoint, what: String, business, count| Command::Touch {
        visit: VisitRef::Anonymous,
        touchpoint,
        business,
        resolved: None,
        count,
        what,
    };
    use Wire as W;
    match cmd {
        W::IssueTicket(t) => one(issue(config, device, t)?, ReplyShape::Ticket),
        W::SessionStarted { .. } => one(
            anonymous(
                Touchpoint::SelfService,
                "session_started".into(),
                None,
                None,
            ),
            ReplyShape::Recorded,
        ),
        W::SelfServiceChosen { business, .. } => {
            let command = Command::Touch {
                visit: VisitRef::New,
                touchpoint: Touchpoint::SelfService,
                business: Some(business.clone()),
                resolved: Some(true),
                count: None,
                what: "self_service_chosen".into(),
            };
            one(command, ReplyShape::Recorded)
        }
        W::SessionAbandoned { step, .. } => {
            let what = format!(
                "session_abandoned:{}",
                serde_json::to_value(step)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            );
            one(
                anonymous(Touchpoint::SelfService, what, None, None),
                ReplyShape::Recorded,
            )
        }
        W::PrintResult {
            ticket,
            ok,
            reprint,
            ..
        } => one(
            Command::PrintResult {
                ticket: ticket.clone(),
                ok: *ok,
                reprint: *reprint,
            },
            ReplyShape::Done,
        ),
        W::Consultation(t) => touch(t, Touchpoint::Consultation, "consultation"),
        W::Wandering(t) => touch(t, Touchpoint::Wandering, "wandering"),
        W::ProductExperience(t) => touch(t, Touchpoint::ProductExperience, "product_experience"),
        W::DocumentPrecheck(t) => touch(t, Touchpoint::Queueing, "document_precheck"),
        W::SignIn { staff, pin } => {
            if config.staff.is_empty() && !config.hall.open_sign_in {
                return Err(refuse(
                    ErrorCode::StaffNotConfigured,
                    "hall.toml lists no [[staff]] and [hall] open_sign_in is not set",
                ));
            }
            if !config.staff.is_empty() {
                // An unknown staff number and a wrong PIN get the same answer, after the same
                // work (a PIN checked against a decoy hash): neither the reply nor its time tells
                // a guesser which staff numbers exist.
                let given = pin.as_ref().map_or("", |p| p.0.as_str());
                let matches = match config.staff.iter().find(|s| &s.number == staff) {
                    Some(clerk) => clerk
                        .pin_hash
                        .as_ref()
                        .is_none_or(|hash| verify_pin(given, hash)),
                    None => {
                        verify_pin(given, &DECOY_PIN_HASH);
                        false
                    }
                };
                if !matches {
                    return Err(refuse(
                        ErrorCode::WrongPin,
                        "the staff number and PIN do not match",
                    ));
                }
            }
            one(
                Command::SignIn {
                    counter: own,
                    staff: staff.clone(),
                },
                ReplyShape::Counter(own),
            )
        }
        W::SignOut {} => one(Command::SignOut { counter: own }, ReplyShape::Counter(own)),
        W::OpenCounter { counter } => {
            let c = target_counter(device, *counter)?;
            one(Command::OpenCounter { counter: c }, ReplyShape::Counter(c))
        }
        W::CloseCounter { counter } => {
            let c = target_counter(device, *counter)?;
            one(Command::CloseCounter { counter: c }, ReplyShape::Counter(c))
        }
        W::Pause { reason, .. } => one(
            Command::Pause {
                counter: own,
                reason: *reason,
            },
            ReplyShape::Counter(own),
        ),
        W::Resume {} => one(Command::Resume { counter: own }, ReplyShape::Counter(own)),
        W::CallNext {} => one(Command::CallNext { counter: own }, ReplyShape::Called(own)),
        W::CallTicket { ticket } => one(
            Command::CallTicket {
                counter: own,
                ticket: ticket.clone(),
            },
            ReplyShape::Called(own),
        ),
        W::Recall {} => one(Command::Recall { counter: own }, ReplyShape::Called(own)),
        W::StartService {} => one(
            Command::StartService { counter: own },
            ReplyShape::Counter(own),
        ),
        W::BackOffice { waiting } => one(
            Command::BackOffice {
                counter: own,
                waiting: *waiting,
            },
            ReplyShape::Counter(own),
        ),
        W::Finish {
            result, missing, ..
        } => one(
            Command::Finish {
                counter: own,
                result: *result,
                missing: missing.clone(),
            },
            ReplyShape::Counter(own),
        ),
        W::NoShow {} => one(Command::NoShow { counter: own }, ReplyShape::Counter(own)),
        W::Transfer { to, note } => {
            let command = Command::Transfer {
                counter: own,
                to: to.clone(),
                note: note.as_deref().map(free_text),
            };
            one(command, ReplyShape::Counter(own))
        }
        W::Requeue { ticket } => one(
            Command::Requeue {
                ticket: ticket.clone(),
            },
            ReplyShape::Done,
        ),
        W::CancelTicket { ticket, .. } => one(
            Command::Cancel {
                ticket: ticket.clone(),
            },
            ReplyShape::Done,
        ),
        W::Rate { score, ticket } => Ok(Plan {
            commands: vec![Command::Rate {
                counter: own,
                score: *score,
            }],
            reply: ReplyShape::Rated,
            rate_ticket: ticket.clone(),
        }),
        W::ComplaintOpen {
            category,
            summary,
            visit,
            ticket,
            business,
            responsibility,
            contact: _,
        } => {
            let command = Command::ComplaintOpen {
                category: *category,
                summary: free_text(summary),
                visit: visit.clone(),
                ticket: ticket.clone(),
                business: business.clone(),
                responsibility: responsibility.as_deref().map(free_text),
                opened_by: by,
            };
            one(command, ReplyShape::Complaint)
        }
        W::ComplaintUpdate {
            complaint,
            note,
            contacted,
        } => {
            let command = Command::ComplaintUpdate {
                complaint: complaint.clone(),
                note: free_text(note),
                contacted: *contacted,
            };
            one(command, ReplyShape::Complaint)
        }
        W::ComplaintResolve {
            complaint,
            resolution,
            answer,
        } => {
            let command = Command::ComplaintResolve {
                complaint: complaint.clone(),
                resolution: free_text(resolution),
                answer: answer.as_ref().map(|a| ComplaintAnswer {
                    cause: free_text(&a.cause),
                    solution: free_text(&a.solution),
                    compensation: a.compensation.as_deref().map(free_text),
                    promise: free_text(&a.promise),
                }),
            };
            one(command, ReplyShape::Complaint)
        }
        W::CallbackDone { visit, note } => {
            let command = Command::CallbackDone {
                visit: visit.clone(),
                note: note.as_deref().map(free_text).unwrap_or_default(),
            };
            one(command, ReplyShape::Recorded)
        }
        W::AnnouncementPost {
            announcement,
            text,
            starts_at_ms,
            ends_at_ms,
            where_to_ask,
        } => {
            let command = Command::AnnouncementPost {
                id: announcement.clone(),
                text: text.clone(),
                starts_at: *starts_at_ms,
                ends_at: *ends_at_ms,
                where_to_ask: where_to_ask.clone(),
            };
            one(command, ReplyShape::Announcement)
        }
        W::AnnouncementClear { announcement } => one(
            Command::AnnouncementClear {
                id: announcement.clone(),
            },
            ReplyShape::Announcement,
        ),
        W::CallAnnounced {
            ticket,
            counter,
            recall,
        } => one(
            Command::CallAnnounced {
                ticket: ticket.clone(),
                counter: *counter,
                recall: *recall,
            },
            ReplyShape::Done,
        ),
        W::DoorCount { entered, passed_by } => {
            let mut commands = vec![anonymous(
                Touchpoint::Entering,
                "door_entered".into(),
                None,
                Some(*entered),
            )];
            if let Some(p) = passed_by {
                commands.push(anonymous(
                    Touchpoint::FrontOfHall,
                    "door_passed_by".into(),
                    None,
                    Some(*p),
                ));
            }
            Ok(Plan {
                commands,
                reply: ReplyShape::Recorded,
                rate_ticket: None,
            })
        }
        // The writer decides it against the result SMS ledger (`writer/resend.rs`): no engine
        // command here.
        W::ComplaintResultResend { .. } => Ok(Plan {
            commands: Vec::new(),
            reply: ReplyShape::Done,
            rate_ticket: None,
        }),
        // The writer checks it in against the book (`crate::checkin`): no engine command here.
        W::CheckIn(_) => Ok(Plan {
            commands: Vec::new(),
            reply: ReplyShape::Done,
            rate_ticket: None,
        }),
        // The writer records them in the register (`crate::inspect`): no engine command here.
        // The manager's self-inspection and a mystery shopper's findings are the supervisor's
        // to record; the greeter's handheld does the cleaning and facility rounds.
        W::InspectionRecord { template, .. } => {
            use hallq_inspect::InspectionKind as K;
            let kind = config.inspections.template(template).map(|t| t.kind);
            if device.role == Role::Greeter
                && matches!(kind, Some(K::SelfInspection | K::MysteryShopper))
            {
                // Forbidden, in words that say whose it is: the greeter's handheld does the
                // rounds, never the manager's own checks.
                let mut e = refuse(
                    ErrorCode::Forbidden,
                    format!("checklist {template} is recorded on the supervisor's console"),
                );
                e.zh = "服务自查和暗访由值班主管在主管台记录，引导员手持机不能记录".into();
                e.en = "The self-inspection and mystery-shopper visits are recorded by the duty supervisor on the console, not on the greeter's handheld.".into();
                return Err(e);
            }
            Ok(Plan {
                commands: Vec::new(),
                reply: ReplyShape::Done,
                rate_ticket: None,
            })
        }
        W::CorrectionFollowUp { .. } | W::CorrectionClose { .. } => Ok(Plan {
            commands: Vec::new(),
            reply: ReplyShape::Done,
            rate_ticket: None,
        }),
    }
}

/// Free text a person typed (a transfer note, a complaint's summary), as the journal keeps it:
/// runs of 7 or more digits are cut out, so that a phone or ID number typed into a note never
/// reaches the touchpoints (PIPL; the number for a call back has a field of its own, sealed).
fn free_text(text: &str) -> String {
    hallq_proto::redact_digits(text)
}

/// The engine's ticket request: priority from the reason or a known green-channel code, the
/// value tier from a known membership code or the greeter. The kiosk's one code field takes
/// both kinds of code; a code in neither list is refused as unknown.
fn issue(
    config: &HallConfig,
    device: &DeviceConfig,
    t: &IssueTicket,
) -> Result<Command, ErrorInfo> {
    let code = t.green_channel.as_deref().map(str::trim);
    let green = code.and_then(|c| config.green_channel.iter().find(|g| g.code.0 == c));
    let member = code.and_then(|c| config.membership.iter().find(|m| m.code.0 == c));
    if code.is_some() && green.is_none() && member.is_none() {
        return Err(ErrorInfo::new(ErrorCode::UnknownGreenChannel));
    }
    let (priority, mut granted_by) = match (green, t.priority_reason) {
        (Some(g), _) => (
            Priority::GreenChannel,
            Some(format!("green channel: {} (via {})", g.label, device.id)),
        ),
        (None, Some(reason)) => {
            let how = if device.role == Role::Greeter {
                "granted by greeter"
            } else {
                "self-declared at kiosk"
            };
            (
                Priority::Care,
                Some(format!("{reason:?} ({how} {})", device.id).to_lowercase()),
            )
        }
        (None, None) => (Priority::Ordinary, None),
    };
    // A tier is a membership's: shown as a code, or vouched for by a greeter who saw the card.
    // A kiosk's customer cannot declare one.
    let tier = match (member, t.tier) {
        (_, Some(_)) if device.role != Role::Greeter => {
            return Err(ErrorInfo::new(ErrorCode::Forbidden));
        }
        (_, Some(level)) => {
            let by = format!("tier {level} (granted by greeter {})", device.id);
            granted_by = Some(granted_by.map_or(by.clone(), |g| format!("{g}; {by}")));
            Some(level)
        }
        (Some(m), None) => {
            let by = format!("membership: {} (via {})", m.label, device.id);
            granted_by = Some(granted_by.map_or(by.clone(), |g| format!("{g}; {by}")));
            Some(m.tier)
        }
        (None, None) => None,
    };
    if let Some(level) = tier
        && config.queue.tier(level).is_none()
    {
        return Err(ErrorInfo::new(ErrorCode::InvalidField)
            .with_detail(format!("tier: no value tier {level} is configured")));
    }
    Ok(Command::IssueTicket {
        business: t.business.clone(),
        priority,
        reason: t.priority_reason,
        granted_by,
        lang: t.lang,
        notify: t.phone.is_some(),
        visit: t.visit.clone(),
        tier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallq_proto::DeviceId;
    use hallq_proto::examples::examples;

    fn config() -> HallConfig {
        let mut c =
            HallConfig::parse("[hall]\nid = \"demo\"\nname = { zh = \"演示\", en = \"Demo\" }\n")
                .unwrap();
        c.green_channel.push(crate::config::GreenChannelCode {
            code: crate::config::Secret("VIP-8888".into()),
            label: "diamond card".into(),
        });
        c
    }

    fn device(role: Role, counter: Option<u16>) -> DeviceConfig {
        DeviceConfig {
            id: DeviceId::new("dev-1").unwrap(),
            role,
            counter: counter.map(CounterNo),
            profile: None,
            secret_hash: None,
            mosquitto_hash: None,
            revoked: None,
        }
    }

    #[test]
    fn every_example_command_has_a_role_and_displays_only_report_calls_spoken() {
        let roles = [
            Role::Kiosk,
            Role::Greeter,
            Role::Counter,
            Role::Evaluator,
            Role::Supervisor,
            Role::DoorCounter,
            Role::Display,
        ];
        for cmd in examples() {
            assert!(
                roles.iter().any(|r| permits(*r, &cmd)),
                "nobody may send {}",
                cmd.kind()
            );
            assert!(!permits(Role::LedStrip, &cmd), "{}", cmd.kind());
            assert_eq!(
                permits(Role::Display, &cmd),
                cmd.kind() == "call_announced",
                "{}",
                cmd.kind()
            );
        }
    }

    #[test]
    fn a_kiosk_may_not_call_and_a_counter_may_not_issue() {
        let err = plan(
            &config(),
            &device(Role::Kiosk, None),
            &Wire::CallNext {},
            |_, _| true,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        let issue = examples().into_iter().next().unwrap();
        let err = plan(
            &config(),
            &device(Role::Counter, Some(3)),
            &issue,
            |_, _| true,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
    }

    #[test]
    fn a_device_may_send_only_what_its_profile_lists() {
        let mut c = config();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware-profiles");
        c.profiles = Some(hallq_profiles::Profiles::load_dir(&dir).unwrap());
        let with = |profile: &str| DeviceConfig {
            profile: Some(profile.into()),
            ..device(Role::Counter, Some(3))
        };
        let by_number = Wire::CallTicket {
            ticket: hallq_proto::command::TicketRef("A001".into()),
        };
        // The role table allows call_ticket; the keypad has no way to type a number to call.
        assert!(plan(&c, &with("counter-pc"), &by_number, |_, _| true).is_ok());
        let err = plan(&c, &with("counter-keypad"), &by_number, |_, _| true).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert!(err.detail.unwrap().contains("counter-keypad"));
        assert!(plan(&c, &with("counter-keypad"), &Wire::CallNext {}, |_, _| true).is_ok());
        // A profile the hub does not know lets nothing through.
        let err = plan(&c, &with("counter-x"), &Wire::CallNext {}, |_, _| true).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
    }

    #[test]
    fn counter_commands_act_on_the_terminals_own_counter() {
        let p = plan(
            &config(),
            &device(Role::Counter, Some(3)),
            &Wire::CallNext {},
            |_, _| true,
        )
        .unwrap();
        assert_eq!(
            p.commands,
            vec![Command::CallNext {
                counter: CounterNo(3)
            }]
        );
        let other = Wire::CloseCounter {
            counter: Some(CounterNo(4)),
        };
        let err = plan(
            &config(),
            &device(Role::Counter, Some(3)),
            &other,
            |_, _| true,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        let p = plan(
            &config(),
            &device(Role::Supervisor, None),
            &other,
            |_, _| true,
        )
        .unwrap();
        assert_eq!(
            p.commands,
            vec![Command::CloseCounter {
                counter: CounterNo(4)
            }]
        );
        let none = Wire::CloseCounter { counter: None };
        let err = plan(&config(), &device(Role::Supervisor, None), &none, |_, _| {
            true
        })
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidField);
    }

    #[test]
    fn green_channel_codes_are_checked_and_recorded() {
        let mut t = IssueTicket {
            business: hallq_proto::BusinessCode::new("basic").unwrap(),
            priority_reason: None,
            green_channel: Some("VIP-8888".into()),
            lang: hallq_proto::Lang::Zh,
            phone: None,
            session: None,
            visit: None,
            tier: None,
        };
        let p = plan(
            &config(),
            &device(Role::Kiosk, None),
            &Wire::IssueTicket(t.clone()),
            |_, _| true,
        )
        .unwrap();
        match &p.commands[0] {
            Command::IssueTicket {
                priority,
                granted_by,
                ..
            } => {
                assert_eq!(*priority, Priority::GreenChannel);
                assert!(granted_by.as_deref().unwrap().contains("diamond card"));
            }
            other => panic!("{other:?}"),
        }
        t.green_channel = Some("VIP-0000".into());
        let err = plan(
            &config(),
            &device(Role::Kiosk, None),
            &Wire::IssueTicket(t),
            |_, _| true,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownGreenChannel);
    }

    fn with_tiers() -> HallConfig {
        let mut c = config();
        c.queue.tiers = hallq_queue::tiers::star_levels();
        c.membership.push(crate::config::MembershipCode {
            code: crate::config::Secret("M-7777".into()),
            label: "diamond member".into(),
            tier: 7,
        });
        c
    }

    fn tier_of(p: &Plan) -> (Option<u8>, Priority, Option<String>) {
        match &p.commands[0] {
            Command::IssueTicket {
                tier,
                priority,
                granted_by,
                ..
            } => (*tier, *priority, granted_by.clone()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_membership_code_gives_its_tier_and_only_a_greeter_sets_one_by_hand() {
        let c = with_tiers();
        let mut t = IssueTicket {
            business: hallq_proto::BusinessCode::new("basic").unwrap(),
            priority_reason: None,
            green_channel: Some(" M-7777 ".into()),
            lang: hallq_proto::Lang::Zh,
            phone: None,
            session: None,
            visit: None,
            tier: None,
        };
        let kiosk = device(Role::Kiosk, None);
        let p = plan(&c, &kiosk, &Wire::IssueTicket(t.clone()), |_, _| true).unwrap();
        let (tier, priority, by) = tier_of(&p);
        assert_eq!((tier, priority), (Some(7), Priority::Ordinary));
        assert!(by.unwrap().contains("diamond member"));

        // A kiosk's customer cannot declare a tier …
        t.green_channel = None;
        t.tier = Some(7);
        let err = plan(&c, &kiosk, &Wire::IssueTicket(t.clone()), |_, _| true).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        // … a greeter can, of a tier the hall has.
        let greeter = device(Role::Greeter, None);
        let p = plan(&c, &greeter, &Wire::IssueTicket(t.clone()), |_, _| true).unwrap();
        assert_eq!(tier_of(&p).0, Some(7));
        t.tier = Some(3);
        let err = plan(&c, &greeter, &Wire::IssueTicket(t), |_, _| true).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidField);
    }

    #[test]
    fn a_wrong_pin_is_refused_when_the_hall_lists_its_staff() {
        let mut c = config();
        c.staff.push(crate::config::StaffConfig {
            number: hallq_proto::StaffNo::new("E1001").unwrap(),
            name: None,
            pin_hash: Some("hash-of-1234".into()),
            pin_set: None,
        });
        let sign_in = |pin: &str| Wire::SignIn {
            staff: hallq_proto::StaffNo::new("E1001").unwrap(),
            pin: Some(hallq_proto::command::Pin(pin.into())),
        };
        let verify = |pin: &str, hash: &str| hash == format!("hash-of-{pin}");
        let counter = device(Role::Counter, Some(1));
        assert!(plan(&c, &counter, &sign_in("1234"), verify).is_ok());
        assert_eq!(
            plan(&c, &counter, &sign_in("9999"), verify)
                .unwrap_err()
                .code,
            ErrorCode::WrongPin
        );
    }

    #[test]
    fn a_greeter_records_the_rounds_but_not_the_manager_s_checklists() {
        let record = |template: &str| Wire::InspectionRecord {
            template: template.into(),
            staff: None,
            items: Vec::new(),
            note: None,
            visited_at_ms: None,
            shopper: None,
        };
        let greeter = device(Role::Greeter, None);
        let supervisor = device(Role::Supervisor, None);
        for t in ["clean-open", "patrol", "water-filter"] {
            assert!(
                plan(&config(), &greeter, &record(t), |_, _| true).is_ok(),
                "{t}"
            );
        }
        for t in ["self-weekly", "mystery-shopper"] {
            let err = plan(&config(), &greeter, &record(t), |_, _| true).unwrap_err();
            assert_eq!(err.code, ErrorCode::Forbidden, "{t}");
            assert!(err.zh.contains("值班主管") && err.en.contains("duty supervisor"));
            assert!(plan(&config(), &supervisor, &record(t), |_, _| true).is_ok());
        }
        let close = Wire::CorrectionClose {
            correction: "R20261207-001".into(),
            note: "ok".into(),
            staff: None,
        };
        let err = plan(&config(), &greeter, &close, |_, _| true).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        let kiosk = device(Role::Kiosk, None);
        let err = plan(&config(), &kiosk, &record("patrol"), |_, _| true).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
    }

    #[test]
    fn door_counts_record_entering_and_passing_by() {
        let p = plan(
            &config(),
            &device(Role::DoorCounter, None),
            &Wire::DoorCount {
                entered: 3,
                passed_by: Some(9),
            },
            |_, _| true,
        )
        .unwrap();
        let tps: Vec<_> = p
            .commands
            .iter()
            .map(|c| match c {
                Command::Touch {
                    touchpoint, count, ..
                } => (*touchpoint, *count),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            tps,
            vec![
                (Touchpoint::Entering, Some(3)),
                (Touchpoint::FrontOfHall, Some(9))
            ]
        );
    }
}
