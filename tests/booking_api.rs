//! The hub's booking API (`[booking] listen`, docs/booking.md) as a customer's browser or app
//! calls it: plain HTTP/1.1 requests with JSON bodies, and the demo sender's one-time codes read
//! from the hub's log.

use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

use hallq_proto::BusinessDay;
use serde_json::{Value, json};

use crate::Hall;

/// `method path` with a JSON body over HTTP/1.1; returns the status and the body as JSON (or as
/// a string for what is not JSON). Written out on the socket so that a test may send what no
/// client library would (a broken body, a wrong method).
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failed test")]
pub fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let value = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    (status, value)
}

/// The one-time code the demo sender (`otp = "log"`) logged for `mobile` last (the log has the
/// number masked); fails after ten seconds without one.
pub fn logged_code(hall: &Hall, mobile: &str) -> String {
    let masked = format!("{}****{}", &mobile[..3], &mobile[7..]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = hall.hub_log();
        let code = log
            .lines()
            .filter(|l| l.contains(&masked) && l.contains("DEMO one-time code"))
            .filter_map(|l| l.split("code=").nth(1))
            .map(|rest| {
                rest.chars()
                    .filter(char::is_ascii_digit)
                    .take(6)
                    .collect::<String>()
            })
            .next_back();
        if let Some(code) = code {
            return code;
        }
        assert!(
            Instant::now() < deadline,
            "no code logged for {masked}:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The example mobile number `n` (1390000nnnn).
pub fn mobile(n: u32) -> String {
    format!("1390000{n:04}")
}

/// Books the basic business at `start_min` of `day` for `mobile` over the hub's API at `port`,
/// with the one-time code read from the hub's log; returns the booking code.
#[expect(clippy::unwrap_used, reason = "tests: a panic is a failed test")]
pub fn book(hall: &Hall, port: u16, day: BusinessDay, mobile: &str, start_min: u32) -> String {
    let body = json!({ "mobile": mobile }).to_string();
    let (status, v) = http(port, "POST", "/book/api/otp", Some(&body));
    assert_eq!(status, 200, "{v}");
    let otp = logged_code(hall, mobile);
    let body = json!({ "business": "basic", "day": day.0, "start_min": start_min,
                       "mobile": mobile, "otp": otp })
    .to_string();
    let (status, v) = http(port, "POST", "/book/api/bookings", Some(&body));
    assert_eq!(status, 201, "{v}");
    v["code"].as_str().unwrap().to_owned()
}
