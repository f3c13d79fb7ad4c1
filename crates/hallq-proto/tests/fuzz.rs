//! Fuzzing the command decoder, as property tests (the pinned toolchain is stable, so no
//! cargo-fuzz): whatever bytes arrive on `…/cmd/{device}`, [`decode_command`] returns, never
//! panics, and every refusal carries a stable [`ErrorCode`] with its Chinese and English words.
//!
//! Inputs: arbitrary bytes; arbitrary JSON objects built from the contract's field names; and
//! mutations of every example command ([`hallq_proto::examples`]): field type swaps, huge and odd
//! numbers, deep nesting, long strings, invalid UTF-8, removed, renamed and unknown fields, a
//! swapped `kind`, then byte flips, truncations, insertions and deletions.
//!
//! The case counts keep each test to a few seconds in a debug build (the short run of CI).
//! `PROPTEST_CASES` raises them for a long run, e.g. a night's:
//!
//! ```sh
//! PROPTEST_CASES=1000000 cargo nextest run --release -p hallq-proto --test fuzz
//! ```

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::command::Undecodable;
use hallq_proto::examples::examples;
use hallq_proto::{
    Command, CommandEnvelope, CommandId, DeviceId, ErrorCode, MAX_COMMAND_BYTES, Reply, Timestamp,
    decode_command,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;

/// `short` cases, or `PROPTEST_CASES` when set (the long run).
fn config(short: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(short);
    ProptestConfig {
        cases,
        // A failure prints its minimal input; no regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The longest run of ASCII digits in `text`.
fn longest_digit_run(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// A mobile number is 11 digits, an ID card number 18: a refusal's words and detail (which the
/// hub journals) never hold a run that long. The command id is not checked: the device chose it,
/// and the reply must name it.
const PHONE_DIGITS: usize = 11;

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// What every decoding outcome must satisfy, whatever the input. `phone_check` also checks that
/// no digit run of a phone number's length comes back.
fn check(payload: &[u8], outcome: Result<CommandEnvelope, Undecodable>, phone_check: bool) {
    let shown = String::from_utf8_lossy(&payload[..payload.len().min(400)]);
    match outcome {
        Ok(env) => {
            assert!(
                payload.len() <= MAX_COMMAND_BYTES,
                "oversized accepted: {shown}"
            );
            assert!(Command::KINDS.contains(&env.cmd.kind()));
            // What was accepted travels again unchanged: the hub's journal and a device's outbox
            // rely on the encoding being stable.
            let again = decode_command(env.to_json().as_bytes())
                .unwrap_or_else(|e| panic!("{shown}: re-encoded {env:?} is refused: {e:?}"));
            assert_eq!(again, env, "{shown}");
        }
        Err(u) => {
            let code = u.error.code();
            let info = u.error.to_info();
            assert_eq!(info.code, code);
            let words = code.message();
            assert_eq!((&info.zh, &info.en), (&words.zh, &words.en));
            assert!(info.zh.chars().any(is_cjk), "{code:?}: no Chinese words");
            assert!(
                !info.en.is_empty() && info.en.is_ascii(),
                "{code:?}: no English words"
            );
            let too_large = payload.len() > MAX_COMMAND_BYTES;
            assert_eq!(code == ErrorCode::TooLarge, too_large, "{shown}: {u:?}");
            if too_large {
                assert_eq!(u.id, None, "nothing of an oversized payload is read");
            }
            // The reply the hub would publish is valid JSON of the contract, names the same
            // error, and says nothing the error did not.
            let reply = Reply::error(u.id.clone(), Timestamp(0), info.clone()).to_json();
            let back: Reply = serde_json::from_str(&reply).unwrap();
            assert_eq!(back.id, u.id);
            if phone_check {
                let detail = info.detail.unwrap_or_default();
                assert!(
                    longest_digit_run(&detail) < PHONE_DIGITS,
                    "{code:?} echoes a phone-length digit run: {detail:?} for {shown}"
                );
            }
        }
    }
}

/// One example command of each kind as a flat list of (key, raw JSON value), in the wire's order,
/// under a valid envelope.
fn example_fields() -> Vec<Vec<(String, Vec<u8>)>> {
    examples()
        .into_iter()
        .map(|cmd| {
            let env = CommandEnvelope::new(
                CommandId::new("kiosk-1-000042").unwrap(),
                DeviceId::new("kiosk-1").unwrap(),
                cmd,
            );
            let Value::Object(obj) = serde_json::from_str(&env.to_json()).unwrap() else {
                unreachable!("an envelope is an object")
            };
            obj.into_iter()
                .map(|(k, v)| (k, serde_json::to_vec(&v).unwrap()))
                .collect()
        })
        .collect()
}

fn render(fields: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"{".to_vec();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend(serde_json::to_vec(k).unwrap());
        out.push(b':');
        out.extend(v);
    }
    out.push(b'}');
    out
}

/// Every field name of the contract, and a few near misses.
const FIELD_NAMES: &[&str] = &[
    "v",
    "id",
    "device",
    "kind",
    "business",
    "bussiness",
    "priority_reason",
    "green_channel",
    "lang",
    "phone",
    "session",
    "visit",
    "step",
    "ticket",
    "ok",
    "reprint",
    "error",
    "resolved",
    "note",
    "staff",
    "pin",
    "counter",
    "reason",
    "waiting",
    "result",
    "to",
    "score",
    "category",
    "summary",
    "responsibility",
    "complaint",
    "contacted",
    "resolution",
    "announcement",
    "text",
    "zh",
    "en",
    "starts_at_ms",
    "ends_at_ms",
    "where_to_ask",
    "recall",
    "entered",
    "passed_by",
    "Kind",
    "",
];

/// Numbers at and beyond the edges of every integer type the contract uses, and odd spellings.
const ODD_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1.0",
    "1.5",
    "1e0",
    "1E2",
    "0.0000001",
    "255",
    "256",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "1e308",
    "-1e308",
    "1e999",
    "123456789012345678901234567890123456789012345678901234567890",
];

/// Phone-number lookalikes, in every place a value can stand.
const PHONES: &[&str] = &[
    "\"13800131234\"",
    "13800131234",
    "\"+8613800131234\"",
    "\"138-0013-1234\"",
    "\"call 13800131234 please\"",
    "\"110101199003077777\"",
    "110101199003077777",
    "[13800131234]",
    "{\"13800131234\":1}",
];

/// Byte sequences that are not UTF-8: a stray continuation, an overlong encoding, a surrogate,
/// beyond U+10FFFF, a cut-off sequence.
const NOT_UTF8: &[&[u8]] = &[
    &[0xFF],
    &[0x80],
    &[0xC0, 0x80],
    &[0xED, 0xA0, 0x80],
    &[0xF4, 0x90, 0x80, 0x80],
    &[0xC3],
    &[0xE2, 0x82],
    &[0xFE, 0xFE, 0xFF, 0xFF],
];

/// A JSON value of any shape, leaves included from the odd numbers and phone lookalikes.
fn arb_value() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(b"null".to_vec()),
        any::<bool>().prop_map(|b| b.to_string().into_bytes()),
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        any::<f64>().prop_map(|n| serde_json::to_vec(&n).unwrap()),
        select(ODD_NUMBERS).prop_map(|s| s.as_bytes().to_vec()),
        select(PHONES).prop_map(|s| s.as_bytes().to_vec()),
        select(Command::KINDS.to_vec()).prop_map(|s| serde_json::to_vec(s).unwrap()),
        ".{0,40}".prop_map(|s| serde_json::to_vec(&s).unwrap()),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|items| {
                let mut out = b"[".to_vec();
                out.extend(items.join(&b","[..]));
                out.push(b']');
                out
            }),
            prop::collection::vec((select(FIELD_NAMES), inner), 0..6).prop_map(|fields| {
                render(
                    &fields
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Vec<_>>(),
                )
            }),
        ]
    })
}

