//! Service-standard inspections end to end (issue 16 §1): the real hub with its embedded broker
//! and journal, the supervisor's console and the greeter's handheld as real MQTT clients. A
//! checklist recorded over MQTT opens its corrections, a retried command records nothing twice,
//! the roles are held, bad checklists are refused in both languages, `state/inspections` shows
//! what is due and open, and `hallq report` reads the compliance KPI back from the journal.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::Path;
use std::process::Command as Process;

use hallq_proto::inspection::{DueStatus, InspectionAnswer};
use hallq_proto::{Command, CommandId, ErrorCode, Reply, ReplyBody, ReplyResult, StaffNo};
use hallq_tests::{BrokerKind, Hall, hallq_bin, wait_latest};

fn answer(item: &str, pass: bool, note: Option<&str>) -> InspectionAnswer {
    InspectionAnswer {
        item: item.into(),
        pass,
        note: note.map(Into::into),
    }
}

/// The default patrol checklist, answered; `failed` items fail with a note.
fn patrol(failed: &[&str]) -> Command {
    Command::InspectionRecord {
        template: "patrol".into(),
        staff: StaffNo::new("E2001").ok(),
        items: ["floor", "seats", "bins", "desk"]
            .iter()
            .map(|i| {
                let fail = failed.contains(i);
                answer(i, !fail, fail.then_some("不合格 / not to standard"))
            })
            .collect(),
        note: None,
        visited_at_ms: None,
        shopper: None,
    }
}

fn ok(reply: &Reply) -> &ReplyResult {
    match &reply.body {
        ReplyBody::Ok(r) => r,
        ReplyBody::Error(e) => panic!("refused: {e:?}"),
    }
}

fn refused(reply: &Reply) -> (ErrorCode, String, String) {
    match &reply.body {
        ReplyBody::Error(e) => (e.code, e.zh.clone(), e.en.clone()),
        ReplyBody::Ok(r) => panic!("accepted: {r:?}"),
    }
}

