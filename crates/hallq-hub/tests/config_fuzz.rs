//! Fuzzing the hall.toml loader, as property tests: whatever a hall's engineer (or a broken
//! disk) leaves in the file, [`HallConfig::load`] returns, never panics, and a refusal is a message
//! a person can act on.
//!
//! Inputs: arbitrary text and bytes, and mutations of deploy/hall.example.toml: lines removed,
//! doubled or swapped, values replaced by other types, huge numbers, impossible times, long and
//! odd strings, then bytes flipped, cut or made invalid UTF-8.
//!
//! The case counts keep each test to a few seconds in a debug build (the short run of CI).
//! `PROPTEST_CASES` raises them for a long run:
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo nextest run --release -p hallq-hub --test config_fuzz
//! ```

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::{Path, PathBuf};

use hallq_hub::config::{ConfigError, HallConfig};
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// `short` cases, or `PROPTEST_CASES` when set (the long run).
fn config(short: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(short);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The example hall of deploy/, with its profiles folder pointed at the repository's (the tests
/// run in the crate's folder, where the relative default finds nothing).
fn example() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("deploy/hall.example.toml")).unwrap();
    let profiles = root.join("firmware-profiles");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("profiles_dir"))
        .expect("the example names profiles_dir");
    text.replace(
        line,
        &format!(
            "profiles_dir = {}",
            toml_string(&profiles.display().to_string())
        ),
    )
}

fn toml_string(s: &str) -> String {
    format!("{s:?}")
}

/// Loads `bytes` as a hall.toml, the way `hallq hub --config` does.
fn load(dir: &Path, bytes: &[u8]) -> Result<HallConfig, ConfigError> {
    let path: PathBuf = dir.join("hall.toml");
    std::fs::write(&path, bytes).unwrap();
    HallConfig::load(&path)
}

/// What a refusal must be: a message, not a debug dump; the parser's with its place; bounded by
/// the input (the parser quotes the offending line and underlines it, and a value's own check may
/// quote the value once more, but nothing grows beyond that).
fn check_readable(input_len: usize, error: &ConfigError) {
    let text = error.to_string();
    assert!(!text.trim().is_empty(), "an empty message for {error:?}");
    assert!(
        !text.contains("Error {") && !text.contains("Custom {"),
        "a debug dump, not a message: {text}"
    );
    if let ConfigError::Parse { message, .. } = error {
        assert!(
            message.contains("line "),
            "a parse error names its line: {message}"
        );
    }
    assert!(
        text.len() <= 4096 + 4 * input_len,
        "a message of {} bytes for an input of {input_len}",
        text.len()
    );
}

fn outcome(dir: &Path, bytes: &[u8]) {
    if let Err(e) = load(dir, bytes) {
        check_readable(bytes.len(), &e);
    }
}

/// Values that do not belong where they land.
const ODD_VALUES: &[&str] = &[
    "\"\"",
    "\"x\"",
    "\"演示\"",
    "0",
    "-1",
    "-2147483649",
    "4294967296",
    "99999999999999999999",
    "1e309",
    "nan",
    "-inf",
    "0.5",
    "true",
    "[]",
    "[1, \"a\"]",
    "{}",
    "{ zh = 1 }",
    "\"24:00\"",
    "\"25:61\"",
    "\"23:60\"",
    "\"-1:00\"",
    "\"08:30:00\"",
    "\"0.0.0.0:99999\"",
    "\"mqtt://\"",
    "\"mqtt://host:port\"",
    "\"http://x\"",
    "\"../../../../etc\"",
    "\"/\"",
    "\"$argon2id$v=19$m=1,t=1,p=1$x$y\"",
    "\"plain-text-password\"",
    "\"UPPER\"",
    "\"a/b\"",
    "\"#\"",
    "1979-05-27T07:32:00Z",
    "'''\nmulti\nline'''",
];

/// Byte sequences that are not UTF-8.
const NOT_UTF8: &[&[u8]] = &[&[0xFF], &[0xC0, 0x80], &[0xED, 0xA0, 0x80], &[0xE6]];