/// `depth` levels of arrays or objects around a number.
fn nested(depth: usize, objects: bool) -> Vec<u8> {
    let (open, close): (&[u8], &[u8]) = if objects {
        (b"{\"a\":", b"}")
    } else {
        (b"[", b"]")
    };
    let mut out = open.repeat(depth);
    out.extend(b"1");
    out.extend(close.repeat(depth));
    out
}

/// A string of `len` characters drawn from ASCII, CJK, emoji, escapes or digits.
fn long_string(len: usize, style: u8) -> Vec<u8> {
    let unit = match style % 5 {
        0 => "a",
        1 => "号",
        2 => "🎫",
        3 => "\\u0000\\\"",
        _ => "1",
    };
    let mut out = b"\"".to_vec();
    out.extend(unit.repeat(len).as_bytes());
    out.push(b'"');
    out
}

/// What a mutation puts in a field's place.
fn arb_replacement() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => arb_value(),
        1 => select(ODD_NUMBERS).prop_map(|s| s.as_bytes().to_vec()),
        1 => select(PHONES).prop_map(|s| s.as_bytes().to_vec()),
        1 => (1usize..400, any::<bool>()).prop_map(|(d, o)| nested(d, o)),
        1 => (0usize..3000, any::<u8>()).prop_map(|(n, s)| long_string(n, s)),
        1 => (select(NOT_UTF8), ".{0,8}").prop_map(|(bad, s)| {
            let mut out = b"\"".to_vec();
            out.extend(s.as_bytes());
            out.extend(bad);
            out.push(b'"');
            out
        }),
    ]
}

