use hallq_proto::inspection::{ChecklistItem, CorrectionOpened, Inspections, OnDemandChecklist};
use hallq_proto::{ErrorCode, SCHEMA_VERSION};

use super::*;

const MIN: i64 = 60_000;
const NOW: Timestamp = Timestamp(1_795_410_000_000);

fn item(code: &str, zh: &str, critical: bool) -> ChecklistItem {
    ChecklistItem {
        item: code.into(),
        text: LocalText::new(zh, code),
        critical,
    }
}

fn checklist(code: &str, kind: &str, status: DueStatus, deadline: i64) -> ChecklistDue {
    ChecklistDue {
        template: code.into(),
        name: LocalText::new(format!("{code}检查"), format!("{code} check")),
        kind: kind.into(),
        status,
        due_at_ms: Timestamp(NOW.0 + deadline - 15 * MIN),
        deadline_ms: Timestamp(NOW.0 + deadline),
        last_done_ms: None,
        items: vec![
            item("floor", "地面无积水", true),
            item("bins", "垃圾桶未满", false),
        ],
    }
}

fn correction(id: &str, template: &str, due: i64) -> CorrectionCase {
    CorrectionCase {
        correction: id.into(),
        inspection: "I20261123-001".into(),
        template: template.into(),
        item: "bins".into(),
        item_text: LocalText::new("垃圾桶未满", "Bins not full"),
        note: "门口垃圾桶已满".into(),
        opened_at_ms: Timestamp(NOW.0 - 60 * MIN),
        due_ms: Timestamp(NOW.0 + due),
        follow_ups: 0,
        late: due < 0,
    }
}

fn state(rev: u64) -> Inspections {
    Inspections {
        v: SCHEMA_VERSION,
        rev,
        at_ms: NOW,
        checklists: vec![
            checklist("self", "self_inspection", DueStatus::Due, 90 * MIN),
            checklist("seats", "facility", DueStatus::Upcoming, 3 * 24 * 60 * MIN),
            checklist("patrol", "cleaning", DueStatus::Overdue, -20 * MIN),
        ],
        corrections: vec![
            correction("R20261123-001", "patrol", -5 * MIN),
            correction("R20261123-002", "self", 2 * 24 * 60 * MIN),
        ],
        on_demand: vec![OnDemandChecklist {
            template: "visit".into(),
            name: LocalText::new("暗访", "Mystery shopper visit"),
            kind: "mystery_shopper".into(),
            items: vec![
                item("greeting", "进厅有问候", false),
                item("real-name", "实名制核验", true),
            ],
        }],
    }
}

fn supervisor() -> Inspect {
    let mut i = Inspect::new(Role::Supervisor);
    i.inspections(state(1));
    i
}

#[test]
fn a_patrol_20_minutes_late_is_listed_first_in_red_with_how_late() {
    let i = supervisor();
    let lines = i.checklists(NOW, Lang::Zh);
    assert_eq!(lines[0].template, "patrol");
    assert_eq!(lines[0].status, DueStatus::Overdue);
    assert_eq!(lines[0].text, "patrol检查 · 巡检逾期 20 分钟");
    assert_eq!(lines[1].text, "self检查 · 待检，剩余 1 小时 30 分");
    assert_eq!(lines[2].text, "seats检查 · 2 天 23 小时后到期");
    let en = i.checklists(NOW, Lang::En);
    assert_eq!(en[0].text, "patrol check · overdue by 20 min");
    assert_eq!(i.overdue(), 1);
}

#[test]
fn the_greeter_sees_and_does_only_cleaning_and_facility_checklists() {
    let mut g = Inspect::new(Role::Greeter);
    g.inspections(state(1));
    let shown: Vec<String> = g
        .checklists(NOW, Lang::Zh)
        .into_iter()
        .map(|l| l.template)
        .collect();
    assert_eq!(shown, ["patrol", "seats"]);
    g.start("self");
    assert!(g.form().is_none(), "the self-inspection is the manager's");
    let corrections: Vec<String> = g
        .corrections(NOW, Lang::Zh)
        .into_iter()
        .map(|c| c.correction)
        .collect();
    assert_eq!(corrections, ["R20261123-001"]);
    assert!(
        g.close("R20261123-001", "换了新桶").is_none(),
        "closing is the supervisor's"
    );
    assert!(matches!(
        g.follow_up("R20261123-001", "已清空"),
        Some(Command::CorrectionFollowUp { .. })
    ));
}

