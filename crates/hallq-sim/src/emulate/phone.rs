//! The booked customers' phones: each books its slot on the hub's booking API (docs/booking.md,
//! "The API and the page") as a phone's browser does: a one-time code asked for the number,
//! read from the demo sender (the hub's `otp = "log"`, in this process), then the booking.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};

use crate::ledger::Ledger;
use crate::plan::Plan;

/// Books every planned booking of `plan` on the API at `addr`, one after another (the evening
/// before, in the story); returns the codes the hub gave, by customer number, and writes into
/// the ledger what it accepted and refused.
pub(crate) async fn book_all(
    plan: &Plan,
    addr: SocketAddr,
    ledger: &Ledger,
) -> BTreeMap<u32, String> {
    let mut codes = BTreeMap::new();
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
    else {
        return codes;
    };
    let base = format!("http://{addr}/book/api");
    for c in &plan.customers {
        let Some(b) = &c.booking else {
            continue;
        };
        let booked = book_one(&client, &base, plan, c, b).await;
        ledger.note(|book| match booked {
            Ok(code) => {
                book.bookings.made.insert(c.n, (b.start_min, b.keeping));
                codes.insert(c.n, code);
            }
            Err(why) => {
                tracing::warn!(customer = c.n, %why, "booking refused");
                *book.bookings.refused.entry(why).or_default() += 1;
            }
        });
    }
    codes
}

/// One customer's booking: its code, or the API's error code.
async fn book_one(
    client: &reqwest::Client,
    base: &str,
    plan: &Plan,
    c: &crate::plan::Customer,
    b: &crate::plan::PlannedBooking,
) -> Result<String, String> {
    let (status, answer) = post(
        client,
        &format!("{base}/otp"),
        json!({ "mobile": b.mobile }),
    )
    .await?;
    if status != 200 {
        return Err(error_code(&answer));
    }
    let otp = hallq_hub::booking::otp::take_demo_code(&b.mobile)
        .ok_or_else(|| "no_code_received".to_owned())?;
    let body = json!({
        "business": c.business.as_str(),
        "day": plan.day.0,
        "start_min": b.start_min,
        "mobile": b.mobile,
        "otp": otp,
    });
    let (status, answer) = post(client, &format!("{base}/bookings"), body).await?;
    if status != 201 {
        return Err(error_code(&answer));
    }
    answer["code"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no_code_in_answer".to_owned())
}

async fn post(client: &reqwest::Client, url: &str, body: Value) -> Result<(u16, Value), String> {
    let r = client
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    let status = r.status().as_u16();
    let answer = r.json().await.unwrap_or(Value::Null);
    Ok((status, answer))
}

fn error_code(answer: &Value) -> String {
    answer["error"]["code"]
        .as_str()
        .unwrap_or("no_error_code")
        .to_owned()
}