/// A change to the structure of a command.
#[derive(Debug, Clone)]
enum FieldMutation {
    /// A field's value becomes something else (another type, a huge number, …).
    Replace(Index, Vec<u8>),
    /// A field is left out.
    Remove(Index),
    /// A field's name is misspelt.
    Rename(Index, String),
    /// A field the contract does not know, or one of another kind, or a duplicate.
    Add(String, Vec<u8>),
    /// `kind` names another kind: its fields no longer fit.
    SwapKind(&'static str),
}

fn arb_field_mutation() -> impl Strategy<Value = FieldMutation> {
    let name = prop_oneof![select(FIELD_NAMES).prop_map(str::to_owned), "[a-z_]{0,12}"];
    prop_oneof![
        4 => (any::<Index>(), arb_replacement()).prop_map(|(i, v)| FieldMutation::Replace(i, v)),
        1 => any::<Index>().prop_map(FieldMutation::Remove),
        1 => (any::<Index>(), name.clone()).prop_map(|(i, n)| FieldMutation::Rename(i, n)),
        1 => (name, arb_replacement()).prop_map(|(n, v)| FieldMutation::Add(n, v)),
        1 => select(Command::KINDS.to_vec()).prop_map(FieldMutation::SwapKind),
    ]
}

/// A change to the bytes of a payload.
#[derive(Debug, Clone)]
enum ByteMutation {
    /// One byte XORed with a non-zero mask.
    Flip(Index, u8),
    /// Everything from here on is lost.
    Truncate(Index),
    /// Bytes appear here.
    Insert(Index, Vec<u8>),
    /// Bytes vanish from here.
    Delete(Index, usize),
    /// Bytes that are not UTF-8 appear here.
    NotUtf8(Index, &'static [u8]),
}

fn arb_byte_mutation() -> impl Strategy<Value = ByteMutation> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, m)| ByteMutation::Flip(i, m)),
        any::<Index>().prop_map(ByteMutation::Truncate),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| ByteMutation::Insert(i, b)),
        (any::<Index>(), 1usize..32).prop_map(|(i, n)| ByteMutation::Delete(i, n)),
        (any::<Index>(), select(NOT_UTF8)).prop_map(|(i, b)| ByteMutation::NotUtf8(i, b)),
    ]
}

