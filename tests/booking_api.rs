//! The hub's booking API (`[booking] listen`, docs/booking.md) as a customer's browser or app
//! calls it: plain HTTP/1.1 requests with JSON bodies, and the demo sender's one-time codes read
//! from the hub's log.

use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};

use serde_json::Value;

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