/// A KPI's (numerator, denominator) from kpis.csv.
fn kpi(dir: &Path, key: &str) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("kpis.csv")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{key},")))
        .unwrap_or_else(|| panic!("no KPI {key} in\n{text}"));
    let cols: Vec<&str> = line.split(',').collect();
    (cols[1].to_owned(), cols[2].to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn inspections_recorded_over_mqtt_open_corrections_and_reach_the_report() {
    let hall = Hall::new(BrokerKind::Embedded);
    let hub = hall.start_hub();
    let (supervisor, sup_task) = hall.device("supervisor-1").await;
    let (greeter, greeter_task) = hall.device("greeter-1").await;
    let (kiosk, kiosk_task) = hall.device("kiosk-1").await;

    // The console sees the scheduled checklists of the default set, and no correction yet.
    let state = wait_latest(&supervisor, |l| l.inspections.clone()).await;
    let codes: Vec<&str> = state
        .checklists
        .iter()
        .map(|c| c.template.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "clean-open",
            "patrol",
            "clean-close",
            "seats-weekly",
            "water-filter",
            "self-weekly"
        ],
        "every scheduled checklist, the mystery shopper (on demand) not"
    );
    assert!(state.corrections.is_empty());

    // A patrol with a full bin: one correction, due in 3 days. Sent again under the same id
    // (a retry whose reply was lost), it gets the first answer and records nothing more.
    let id = CommandId::new("sup-inspect-1").unwrap();
    let first = supervisor
        .send_with_id(id.clone(), patrol(&["bins"]))
        .await
        .unwrap();
    let ReplyResult::Inspection {
        inspection,
        items_passed,
        items_checked,
        critical_failed,
        corrections,
    } = ok(&first).clone()
    else {
        panic!("{first:?}")
    };
    assert_eq!(
        (items_passed, items_checked, critical_failed),
        (3, 4, false)
    );
    assert_eq!(corrections.len(), 1);
    let correction = corrections[0].correction.clone();
    assert_eq!(corrections[0].item, "bins");
    assert_eq!(
        corrections[0].due_ms.0 - first.at_ms.0,
        3 * 86_400_000,
        "the template's 3 days"
    );
    let again = supervisor
        .send_with_id(id, patrol(&["bins"]))
        .await
        .unwrap();
    assert_eq!(
        again.body, first.body,
        "a redelivery is answered as the first time"
    );
    let recorded = hall
        .journal()
        .inspection_events()
        .unwrap()
        .iter()
        .filter(|e| {
            matches!(
                &e.kind,
                hallq_queue::EventKind::Inspection {
                    inspection: hallq_inspect::InspectionEvent::Recorded { .. }
                }
            )
        })
        .count();
    assert_eq!(recorded, 1, "one inspection for one command id");
    assert!(inspection.starts_with('I'), "{inspection}");

    // The correction is on the console, not late.
    let open = wait_latest(&supervisor, |l| {
        l.inspections.as_ref().and_then(|s| {
            s.corrections
                .iter()
                .find(|c| c.correction == correction)
                .cloned()
        })
    })
    .await;
    assert!(!open.late);
    assert_eq!(open.item_text.zh, "垃圾桶未满");
    // The patrol just done is not due again for two hours.
    let patrol_due = wait_latest(&supervisor, |l| {
        l.inspections.as_ref().and_then(|s| {
            s.checklists
                .iter()
                .find(|c| c.template == "patrol" && c.last_done_ms.is_some())
                .cloned()
        })
    })
    .await;
    assert_eq!(patrol_due.status, DueStatus::Upcoming);

    // Roles: the greeter does rounds and follow-ups, not the manager's checklists nor closing
    // a correction; a kiosk does none of it.
    let self_check = Command::InspectionRecord {
        template: "self-weekly".into(),
        staff: None,
        items: vec![],
        note: None,
        visited_at_ms: None,
        shopper: None,
    };
    let (code, ..) = refused(&greeter.send(self_check).await.unwrap());
    assert_eq!(code, ErrorCode::Forbidden);
    let (code, ..) = refused(&kiosk.send(patrol(&[])).await.unwrap());
    assert_eq!(code, ErrorCode::Forbidden);
    let close = |staff: Option<&str>| Command::CorrectionClose {
        correction: correction.clone(),
        note: "门口增设垃圾桶 / a second bin at the door".into(),
        staff: staff.and_then(|s| StaffNo::new(s).ok()),
    };
    let (code, ..) = refused(&greeter.send(close(None)).await.unwrap());
    assert_eq!(code, ErrorCode::Forbidden);

    // Bad input: refused with a stable code and both languages, nothing recorded.
    let mut incomplete = patrol(&[]);
    if let Command::InspectionRecord { items, .. } = &mut incomplete {
        items.pop();
    }
    let (code, zh, en) = refused(&greeter.send(incomplete).await.unwrap());
    assert_eq!(code, ErrorCode::ChecklistIncomplete);
    assert!(
        zh.contains("检查表填写不完整") && en.contains("incomplete"),
        "{zh} / {en}"
    );
    let mut silent = patrol(&[]);
    if let Command::InspectionRecord { items, .. } = &mut silent {
        items[1] = answer("seats", false, None);
    }
    let (code, ..) = refused(&greeter.send(silent).await.unwrap());
    assert_eq!(
        code,
        ErrorCode::ChecklistIncomplete,
        "a failed item needs a note"
    );
    let unknown = Command::InspectionRecord {
        template: "polishing".into(),
        staff: None,
        items: vec![answer("floor", true, None)],
        note: None,
        visited_at_ms: None,
        shopper: None,
    };
    let (code, zh, en) = refused(&greeter.send(unknown).await.unwrap());
    assert_eq!(code, ErrorCode::UnknownChecklist);
    assert!(
        zh.contains("检查表") && en.contains("checklist"),
        "{zh} / {en}"
    );
    let raw = br#"{"v":1,"id":"g-raw-1","device":"greeter-1","kind":"inspection_record","template":"patrol","items":[{"item":"floor","pass":"yes"}]}"#;
    let reply_to_raw = hallq_tests::wait_for(&greeter, |u| match u {
        hallq_client::Update::Reply(r)
            if r.id.as_ref().is_some_and(|i| i.as_str() == "g-raw-1") =>
        {
            Some((**r).clone())
        }
        _ => None,
    });
    greeter
        .publish_raw(
            hall_topics(&hall).cmd(&hallq_proto::DeviceId::new("greeter-1").unwrap()),
            raw.to_vec(),
        )
        .await
        .unwrap();
    let (code, ..) = refused(&reply_to_raw.await);
    assert_eq!(code, ErrorCode::InvalidField);

    // The greeter follows the correction up, the supervisor closes it: off the console.
    let follow = Command::CorrectionFollowUp {
        correction: correction.clone(),
        note: "已清空 / emptied".into(),
        staff: None,
    };
    let r = greeter.send(follow).await.unwrap();
    assert_eq!(
        ok(&r),
        &ReplyResult::Correction {
            correction: correction.clone(),
            closed: false
        }
    );
    let r = supervisor.send(close(Some("E2001"))).await.unwrap();
    assert_eq!(
        ok(&r),
        &ReplyResult::Correction {
            correction: correction.clone(),
            closed: true
        }
    );
    let (code, ..) = refused(&supervisor.send(close(None)).await.unwrap());
    assert_eq!(code, ErrorCode::UnknownCorrection, "closed already");
    wait_latest(&supervisor, |l| {
        l.inspections
            .as_ref()
            .filter(|s| s.corrections.is_empty())
            .map(|_| ())
    })
    .await;

    // A patrol with a wet floor, a critical item: the whole inspection fails.
    let r = greeter.send(patrol(&["floor"])).await.unwrap();
    let ReplyResult::Inspection {
        critical_failed: true,
        corrections: wet,
        ..
    } = ok(&r).clone()
    else {
        panic!("{r:?}")
    };

    // The report: 3 of 4 items, then 0 of 4 (the critical failure fails all four): 3 / 8.
    let csv = hall.dir.path().join("csv");
    let out = Process::new(hallq_bin())
        .current_dir(hall.dir.path())
        .args(["report", "--config"])
        .arg(&hall.config_path)
        .args(["--hall", "testhall", "--csv"])
        .arg(&csv)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        kpi(&csv, "service_standard"),
        ("3".into(), "8".into()),
        "{text}"
    );
    assert!(text.contains("服务规范达标率 37.5%"), "{text}");
    assert!(
        text.contains("corrections 整改: opened in the range 新增 2, closed 已关闭 1"),
        "{text}"
    );

    for c in [&supervisor, &greeter, &kiosk] {
        let _ = c.disconnect().await;
    }
    for t in [sup_task, greeter_task, kiosk_task] {
        t.abort();
    }
    assert!(hub.terminate(), "the hub stopped cleanly");

    // A restarted hub rebuilds the register from the journal: the wet floor's correction is
    // still open, and the patrol still done.
    let hub = hall.start_hub();
    let (supervisor, task) = hall.device("supervisor-1").await;
    let state = wait_latest(&supervisor, |l| {
        l.inspections.clone().filter(|s| {
            s.corrections
                .iter()
                .any(|c| c.correction == wet[0].correction)
        })
    })
    .await;
    assert_eq!(state.corrections.len(), 1, "{state:?}");
    assert!(
        state
            .checklists
            .iter()
            .any(|c| c.template == "patrol" && c.last_done_ms.is_some())
    );
    let _ = supervisor.disconnect().await;
    task.abort();
    assert!(hub.terminate(), "the hub stopped cleanly");
}

fn hall_topics(hall: &Hall) -> hallq_proto::topic::Topics {
    hallq_proto::topic::Topics::new(&hall.hall)
}
