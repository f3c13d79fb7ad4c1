//! The contract as a device sees it: every example command survives the wire, and every kind of
//! bad payload is refused with its own stable code.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test with its line
use hallq_proto::command::Undecodable;
use hallq_proto::examples::examples;
use hallq_proto::{
    Command, CommandEnvelope, CommandId, DeviceId, ErrorCode, MAX_COMMAND_BYTES, decode_command,
};

fn envelope(cmd: Command) -> CommandEnvelope {
    CommandEnvelope::new(
        CommandId::new("c-1").unwrap(),
        DeviceId::new("kiosk-1").unwrap(),
        cmd,
    )
}

fn refusal(payload: &str) -> Undecodable {
    decode_command(payload.as_bytes()).expect_err("payload was accepted")
}

#[test]
fn every_kind_has_an_example_in_order() {
    let kinds: Vec<&str> = examples().iter().map(Command::kind).collect();
    assert_eq!(kinds, Command::KINDS);
}

#[test]
fn every_example_round_trips_through_json() {
    for cmd in examples() {
        let env = envelope(cmd);
        let json = env.to_json();
        let back = decode_command(json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e:?}"));
        assert_eq!(back, env, "{json}");
        let kind = serde_json::from_str::<serde_json::Value>(&json).unwrap()["kind"].clone();
        assert_eq!(kind, env.cmd.kind(), "{json}");
    }
}

