//! Opening the journal: the schema a fresh file gets, the pragmas, the migrations from older
//! files, and the refusal of a file from a newer hallq.
//!
//! `migration_from_v1_fixture` builds a file from the frozen `tests/fixtures/v1.sql` (a real
//! demo hall's journal at version 1), opens it, and checks that every row is still there and the
//! version 2 tables take writes.
#![allow(clippy::unwrap_used)]

mod common;

use common::{at, db, device};
use hallq_journal::{Durability, Entry, Journal, JournalError, SCHEMA_VERSION};
use hallq_proto::ErrorCode;
use rusqlite::Connection;

fn pragma<T: rusqlite::types::FromSql>(j: &Journal, name: &str) -> T {
    j.connection()
        .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .unwrap()
}

fn tables(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A refusal, the smallest entry that proves the file takes writes.
fn refusal() -> Entry {
    Entry::Refusal {
        at: at(1),
        device: Some(device("kiosk-1")),
        command_id: Some("x".into()),
        code: ErrorCode::Malformed,
        detail: "not JSON".into(),
        payload_bytes: 3,
    }
}

#[test]
fn fresh_database_gets_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(db(dir.path()), Durability::default()).unwrap();
    assert_eq!(pragma::<u32>(&j, "user_version"), SCHEMA_VERSION);
    assert_eq!(pragma::<String>(&j, "journal_mode"), "wal");
    assert_eq!(pragma::<i64>(&j, "synchronous"), 2, "FULL is the default");
    assert_eq!(pragma::<i64>(&j, "foreign_keys"), 1);
    assert!(pragma::<i64>(&j, "busy_timeout") > 0);
    assert_eq!(
        tables(j.connection()),
        [
            "audit",
            "callbacks",
            "commands",
            "complaints",
            "epoch",
            "events",
            "personal",
            "presence",
            "ratings",
            "refusals",
            "tickets",
            "visits"
        ]
    );
    assert!(j.integrity_check().unwrap());
    assert_eq!(j.last_seq().unwrap(), 0);
    assert!(j.replay().unwrap().is_empty());
    drop(j);

    let j = Journal::open(db(dir.path()), Durability::Normal).unwrap();
    assert_eq!(pragma::<i64>(&j, "synchronous"), 1, "NORMAL when asked");
    assert_eq!(pragma::<u32>(&j, "user_version"), SCHEMA_VERSION);
}

#[test]
fn newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE from_the_future (x INTEGER);")
            .unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let err = Journal::open(&path, Durability::Full).unwrap_err();
    match &err {
        JournalError::TooNew {
            found, supported, ..
        } => {
            assert_eq!(*found, SCHEMA_VERSION + 1);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("newer"), "{message}");
    assert!(
        message.contains(&format!("{}", SCHEMA_VERSION + 1)),
        "{message}"
    );

    assert!(matches!(
        Journal::open_read_only(&path),
        Err(JournalError::TooNew { .. })
    ));

    // Refused means untouched: no table added, the version kept.
    let conn = Connection::open(&path).unwrap();
    assert_eq!(tables(&conn), ["from_the_future"]);
    let v: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION + 1);
}

#[test]
fn migration_from_empty_v0_file() {
    let dir = tempfile::tempdir().unwrap();

    // A zero-byte file, as `touch` leaves it.
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    // An SQLite file at version 0 with no tables.
    let v0 = dir.path().join("v0.sqlite");
    Connection::open(&v0)
        .unwrap()
        .execute_batch("PRAGMA user_version = 0; VACUUM;")
        .unwrap();

    for path in [&empty, &v0] {
        // A report cannot read it before the hub has migrated it.
        assert!(
            matches!(
                Journal::open_read_only(path),
                Err(JournalError::NotMigrated { found: 0, .. })
            ),
            "{path:?}"
        );
        let mut j = Journal::open(path, Durability::Full).unwrap();
        assert_eq!(pragma::<u32>(&j, "user_version"), SCHEMA_VERSION);
        assert_eq!(tables(j.connection()).len(), 12);
        let stats = j.commit(&[refusal()]).unwrap();
        assert_eq!(stats.refusals, 1);
        drop(j);
        // Opening again is a no-op: the version is current.
        let j = Journal::open(path, Durability::Full).unwrap();
        assert_eq!(pragma::<u32>(&j, "user_version"), SCHEMA_VERSION);
        let n: i64 = j
            .connection()
            .query_row("SELECT count(*) FROM refusals", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert!(j.integrity_check().unwrap());
        assert!(Journal::open_read_only(path).is_ok());
    }
}

/// The row count of every table.
fn counts(conn: &Connection) -> Vec<(String, i64)> {
    tables(conn)
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

#[test]
fn migration_from_v1_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let before = {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("fixtures/v1.sql")).unwrap();
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        counts(&conn)
    };
    assert!(before.iter().any(|(t, n)| t == "events" && *n > 100));
    // A report cannot read it before the hub has migrated it.
    assert!(matches!(
        Journal::open_read_only(&path),
        Err(JournalError::NotMigrated { found: 1, .. })
    ));

    let mut j = Journal::open(&path, Durability::Full).unwrap();
    assert_eq!(pragma::<u32>(&j, "user_version"), SCHEMA_VERSION);
    let after = counts(j.connection());
    for (table, n) in &before {
        assert!(after.contains(&(table.clone(), *n)), "{table} lost rows");
    }
    assert!(after.contains(&("personal".into(), 0)));
    assert!(after.contains(&("audit".into(), 0)));
    // v4: the old journal got its epoch at this first start, and keeps it.
    let epoch = j.epoch().unwrap();
    assert_eq!(epoch.len(), 32, "{epoch}");
    // v5: the inspection events' partial index, which the hub reads at every start.
    let index: i64 = j
        .connection()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'events_inspection'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 1);
    assert!(j.inspection_events().unwrap().is_empty());
    // v3: the fixture's day left one consultation open, within 24 h of its last event: owed.
    let owed: Vec<(String, Option<String>)> = j
        .connection()
        .prepare("SELECT visit, business FROM callbacks WHERE done_at_ms IS NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(owed.len(), 1, "{owed:?}");
    // The day's queue replays as before, and the new tables take writes.
    assert!(!j.replay().unwrap().is_empty());
    let record = hallq_journal::AuditRecord {
        at: at(1),
        actor: "cli:test".into(),
        action: "device_added".into(),
        subject: Some("kiosk-9".into()),
        detail: String::new(),
    };
    j.record_audit(&record).unwrap();
    assert_eq!(j.audit_trail().unwrap(), [record]);
    assert!(j.integrity_check().unwrap());
    drop(j);
    assert_eq!(
        Journal::open_read_only(&path).unwrap().epoch().unwrap(),
        epoch
    );
    assert_eq!(
        Journal::open(&path, Durability::Full)
            .unwrap()
            .epoch()
            .unwrap(),
        epoch
    );
}

