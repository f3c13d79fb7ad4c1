//! Writing: group commits, what survives a reopen, the dedupe store, the refusal of a duplicate,
//! and a report reading while the hub writes.
#![allow(clippy::unwrap_used)]

mod common;

use common::{DAY, Hall, at, cid, db, device, issue};
use hallq_journal::{Durability, Entry, Journal, JournalError};
use hallq_proto::{Priority, TicketId, Touchpoint, VisitId};
use hallq_queue::{Command, Event, EventKind};

/// A door count: an event that needs no engine state.
fn door(secs: i64) -> Event {
    Event {
        at_ms: at(secs),
        kind: EventKind::Touched {
            visit: None,
            touchpoint: Touchpoint::Entering,
            what: "door_entered".into(),
            business: None,
            resolved: None,
            count: Some(1),
        },
    }
}

fn command(dev: &str, id: &str, events: Vec<Event>) -> Entry {
    Entry::Command {
        device: device(dev),
        command_id: cid(id),
        kind: "touch".into(),
        at: at(1),
        ok: Ok(()),
        reply_json: format!(r#"{{"id":"{id}","ok":true}}"#),
        events,
    }
}

fn count(j: &Journal, table: &str) -> i64 {
    j.connection()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn committed_batch_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let mut hall = Hall::open(&path);
    hall.ok("hub", Command::OpenDay { day: DAY }, 0);

    // One group commit of several commands, as the hub collects them.
    let mut batch = Vec::new();
    let mut written = Vec::new();
    for i in 0..20 {
        let (entry, result) = hall.decide("kiosk-1", &issue("basic", Priority::Ordinary), 10 + i);
        written.extend(result.unwrap());
        batch.push(entry);
    }
    batch.push(Entry::Presence {
        at: at(40),
        device: device("kiosk-2"),
        online: true,
    });
    let before = hall.journal.last_seq().unwrap();
    let stats = hall.journal.commit(&batch).unwrap();
    assert_eq!(stats.commands, 20);
    assert_eq!(stats.events, 40, "a visit and a ticket each");
    assert_eq!(stats.presence, 1);
    assert_eq!(stats.first_seq, Some(before + 1));
    assert_eq!(stats.last_seq, before + 40);
    drop(hall);

    let j = Journal::open(&path, Durability::Full).unwrap();
    assert!(j.integrity_check().unwrap());
    assert_eq!(j.last_seq().unwrap(), before + 40);
    assert_eq!(j.event_count().unwrap(), j.last_seq().unwrap());
    let back: Vec<Event> = j
        .events_from(before + 1, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(back, written);
    assert_eq!(j.ticket_count(DAY).unwrap(), 20);
    assert_eq!(count(&j, "presence"), 1);
    for i in 2..22 {
        let reply = j.reply_for(&device("kiosk-1"), &cid(&format!("kiosk-1-{i}")));
        assert!(reply.unwrap().is_some(), "kiosk-1-{i}");
    }
}

#[test]
fn duplicate_command_rolls_back_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(db(dir.path()), Durability::Full).unwrap();

    // Twice in one batch: nothing of the batch is written.
    let batch = vec![
        command("kiosk-1", "a", vec![door(1)]),
        Entry::Presence {
            at: at(1),
            device: device("kiosk-1"),
            online: true,
        },
        command("kiosk-2", "a", vec![door(2)]),
        command("kiosk-1", "a", vec![door(3)]),
    ];
    let err = j.commit(&batch).unwrap_err();
    match &err {
        JournalError::Duplicate { device, command_id } => {
            assert_eq!(device, "kiosk-1");
            assert_eq!(command_id, "a");
        }
        other => panic!("expected Duplicate, got {other:?}"),
    }
    assert_eq!(j.last_seq().unwrap(), 0);
    assert_eq!(j.reply_for(&device("kiosk-1"), &cid("a")).unwrap(), None);
    for table in ["commands", "events", "presence"] {
        assert_eq!(count(&j, table), 0, "{table}");
    }

    // Again in a later batch: that batch is refused whole, the earlier one stays.
    j.commit(&[command("kiosk-1", "a", vec![door(1)])]).unwrap();
    let err = j
        .commit(&[
            command("kiosk-1", "b", vec![door(2)]),
            command("kiosk-1", "a", vec![door(3)]),
        ])
        .unwrap_err();
    assert!(matches!(err, JournalError::Duplicate { .. }), "{err:?}");
    assert_eq!(j.reply_for(&device("kiosk-1"), &cid("b")).unwrap(), None);
    assert_eq!(j.last_seq().unwrap(), 1);

    // The journal goes on where it was: no gap in seq.
    let stats = j
        .commit(&[command("kiosk-1", "b", vec![door(2), door(2)])])
        .unwrap();
    assert_eq!((stats.first_seq, stats.last_seq), (Some(2), 3));
    assert_eq!(j.event_count().unwrap(), 3);
}

#[test]
fn reply_for_returns_the_stored_reply() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let mut hall = Hall::open(&path);
    hall.ok("hub", Command::OpenDay { day: DAY }, 0);
    let (ok_entry, _) = hall.decide("kiosk-1", &issue("basic", Priority::Care), 5);
    let refused_cmd = Command::CallNext {
        counter: hallq_proto::CounterNo(2),
    };
    let (refused_entry, refused) = hall.decide("counter-2", &refused_cmd, 6);
    assert!(refused.is_err());
    let reply_of = |e: &Entry| match e {
        Entry::Command { reply_json, .. } => reply_json.clone(),
        _ => unreachable!(),
    };
    let (ok_reply, refused_reply) = (reply_of(&ok_entry), reply_of(&refused_entry));
    let undecodable = Entry::Refusal {
        at: at(7),
        device: None,
        command_id: None,
        code: hallq_proto::ErrorCode::Malformed,
        detail: "expected value at line 1".into(),
        payload_bytes: 17,
    };
    let stats = hall
        .journal
        .commit(&[ok_entry, refused_entry, undecodable])
        .unwrap();
    assert_eq!((stats.commands, stats.refusals), (2, 1));

    let j = &hall.journal;
    assert_eq!(
        j.reply_for(&device("kiosk-1"), &cid("kiosk-1-2")).unwrap(),
        Some(ok_reply)
    );
    assert_eq!(
        j.reply_for(&device("counter-2"), &cid("counter-2-3"))
            .unwrap(),
        Some(refused_reply)
    );
    // The key is the pair: another device's command with the same id is another command.
    assert_eq!(
        j.reply_for(&device("kiosk-2"), &cid("kiosk-1-2")).unwrap(),
        None
    );
    assert_eq!(
        j.reply_for(&device("kiosk-1"), &cid("never-sent")).unwrap(),
        None
    );
    // A refused command is recorded with its code and no event.
    let (ok, code, events): (bool, Option<String>, i64) = j
        .connection()
        .query_row(
            "SELECT ok, error_code, (SELECT count(*) FROM events e
                 WHERE e.device = c.device AND e.command_id = c.command_id)
             FROM commands c WHERE device = 'counter-2'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (ok, code.as_deref(), events),
        (false, Some("not_signed_in"), 0)
    );
    let (code, bytes): (String, i64) = j
        .connection()
        .query_row("SELECT code, payload_bytes FROM refusals", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((code.as_str(), bytes), ("malformed", 17));
}