#[test]
fn a_hand_typed_mosquitto_pub_command_decodes() {
    let env = decode_command(
        br#"{"v":1,"id":"t1","device":"kiosk-1","kind":"issue_ticket","business":"basic"}"#,
    )
    .unwrap();
    match env.cmd {
        Command::IssueTicket(t) => {
            assert_eq!(t.business.as_str(), "basic");
            assert!(t.phone.is_none());
        }
        other => panic!("decoded as {other:?}"),
    }
    let env =
        decode_command(br#"{"v":1,"id":"t2","device":"counter-3","kind":"call_next"}"#).unwrap();
    assert_eq!(env.cmd, Command::CallNext {});
}

#[test]
fn malformed_json_is_refused_without_an_id() {
    let u = refusal("{not json");
    assert_eq!(u.error.code(), ErrorCode::Malformed);
    assert_eq!(u.id, None);
}

#[test]
fn wrong_schema_version_is_refused_with_the_command_id() {
    let u = refusal(r#"{"v":2,"id":"x9","device":"kiosk-1","kind":"call_next"}"#);
    assert_eq!(u.error.code(), ErrorCode::UnsupportedVersion);
    assert_eq!(u.id.unwrap().as_str(), "x9");
}

#[test]
fn unknown_kind_is_refused() {
    let u = refusal(r#"{"v":1,"id":"x","device":"kiosk-1","kind":"launch_rocket"}"#);
    assert_eq!(u.error.code(), ErrorCode::UnknownKind);
}

#[test]
fn unknown_field_is_refused_not_ignored() {
    for payload in [
        r#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket","business":"basic","bussiness":"x"}"#,
        r#"{"v":1,"id":"x","device":"counter-1","kind":"finish","result":"done","rating":4}"#,
        r#"{"v":1,"id":"x","device":"counter-1","kind":"call_next","counter":3}"#,
    ] {
        assert_eq!(
            refusal(payload).error.code(),
            ErrorCode::InvalidField,
            "{payload}"
        );
    }
}

#[test]
fn invalid_values_are_refused() {
    for payload in [
        r#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket","business":"Basic/#"}"#,
        r#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket","business":"basic","phone":"123"}"#,
        r#"{"v":1,"id":"x","device":"evaluator-1","kind":"rate","score":"ecstatic"}"#,
        r#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket"}"#,
    ] {
        assert_eq!(
            refusal(payload).error.code(),
            ErrorCode::InvalidField,
            "{payload}"
        );
    }
}

#[test]
fn a_refused_phone_number_is_not_echoed_in_the_error() {
    let u = refusal(
        r#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket","business":"basic","phone":"1380013123"}"#,
    );
    assert!(!u.error.to_string().contains("1380013123"), "{}", u.error);
}

#[test]
fn envelope_parts_are_required_and_checked() {
    let cases = [
        (
            r#"{"v":1,"device":"kiosk-1","kind":"call_next"}"#,
            ErrorCode::Malformed,
        ),
        (
            r#"{"id":"x","device":"kiosk-1","kind":"call_next"}"#,
            ErrorCode::Malformed,
        ),
        (
            r#"{"v":1,"id":"x","kind":"call_next"}"#,
            ErrorCode::Malformed,
        ),
        (
            r#"{"v":1,"id":"x","device":"kiosk-1"}"#,
            ErrorCode::Malformed,
        ),
        (
            r#"{"v":1,"id":"x","device":"kiosk/#","kind":"call_next"}"#,
            ErrorCode::InvalidField,
        ),
        (r#"[1,2,3]"#, ErrorCode::Malformed),
    ];
    for (payload, code) in cases {
        assert_eq!(refusal(payload).error.code(), code, "{payload}");
    }
}

#[test]
fn oversized_payload_is_refused_before_parsing() {
    let big = format!(
        r#"{{"v":1,"id":"x","device":"kiosk-1","kind":"consultation","note":"{}"}}"#,
        "x".repeat(MAX_COMMAND_BYTES)
    );
    assert_eq!(refusal(&big).error.code(), ErrorCode::TooLarge);
}

#[test]
fn decoding_arbitrary_bytes_never_panics() {
    // A cheap deterministic sweep; the fuzz target of the security issue goes further.
    let seed = br#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket","business":"basic"}"#;
    for i in 0..seed.len() {
        for b in [0u8, b'"', b'{', b'}', 0xff, b'1'] {
            let mut p = seed.to_vec();
            p[i] = b;
            let _ = decode_command(&p);
            p.truncate(i);
            let _ = decode_command(&p);
        }
    }
}

#[test]
fn a_phone_sent_as_a_number_is_not_echoed_either() {
    let u = refusal(
        r#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket","business":"basic","phone":13800131234}"#,
    );
    assert_eq!(u.error.code(), ErrorCode::InvalidField);
    assert!(!u.error.to_string().contains("13800131234"), "{}", u.error);
}

#[test]
fn a_long_number_in_another_field_is_redacted_from_the_detail() {
    let u = refusal(
        r#"{"v":1,"id":"x","device":"kiosk-1","kind":"issue_ticket","business":110101199003077777}"#,
    );
    assert_eq!(u.error.code(), ErrorCode::InvalidField);
    assert!(
        !u.error.to_string().contains("110101199003077777"),
        "{}",
        u.error
    );
}

#[test]
fn a_written_result_with_an_empty_or_overlong_part_is_refused_by_name() {
    let ok = r#"{"v":1,"id":"r1","device":"supervisor-1","kind":"complaint_resolve","complaint":"K20261123-001","resolution":"refund","answer":{"cause":"计费错误","solution":"已退款","promise":"核对后再扣费"}}"#;
    let env = decode_command(ok.as_bytes()).unwrap();
    let Command::ComplaintResolve {
        answer: Some(a), ..
    } = &env.cmd
    else {
        panic!("{env:?}");
    };
    assert_eq!(a.compensation, None, "no compensation is a valid answer");
    assert_eq!(
        a.text().zh,
        "原因：计费错误\n解决方案：已退款\n补偿措施：无\n后续承诺：核对后再扣费"
    );
    let long = "长".repeat(301);
    for (answer, part) in [
        (
            r#"{"cause":" ","solution":"s","promise":"p"}"#.to_owned(),
            "cause",
        ),
        (
            format!(r#"{{"cause":"c","solution":"s","promise":"p","compensation":"{long}"}}"#),
            "compensation",
        ),
        (r#"{"cause":"c","solution":"s"}"#.to_owned(), "promise"),
    ] {
        let payload = format!(
            r#"{{"v":1,"id":"r2","device":"supervisor-1","kind":"complaint_resolve","complaint":"K20261123-001","resolution":"r","answer":{answer}}}"#
        );
        let u = refusal(&payload);
        assert_eq!(u.error.code(), ErrorCode::InvalidField, "{payload}");
        let detail = u.error.to_info().detail.unwrap();
        assert!(detail.contains(part), "{part}: {detail}");
    }
}