#[test]
fn personal_values_are_counted_by_their_blind_hash_and_purged_with_an_audit_line() {
    use hallq_journal::{PersonalKind, Sealed};
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(db(dir.path()), Durability::Full).unwrap();
    let sealed = |owner: &str, blind: &str, secs: i64| Sealed {
        kind: PersonalKind::NoticePhone,
        owner: owner.into(),
        day: common::DAY,
        at: at(secs),
        blind: blind.into(),
        nonce: vec![0; 24],
        sealed: vec![1, 2, 3],
    };
    let stats = j
        .commit(&[
            Entry::Personal(sealed("t1", "aa", 0)),
            Entry::Personal(sealed("t2", "aa", 10)),
            Entry::Personal(sealed("t3", "bb", 20)),
        ])
        .unwrap();
    assert_eq!(stats.personal, 3);
    assert_eq!(
        j.personal_count(PersonalKind::NoticePhone, common::DAY, "aa")
            .unwrap(),
        2
    );
    assert_eq!(
        j.personal_count(PersonalKind::ComplaintContact, common::DAY, "aa")
            .unwrap(),
        0
    );
    assert_eq!(
        j.personal(PersonalKind::NoticePhone, "t3").unwrap(),
        Some(sealed("t3", "bb", 20))
    );
    // The same owner again replaces its value.
    j.commit(&[Entry::Personal(sealed("t3", "cc", 30))])
        .unwrap();
    assert_eq!(j.personal_total(PersonalKind::NoticePhone).unwrap(), 3);

    let stats = j
        .commit(&[Entry::Purge {
            kind: PersonalKind::NoticePhone,
            before: at(15),
            at: at(100),
        }])
        .unwrap();
    assert_eq!(stats.purged, 2);
    assert_eq!(j.personal_total(PersonalKind::NoticePhone).unwrap(), 1);
    assert!(
        j.personal(PersonalKind::NoticePhone, "t1")
            .unwrap()
            .is_none()
    );
    let trail = j.audit_trail().unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "personal_purged");
    assert_eq!(trail[0].subject.as_deref(), Some("notice_phone"));
    // Nothing to purge writes no audit line.
    j.commit(&[Entry::Purge {
        kind: PersonalKind::NoticePhone,
        before: at(15),
        at: at(200),
    }])
    .unwrap();
    assert_eq!(j.audit_trail().unwrap().len(), 1);
    assert_eq!(
        pragma::<i64>(&j, "secure_delete"),
        1,
        "purged bytes are overwritten"
    );
}

/// Personal data lives in `personal` only, sealed: no other table has a column for it.
#[test]
fn the_journal_holds_no_phone_number_column() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(db(dir.path()), Durability::Full).unwrap();
    for table in tables(j.connection()) {
        let mut stmt = j
            .connection()
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap();
        let columns: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        if table == "personal" {
            assert_eq!(
                columns,
                ["kind", "owner", "day", "at_ms", "blind", "nonce", "sealed"],
                "the personal table holds values only sealed"
            );
        }
        for c in columns {
            assert!(
                !c.contains("phone") && !c.contains("mobile"),
                "{table}.{c} looks like personal data"
            );
        }
    }
}

/// Every journal file gets a random epoch once, at creation: reopening (for writing or for a
/// report) reads the same one, another file has another, and SQL cannot change it.
#[test]
fn a_journal_gets_its_epoch_once_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let epoch = Journal::open(&path, Durability::Full)
        .unwrap()
        .epoch()
        .unwrap();
    assert_eq!(epoch.len(), 32, "{epoch}");
    assert!(
        epoch
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
        "{epoch}"
    );
    let j = Journal::open(&path, Durability::Full).unwrap();
    assert_eq!(j.epoch().unwrap(), epoch, "reopening keeps the epoch");
    assert_eq!(
        Journal::open_read_only(&path).unwrap().epoch().unwrap(),
        epoch
    );

    // A replaced disk: a new file at the same place has a new epoch.
    drop(j);
    let other = dir.path().join("other.sqlite");
    let other_epoch = Journal::open(&other, Durability::Full)
        .unwrap()
        .epoch()
        .unwrap();
    assert_ne!(other_epoch, epoch);

    // Read-only once written.
    let conn = Connection::open(&path).unwrap();
    for sql in ["UPDATE epoch SET epoch = 'x'", "DELETE FROM epoch"] {
        let err = conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("never changes"), "{sql}: {err}");
    }
    let n: i64 = conn
        .query_row("SELECT count(*) FROM epoch", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}