#[test]
fn a_checklist_goes_only_when_every_item_is_answered_and_each_failure_described() {
    let mut i = supervisor();
    i.press(InspectPress::Start("patrol".into()));
    assert_eq!(
        i.form().and_then(Form::missing).map(|m| m.zh),
        Some("还有 2 项未检查".into())
    );
    assert!(i.press(InspectPress::Submit).is_none());
    i.press(InspectPress::Answer {
        item: "floor".into(),
        pass: true,
    });
    i.press(InspectPress::Answer {
        item: "bins".into(),
        pass: false,
    });
    assert_eq!(
        i.form().and_then(Form::missing).map(|m| m.en),
        Some("1 failed item still to describe".into())
    );
    assert!(i.press(InspectPress::Submit).is_none());
    i.press(InspectPress::Note {
        item: "bins".into(),
        note: "  门口垃圾桶已满 ".into(),
    });
    let sent = i.press(InspectPress::Submit).expect("sent");
    assert_eq!(
        sent,
        Command::InspectionRecord {
            template: "patrol".into(),
            staff: None,
            items: vec![
                InspectionAnswer {
                    item: "floor".into(),
                    pass: true,
                    note: None
                },
                InspectionAnswer {
                    item: "bins".into(),
                    pass: false,
                    note: Some("门口垃圾桶已满".into())
                },
            ],
            note: None,
            visited_at_ms: None,
            shopper: None,
        }
    );
    assert!(i.busy());
    assert!(i.press(InspectPress::Submit).is_none(), "one at a time");
}

#[test]
fn a_refused_checklist_stays_filled_and_an_accepted_one_is_said_in_a_sentence() {
    let mut i = supervisor();
    i.start("patrol");
    for (item, pass) in [("floor", false), ("bins", true)] {
        i.press(InspectPress::Answer {
            item: item.into(),
            pass,
        });
    }
    i.press(InspectPress::Note {
        item: "floor".into(),
        note: "入口有积水".into(),
    });
    i.submit().expect("sent");
    i.answered(Err(Problem::NoAnswer));
    assert!(i.form().is_some(), "nothing answered is lost");
    assert_eq!(i.last_line(Lang::Zh).map(|l| l.1), Some(true));
    i.submit().expect("sent again");
    i.answered(Ok(ReplyResult::Inspection {
        inspection: "I20261123-004".into(),
        items_passed: 1,
        items_checked: 2,
        critical_failed: true,
        corrections: vec![CorrectionOpened {
            correction: "R20261123-003".into(),
            item: "floor".into(),
            due_ms: Timestamp(NOW.0 + 3 * 24 * 60 * MIN),
        }],
    }));
    assert!(i.form().is_none());
    assert_eq!(
        i.last_line(Lang::Zh),
        Some((
            "patrol检查已记录（I20261123-004）：2 项中 1 项合格；关键项不合格，本次检查不达标；已生成整改项 R20261123-003".into(),
            false
        ))
    );
    assert!(
        i.last_line(Lang::En)
            .is_some_and(|l| l.0.contains("1 of 2 items passed; a critical item failed")),
        "{:?}",
        i.last_line(Lang::En)
    );
}

#[test]
fn corrections_say_what_was_found_and_how_late_they_are() {
    let i = supervisor();
    let lines = i.corrections(NOW, Lang::Zh);
    assert_eq!(
        lines[0].text,
        "R20261123-001 · 垃圾桶未满：门口垃圾桶已满 · 整改已超期 5 分钟"
    );
    assert!(lines[0].late);
    assert_eq!(
        lines[1].text,
        "R20261123-002 · 垃圾桶未满：门口垃圾桶已满 · 整改剩余 2 天 0 小时"
    );
    assert!(!lines[1].late);
}

#[test]
fn closing_needs_a_note_and_an_open_correction_and_is_said_back() {
    let mut i = supervisor();
    assert!(i.close("R20261123-001", "  ").is_none());
    assert!(i.close("R20990101-001", "done").is_none(), "not open");
    let sent = i
        .press(InspectPress::Close {
            correction: "R20261123-001".into(),
            note: "门口增设垃圾桶".into(),
        })
        .expect("sent");
    assert!(matches!(sent, Command::CorrectionClose { .. }));
    i.answered(Ok(ReplyResult::Correction {
        correction: "R20261123-001".into(),
        closed: true,
    }));
    assert_eq!(
        i.last_line(Lang::Zh),
        Some(("整改项 R20261123-001 已关闭".into(), false))
    );
    i.follow_up("R20261123-002", "已采购").expect("sent");
    i.answered(Err(Problem::Refused(ErrorCode::UnknownCorrection)));
    assert_eq!(
        i.last_line(Lang::En).map(|l| l.0),
        Some("No such open correction; it may be closed already.".into())
    );
}

#[test]
fn a_stale_state_is_dropped_until_the_hub_comes_back() {
    let mut i = Inspect::new(Role::Supervisor);
    i.hub(Liveness::Online);
    i.inspections(state(5));
    let mut old = state(3);
    old.checklists.clear();
    i.inspections(old.clone());
    assert_eq!(i.checklists(NOW, Lang::Zh).len(), 3, "stale");
    i.hub(Liveness::Offline);
    i.hub(Liveness::Online);
    i.inspections(old);
    assert!(
        i.checklists(NOW, Lang::Zh).is_empty(),
        "a new run of the hub"
    );
}
