//! Decoding refuses what a lenient JSON reader would let through: duplicate keys (the last one
//! would silently win, a duplicate `id` included) and a schema version that is not a positive
//! whole number.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test with its line
use hallq_proto::command::{DecodeError, Undecodable};
use hallq_proto::{ErrorCode, decode_command};

fn refusal(payload: &str) -> Undecodable {
    decode_command(payload.as_bytes()).expect_err("payload was accepted")
}

#[test]
fn a_duplicate_key_is_refused_wherever_it_is() {
    for (payload, key) in [
        (
            r#"{"v":1,"id":"a","id":"b","device":"kiosk-1","kind":"call_next"}"#,
            "id",
        ),
        (
            r#"{"v":1,"id":"a","device":"kiosk-1","kind":"issue_ticket","business":"basic","business":"vip"}"#,
            "business",
        ),
        (
            r#"{"v":1,"v":1,"id":"a","device":"kiosk-1","kind":"call_next"}"#,
            "v",
        ),
        (
            r#"{"v":1,"id":"a","device":"supervisor-1","kind":"announcement_post","text":{"zh":"甲","zh":"乙","en":"x"}}"#,
            "zh",
        ),
    ] {
        let u = refusal(payload);
        assert_eq!(u.error.code(), ErrorCode::Malformed, "{payload}");
        // Which of two ids is the command's cannot be told: the reply names none.
        assert_eq!(u.id, None, "{payload}");
        let detail = u.error.to_info().detail.unwrap();
        assert!(
            detail.contains("duplicate") && detail.contains(&format!("`{key}`")),
            "{payload}: {detail}"
        );
    }
}

#[test]
fn the_same_key_in_two_objects_is_not_a_duplicate() {
    let env = decode_command(
        r#"{"v":1,"id":"a","device":"supervisor-1","kind":"announcement_post","text":{"zh":"甲","en":"x"},"where_to_ask":{"zh":"咨询台","en":"desk"}}"#
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(env.id.as_str(), "a");
}

#[test]
fn any_version_but_1_is_unsupported_negative_and_fractional_included() {
    for v in ["-1", "0", "2", "1.5", "-0.5", "99999999999999999999"] {
        let payload = format!(r#"{{"v":{v},"id":"x9","device":"kiosk-1","kind":"call_next"}}"#);
        let u = refusal(&payload);
        assert_eq!(u.error.code(), ErrorCode::UnsupportedVersion, "{payload}");
        assert_eq!(u.id.unwrap().as_str(), "x9", "{payload}");
        assert!(
            matches!(u.error, DecodeError::UnsupportedVersion(_)),
            "{payload}"
        );
    }
    // Not a number at all: the envelope is broken, not from another version.
    for v in [r#""1""#, "null", "true", "[1]"] {
        let payload = format!(r#"{{"v":{v},"id":"x9","device":"kiosk-1","kind":"call_next"}}"#);
        assert_eq!(
            refusal(&payload).error.code(),
            ErrorCode::Malformed,
            "{payload}"
        );
    }
}
