//! Signing in at a hall with no staff list, against a real `hallq hub`: refused with a clear
//! bilingual error unless the hall is explicitly open (`[hall] open_sign_in`, a demo or test hall),
//! where any staff number signs in.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::{Command, ErrorCode, ReplyBody, StaffNo};
use hallq_tests::{BrokerKind, Hall};

fn sign_in() -> Command {
    Command::SignIn {
        staff: StaffNo::new("E1003").unwrap(),
        pin: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_staff_list_sign_in_is_refused_unless_the_hall_is_open() {
    let hall = Hall::new(BrokerKind::Embedded);
    // The test hall is open; this one is not.
    let toml = std::fs::read_to_string(&hall.config_path).unwrap();
    assert!(toml.contains("open_sign_in = true\n"));
    std::fs::write(&hall.config_path, toml.replace("open_sign_in = true\n", "")).unwrap();
    let hub = hall.start_hub();
    let (counter, _c) = hall.device("counter-3").await;
    let reply = counter.send(sign_in()).await.unwrap();
    match &reply.body {
        ReplyBody::Error(e) => {
            assert_eq!(e.code, ErrorCode::StaffNotConfigured, "{e:?}");
            assert!(
                e.zh.contains("员工名单") && e.en.contains("no staff list"),
                "{e:?}"
            );
        }
        other => panic!("signed in with no staff list: {other:?}"),
    }
    assert!(
        hall.hub_log().contains("open_sign_in"),
        "the hub does not say why at start:\n{}",
        hall.hub_log()
    );
    assert!(hub.terminate());

    // Opened explicitly, as `hallq demo` and the test halls do: any staff number signs in.
    std::fs::write(&hall.config_path, toml).unwrap();
    let _hub = hall.start_hub();
    let reply = counter.send(sign_in()).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
}