fn mutate_fields(fields: &mut Vec<(String, Vec<u8>)>, m: &FieldMutation) {
    let at = |i: &Index, len: usize| (len > 0).then(|| i.index(len));
    match m {
        FieldMutation::Replace(i, v) => {
            if let Some(i) = at(i, fields.len()) {
                fields[i].1.clone_from(v);
            }
        }
        FieldMutation::Remove(i) => {
            if let Some(i) = at(i, fields.len()) {
                fields.remove(i);
            }
        }
        FieldMutation::Rename(i, n) => {
            if let Some(i) = at(i, fields.len()) {
                fields[i].0.clone_from(n);
            }
        }
        FieldMutation::Add(n, v) => fields.push((n.clone(), v.clone())),
        FieldMutation::SwapKind(k) => {
            for f in fields.iter_mut().filter(|f| f.0 == "kind") {
                f.1 = serde_json::to_vec(k).unwrap();
            }
        }
    }
}

fn mutate_bytes(payload: &mut Vec<u8>, m: &ByteMutation) {
    let len = payload.len();
    match m {
        ByteMutation::Flip(i, mask) => {
            if len > 0 {
                payload[i.index(len)] ^= mask;
            }
        }
        ByteMutation::Truncate(i) => payload.truncate(i.index(len + 1)),
        ByteMutation::Insert(i, b) => {
            let at = i.index(len + 1);
            payload.splice(at..at, b.iter().copied());
        }
        ByteMutation::NotUtf8(i, b) => {
            let at = i.index(len + 1);
            payload.splice(at..at, b.iter().copied());
        }
        ByteMutation::Delete(i, n) => {
            if len > 0 {
                let at = i.index(len);
                payload.drain(at..(at + n).min(len));
            }
        }
    }
}

/// A payload, shown as text when a case fails.
#[derive(Clone)]
struct Payload(Vec<u8>);

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// JSON objects with a plausible envelope and random fields of the contract, so the decoder is
/// driven deep into every kind's fields.
fn arb_command_object() -> impl Strategy<Value = Payload> {
    (
        prop_oneof![4 => Just(b"1".to_vec()), 1 => arb_value()],
        prop_oneof![
            4 => Just(b"\"c-1\"".to_vec()),
            1 => "\\PC{0,70}".prop_map(|s| serde_json::to_vec(&s).unwrap()),
            1 => arb_value(),
        ],
        prop_oneof![
            4 => Just(b"\"kiosk-1\"".to_vec()),
            1 => "[a-zA-Z0-9_/+# -]{0,40}".prop_map(|s| serde_json::to_vec(&s).unwrap()),
            1 => arb_value(),
        ],
        prop_oneof![
            4 => select(Command::KINDS.to_vec()).prop_map(|k| serde_json::to_vec(k).unwrap()),
            1 => arb_value(),
        ],
        prop::collection::vec((select(FIELD_NAMES), arb_value()), 0..6),
    )
        .prop_map(|(v, id, device, kind, extra)| {
            let mut fields = vec![
                ("v".to_string(), v),
                ("id".to_string(), id),
                ("device".to_string(), device),
                ("kind".to_string(), kind),
            ];
            fields.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
            Payload(render(&fields))
        })
}

/// Every example command, mutated in its structure and then in its bytes.
fn arb_mutated_example() -> impl Strategy<Value = Payload> {
    (
        any::<Index>(),
        prop::collection::vec(arb_field_mutation(), 0..4),
        prop::collection::vec(arb_byte_mutation(), 0..3),
    )
        .prop_map(|(example, fields_m, bytes_m)| {
            let all = example_fields();
            let mut fields = all[example.index(all.len())].clone();
            for m in &fields_m {
                mutate_fields(&mut fields, m);
            }
            let mut payload = render(&fields);
            for m in &bytes_m {
                mutate_bytes(&mut payload, m);
            }
            Payload(payload)
        })
}

