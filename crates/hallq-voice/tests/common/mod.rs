//! What the integration tests share: the real espeak-ng, or a failure that says how to get it.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a part of this module"
)]

use hallq_proto::ids::{CounterNo, TicketId, TicketNo, Timestamp};
use hallq_voice::{Call, Espeak};

/// The default espeak-ng engine, checked to run. Without espeak-ng the test fails with the
/// reason: CI installs it (`./dev setup`), so a skip would hide a broken setup.
pub fn espeak() -> Espeak {
    let e = Espeak::default();
    if let Err(err) = e.check() {
        panic!("hallq-voice's tests speak with the real espeak-ng: {err}");
    }
    e
}

/// A call of ticket `number` to `counter`.
pub fn call(number: &str, counter: u16, recall: u32) -> Call {
    Call {
        ticket: TicketId::new(format!("t-{number}")).unwrap(),
        number: TicketNo(number.into()),
        counter: CounterNo(counter),
        recall,
        at_ms: Timestamp(1_700_000_000_000 + i64::from(recall)),
    }
}
