//! De-identification against the engine's real events (hallq-queue's `EventKind`, serialised as
//! the journal stores them): the events that carry free text lose it and keep their ids and
//! codes; and every text left in them is a field known not to be written by a person, so a free
//! text field added to these events later fails here until it is classified (wire::FREE_TEXT).
#![allow(clippy::unwrap_used)]

use hallq_hq::wire::{FREE_TEXT, deidentify};
use hallq_proto::{
    BusinessCode, ComplaintCategory, ComplaintId, CounterNo, TicketId, Timestamp, TransferTarget,
    VisitId,
};
use hallq_queue::EventKind;

/// What a clerk might type about a customer: a name and an address.
const PERSONAL: &str = "王小明 住天河路1号";

/// The text fields of these events that are ids or codes, never a person's words.
const NOT_FREE_TEXT: &[&str] = &[
    "type",
    "complaint",
    "category",
    "visit",
    "ticket",
    "business",
    "opened_by",
];

fn text_fields(v: &serde_json::Value, key: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| text_fields(v, k, out)),
        serde_json::Value::Array(items) => items.iter().for_each(|v| text_fields(v, key, out)),
        serde_json::Value::String(_) => out.push(key.to_owned()),
        _ => {}
    }
}

#[test]
fn events_with_free_text_leave_it_in_the_hall() {
    let visit = VisitId::new("V20261123-0007").unwrap();
    let ticket = TicketId::new("20261123-0042").unwrap();
    let complaint = ComplaintId::new("C20261123-0001").unwrap();
    let events = [
        EventKind::ComplaintOpened {
            complaint: complaint.clone(),
            category: ComplaintCategory::General,
            summary: format!("{PERSONAL} charged twice"),
            visit: Some(visit.clone()),
            ticket: Some(ticket.clone()),
            business: Some(BusinessCode::new("basic").unwrap()),
            responsibility: Some(format!("{PERSONAL} counter 2")),
            opened_by: "E1001".into(),
            first_contact_due_ms: Timestamp(1),
            due_ms: Timestamp(2),
        },
        EventKind::ComplaintUpdated {
            complaint: complaint.clone(),
            visit: Some(visit.clone()),
            note: format!("called {PERSONAL}"),
            contacted: true,
        },
        EventKind::ComplaintResolved {
            complaint,
            visit: Some(visit.clone()),
            resolution: format!("refunded {PERSONAL}"),
            answer: Some(hallq_proto::ComplaintAnswer {
                cause: format!("{PERSONAL} was misinformed"),
                solution: format!("refunded {PERSONAL}"),
                compensation: Some(format!("credit for {PERSONAL}")),
                promise: format!("{PERSONAL} is told first"),
            }),
        },
        EventKind::CallbackMade {
            visit: visit.clone(),
            note: format!("told {PERSONAL}"),
        },
        EventKind::TicketTransferred {
            ticket,
            visit,
            counter: CounterNo(2),
            to: TransferTarget::Counter(CounterNo(3)),
            note: Some(format!("{PERSONAL} needs the manager")),
        },
    ];
    for event in events {
        let body = serde_json::to_value(&event).unwrap();
        assert!(
            body.to_string().contains("王小明"),
            "the test puts it there"
        );
        let out = deidentify(body.clone());
        let text = out.to_string();
        assert!(
            !text.contains("王小明") && !text.contains("天河路"),
            "{text}"
        );
        // What is not free text stays as it was.
        let mut kept = body.as_object().unwrap().clone();
        kept.retain(|k, _| !FREE_TEXT.contains(&k.as_str()));
        assert_eq!(out, serde_json::Value::Object(kept));
        let mut fields = Vec::new();
        text_fields(&out, "", &mut fields);
        for f in fields {
            assert!(
                NOT_FREE_TEXT.contains(&f.as_str()),
                "{f} in {text}: free text or an id? classify it"
            );
        }
    }
}