proptest! {
    #![proptest_config(config(1000))]

    /// Any bytes at all (over the size limit too): never a panic, and a refusal is a proper one.
    #[test]
    fn arbitrary_bytes_never_panic(payload in prop::collection::vec(any::<u8>(), 0..10_000)) {
        let outcome = decode_command(&payload);
        check(&payload, outcome, false);
    }
}

proptest! {
    #![proptest_config(config(3000))]

    /// Any text, mostly not JSON.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let outcome = decode_command(text.as_bytes());
        check(text.as_bytes(), outcome, false);
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// Commands of every kind with random fields (phone and ID numbers among the values they
    /// put in every place): never a panic, a proper refusal whose detail, which the hub
    /// journals, never repeats such a number, and what is accepted encodes again unchanged.
    #[test]
    fn arbitrary_command_objects_never_panic(payload in arb_command_object()) {
        let outcome = decode_command(&payload.0);
        check(&payload.0, outcome, true);
    }

    /// Every example command mutated: the same.
    #[test]
    fn mutated_examples_never_panic(payload in arb_mutated_example()) {
        let outcome = decode_command(&payload.0);
        check(&payload.0, outcome, true);
    }
}

/// The unmutated examples are all accepted: the mutations above start from valid commands.
#[test]
fn every_example_starts_valid() {
    let all = example_fields();
    assert_eq!(all.len(), Command::KINDS.len());
    for fields in all {
        let payload = render(&fields);
        let env = decode_command(&payload).unwrap_or_else(|e| panic!("{e:?}"));
        check(&payload, Ok(env), true);
    }
}

/// Nesting far beyond any command's is refused as malformed, not a stack overflow, at every
/// depth up to the size limit.
#[test]
fn deep_nesting_is_refused_not_overflowed() {
    for objects in [false, true] {
        for depth in [127, 128, 129, 1000, 4000] {
            let inner = nested(depth, objects);
            let mut payload =
                br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"consultation","note":"#.to_vec();
            payload.extend(&inner);
            payload.push(b'}');
            let outcome = decode_command(&payload);
            let code = outcome.as_ref().map_err(|u| u.error.code()).err();
            assert!(code.is_some(), "depth {depth} accepted");
            check(&payload, outcome, true);
            // And as the whole payload.
            let outcome = decode_command(&inner);
            assert!(outcome.is_err());
            check(&inner, outcome, true);
        }
    }
}

/// Each place a value can stand, given a phone number: the refusal does not repeat it.
#[test]
fn a_phone_number_in_any_place_is_not_echoed() {
    let cases: &[&[u8]] = &[
        b"13800131234",
        b"[13800131234]",
        br#"{"v":13800131234,"id":"c-1","device":"kiosk-1","kind":"issue_ticket"}"#,
        br#"{"v":1,"id":"c-1","device":"K13800131234","kind":"issue_ticket"}"#,
        br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"13800131234"}"#,
        br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"issue_ticket","business":"basic","phone":13800131234}"#,
        br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"issue_ticket","business":"basic","phone":"1380013123"}"#,
        br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"issue_ticket","business":13800131234}"#,
        br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"issue_ticket","business":"basic","13800131234":1}"#,
        br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"door_count","entered":13800131234}"#,
        br#"{"v":1,"id":"c-1","device":"kiosk-1","kind":"sign_in","staff":"E1","pin":13800131234}"#,
    ];
    let leaks: Vec<String> = cases
        .iter()
        .filter_map(|payload| {
            let refusal = decode_command(payload).expect_err("refused");
            let detail = refusal.error.to_info().detail.unwrap_or_default();
            (longest_digit_run(&detail) >= PHONE_DIGITS)
                .then(|| format!("{} -> {detail}", String::from_utf8_lossy(payload)))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "refusals echo the number:\n{}",
        leaks.join("\n")
    );
}