#[test]
fn events_carry_their_command_day_and_touchpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut hall = Hall::open(&db(dir.path()));
    hall.journal
        .commit(&[Entry::Internal {
            events: vec![door(0)],
        }])
        .unwrap();
    hall.ok("hub", Command::OpenDay { day: DAY }, 1);
    let t = hall.take("basic", Priority::Ordinary, 2);
    type Row = (
        i64,
        Option<u32>,
        String,
        Option<u8>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let mut stmt = hall
        .journal
        .connection()
        .prepare(
            "SELECT seq, day, type, touchpoint, visit, ticket, device, command_id, idx
             FROM events ORDER BY seq",
        )
        .unwrap();
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let visit = VisitId::new(format!("V{DAY}-0001")).unwrap().to_string();
    let kiosk = (Some("kiosk-1".to_owned()), Some("kiosk-1-2".to_owned()));
    assert_eq!(
        rows,
        [
            (
                1,
                None,
                "touched".into(),
                Some(4),
                None,
                None,
                None,
                None,
                None
            ),
            (
                2,
                Some(DAY.0),
                "day_opened".into(),
                None,
                None,
                None,
                Some("hub".into()),
                Some("hub-1".into()),
                Some(0)
            ),
            (
                3,
                Some(DAY.0),
                "visit_started".into(),
                Some(2),
                Some(visit.clone()),
                None,
                kiosk.0.clone(),
                kiosk.1.clone(),
                Some(0)
            ),
            (
                4,
                Some(DAY.0),
                "ticket_issued".into(),
                Some(11),
                Some(visit),
                Some(t.clone()),
                kiosk.0,
                kiosk.1,
                Some(1)
            ),
        ]
    );
    assert_eq!(t, TicketId::new(format!("{DAY}-0001")).unwrap().to_string());
}

#[test]
fn reader_sees_commits_while_writer_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let mut writer = Journal::open(&path, Durability::Full).unwrap();
    writer
        .commit(&[command("kiosk-1", "a", vec![door(1)])])
        .unwrap();

    let reader = Journal::open_read_only(&path).unwrap();
    assert_eq!(reader.last_seq().unwrap(), 1);

    // The writer goes on while the reader is open; each read sees the latest commit.
    for i in 0..10 {
        writer
            .commit(&[command("kiosk-1", &format!("b{i}"), vec![door(2), door(3)])])
            .unwrap();
        assert_eq!(reader.last_seq().unwrap(), 3 + 2 * i);
    }
    assert_eq!(
        reader.reply_for(&device("kiosk-1"), &cid("b9")).unwrap(),
        Some(r#"{"id":"b9","ok":true}"#.into())
    );

    // A reader inside a long read transaction does not block the writer (WAL).
    reader.connection().execute_batch("BEGIN").unwrap();
    assert_eq!(reader.last_seq().unwrap(), 21);
    writer
        .commit(&[command("kiosk-1", "c", vec![door(4)])])
        .unwrap();
    assert_eq!(
        reader.last_seq().unwrap(),
        21,
        "a snapshot inside a transaction"
    );
    reader.connection().execute_batch("COMMIT").unwrap();
    assert_eq!(reader.last_seq().unwrap(), 22);

    // A reader never writes.
    let mut reader = reader;
    assert!(matches!(
        reader.commit(&[command("kiosk-1", "d", vec![])]),
        Err(JournalError::ReadOnly)
    ));
    assert!(
        reader
            .connection()
            .execute("DELETE FROM events", [])
            .is_err()
    );
    assert_eq!(writer.last_seq().unwrap(), 22);

    // It opens after the writer has gone too, and fails clearly on a missing file.
    drop(writer);
    assert_eq!(
        Journal::open_read_only(&path).unwrap().last_seq().unwrap(),
        22
    );
    assert!(Journal::open_read_only(dir.path().join("missing.sqlite")).is_err());
}
