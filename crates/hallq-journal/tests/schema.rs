//! Opening the journal: the schema a fresh file gets, the pragmas, the migrations from older
//! files, and the refusal of a file from a newer hallq.
//!
//! When schema version 2 arrives (see `src/schema.rs`), this file gains
//! `migration_from_v1_fixture`: build a file from the frozen `tests/fixtures/v1.sql`, open it,
//! and check the rows and the new columns.
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
            "commands",
            "complaints",
            "events",
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
        assert_eq!(tables(j.connection()).len(), 8);
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
        for c in columns {
            assert!(
                !c.contains("phone") && !c.contains("mobile"),
                "{table}.{c} looks like personal data"
            );
        }
    }
}