/// A change to the example.
#[derive(Debug, Clone)]
enum Mutation {
    /// A line goes.
    RemoveLine(Index),
    /// A line appears twice (a duplicate key, or a duplicate device).
    DoubleLine(Index),
    /// Two lines change places (a key in the wrong table).
    SwapLines(Index, Index),
    /// The value of a `key = value` line becomes something else.
    ReplaceValue(Index, String),
    /// A line is added.
    AddLine(Index, String),
    /// One byte is XORed.
    FlipByte(Index, u8),
    /// The file is cut short (a full disk).
    Truncate(Index),
    /// Bytes that are not UTF-8.
    NotUtf8(Index, &'static [u8]),
}

fn arb_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(ODD_VALUES).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => (0usize..20_000).prop_map(|n| format!("\"{}\"", "字".repeat(n))),
        1 => "\\PC{0,30}".prop_map(|s| toml_string(&s)),
        1 => "\\PC{0,30}",
    ]
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    let line = prop_oneof![
        (select(
            &[
                "[hall]",
                "[limits]",
                "[privacy]",
                "[queue]",
                "[[devices]]",
                "[[staff]]",
                "[[green_channel]]",
                "[queue.recall]",
                "[nope]",
                "[[queue.counters]]"
            ][..]
        ))
        .prop_map(str::to_owned),
        ("[a-z_]{1,20}", arb_value()).prop_map(|(k, v)| format!("{k} = {v}")),
        "\\PC{0,60}",
    ];
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::RemoveLine),
        1 => any::<Index>().prop_map(Mutation::DoubleLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        4 => (any::<Index>(), arb_value()).prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        1 => (any::<Index>(), line).prop_map(|(i, l)| Mutation::AddLine(i, l)),
        1 => (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Mutation::FlipByte(i, m)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), select(NOT_UTF8)).prop_map(|(i, b)| Mutation::NotUtf8(i, b)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut bytes_m = Vec::new();
    for m in mutations {
        let n = lines.len().max(1);
        match m {
            Mutation::RemoveLine(i) if !lines.is_empty() => {
                lines.remove(i.index(n));
            }
            Mutation::DoubleLine(i) if !lines.is_empty() => {
                let l = lines[i.index(n)].clone();
                lines.insert(i.index(n), l);
            }
            Mutation::SwapLines(a, b) if !lines.is_empty() => lines.swap(a.index(n), b.index(n)),
            Mutation::ReplaceValue(i, v) => {
                // The i-th `key = value` line, whatever its table.
                let keyed: Vec<usize> = (0..lines.len())
                    .filter(|&j| {
                        let l = lines[j].trim_start();
                        !l.starts_with('#') && !l.starts_with('[') && l.contains('=')
                    })
                    .collect();
                if !keyed.is_empty() {
                    let j = keyed[i.index(keyed.len())];
                    let key = lines[j].split('=').next().unwrap_or_default().to_owned();
                    lines[j] = format!("{key}= {v}");
                }
            }
            Mutation::AddLine(i, l) => lines.insert(i.index(lines.len() + 1), l.clone()),
            other => bytes_m.push(other.clone()),
        }
    }
    let mut bytes = lines.join("\n").into_bytes();
    for m in bytes_m {
        let len = bytes.len();
        match m {
            Mutation::FlipByte(i, mask) if len > 0 => bytes[i.index(len)] ^= mask,
            Mutation::Truncate(i) => bytes.truncate(i.index(len + 1)),
            Mutation::NotUtf8(i, b) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            _ => {}
        }
    }
    bytes
}

/// The example itself loads: the mutations below start from a valid hall.
#[test]
fn the_example_hall_loads() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(dir.path(), example().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!config.devices.is_empty());
}

/// A file that is not there, or not a file, is a readable refusal too.
#[test]
fn a_missing_or_unreadable_file_is_refused_readably() {
    let dir = tempfile::tempdir().unwrap();
    for path in [dir.path().join("nope.toml"), dir.path().to_path_buf()] {
        let e = HallConfig::load(&path).expect_err("loaded");
        check_readable(0, &e);
        assert!(e.to_string().contains("无法读取"), "{e}");
    }
}

/// Mutations that must each be refused, with a message that says where.
#[test]
fn known_bad_edits_are_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let text = example();
    for (from, to) in [
        ("open = \"08:30\"", "open = \"25:61\""),
        ("batch_max = 256", "batch_max = 99999999999999999999"),
        ("id = \"demo\"", "id = \"Demo Hall/#\""),
        ("role = \"kiosk\"", "role = \"root\""),
        ("counter = 1\n", "counter = 70000\n"),
        ("[kpi]", "[kpi]\nsatisfaction = 95"),
    ] {
        assert!(text.contains(from), "the example has {from:?}");
        let bad = text.replacen(from, to, 1);
        let e = load(dir.path(), bad.as_bytes()).expect_err(to);
        check_readable(bad.len(), &e);
        assert!(
            matches!(e, ConfigError::Parse { .. }),
            "{to}: refused as a parse error with its line, got {e}"
        );
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// Any text at all.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,2000}") {
        let dir = tempfile::tempdir().unwrap();
        outcome(dir.path(), text.as_bytes());
    }

    /// Any bytes at all (not UTF-8, NULs).
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let dir = tempfile::tempdir().unwrap();
        outcome(dir.path(), &bytes);
    }

    /// TOML-shaped text: tables and keys of the schema with odd values.
    #[test]
    fn arbitrary_tables_never_panic(
        lines in prop::collection::vec(
            prop_oneof![
                select(&["[hall]", "[hours]", "[broker]", "[hub]", "[kpi]", "[limits]",
                         "[privacy]", "[queue]", "[[devices]]", "[[staff]]"][..])
                    .prop_map(str::to_owned),
                (select(&["id", "name", "role", "counter", "open", "close", "daily_reset",
                          "listen", "external", "data_dir", "batch_max", "durability",
                          "secret_hash", "profile", "utc_offset_min", "number", "pin_hash",
                          "commands_per_minute", "ticket_burst", "tickets_per_phone_per_day"][..]),
                 arb_value())
                    .prop_map(|(k, v)| format!("{k} = {v}")),
            ],
            0..40,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        outcome(dir.path(), lines.join("\n").as_bytes());
    }
}

proptest! {
    #![proptest_config(config(400))]

    /// The example hall, mutated: never a panic, and a refusal is readable.
    #[test]
    fn mutated_example_never_panics(mutations in prop::collection::vec(arb_mutation(), 1..5)) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = apply(&example(), &mutations);
        outcome(dir.path(), &bytes);
    }
}
