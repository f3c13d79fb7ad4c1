//! The booking API and page shared by every booking master (the hub of a standalone hall, HQ):
//! the JSON shapes, the bilingual errors, the one-time codes and the phone page. Behind the
//! feature `web`, so the book itself stays a pure state machine without a web stack.
//!
//! Parts:
//! - [`ApiError`]: `{"error": {"code", "zh", "en"}}` with its HTTP status, from
//!   [`BookingError`] and [`otp::OtpError`];
//! - the request bodies and the answers' JSON ([`booking_json`], [`slots_json`],
//!   [`options_json`]);
//! - [`otp`]: the one-time codes' guard (its rules) over a store (memory at the hub, PostgreSQL
//!   at HQ) and the demo's sender;
//! - [`page`]: the booking page, on any base path (`/book` at the hub, `/book/<hall>` at HQ).

pub mod otp;
pub mod page;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hallq_proto::{BusinessCode, BusinessDay, LocalText, Phone, Timestamp, time};
use serde::Deserialize;
use serde_json::json;

use crate::{Booking, BookingCode, BookingError, BookingStatus, SlotRules, SlotView};
use otp::OtpError;

/// A JSON error: `{"error": {"code", "zh", "en"}}` with its HTTP status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    zh: String,
    en: String,
}

impl ApiError {
    /// An error with its status, stable code and texts.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// `400 bad_request`: `what` is wrong (English), `zh` says it in Chinese.
    pub fn bad(what: &str, zh: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            zh,
            format!("Bad request: {what}."),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "zh": self.zh, "en": self.en } });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<BookingError> for ApiError {
    fn from(e: BookingError) -> Self {
        let status = match e {
            BookingError::UnknownBooking | BookingError::NotYours => StatusCode::NOT_FOUND,
            BookingError::SlotFull | BookingError::PersonLimit(_) | BookingError::NotOpen => {
                StatusCode::CONFLICT
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        // Someone else's booking reads as none: a code does not tell whose it is.
        let e = if e == BookingError::NotYours {
            BookingError::UnknownBooking
        } else {
            e
        };
        let mut en = e.to_string();
        if let Some(first) = en.get(..1) {
            en = format!("{}{}.", first.to_uppercase(), &en[1..]);
        }
        Self::new(status, e.code(), e.zh(), en)
    }
}

impl From<OtpError> for ApiError {
    fn from(e: OtpError) -> Self {
        let status = match e {
            OtpError::Flood | OtpError::Exhausted => StatusCode::TOO_MANY_REQUESTS,
            OtpError::NotSent | OtpError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            OtpError::NoCode | OtpError::Wrong => StatusCode::UNAUTHORIZED,
        };
        let en = e.to_string();
        Self::new(
            status,
            e.code(),
            e.zh(),
            format!("{}{}.", en[..1].to_uppercase(), &en[1..]),
        )
    }
}

/// Reads a JSON body into `T`, or a clear error (axum's own says nothing in Chinese).
pub fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad(
            &format!("the body is not the expected JSON ({e})"),
            "请求格式错误",
        )
    })
}

/// A mobile number, or `400 bad_mobile`.
pub fn phone(s: &str) -> Result<Phone, ApiError> {
    Phone::parse(s).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_mobile",
            "手机号码格式错误，请输入 11 位手机号",
            "Not a mobile number: 11 digits, starting with 13 to 19.",
        )
    })
}

/// A booking code, or `422 bad_code`.
pub fn code(s: &str) -> Result<BookingCode, ApiError> {
    BookingCode::parse(s).map_err(ApiError::from)
}

/// `HH:MM` of local minutes.
pub fn hhmm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// A booking as the API answers it.
pub fn booking_json(b: &Booking) -> serde_json::Value {
    let status = match b.status {
        BookingStatus::Booked => "booked",
        BookingStatus::CheckedIn { .. } => "checked_in",
        BookingStatus::Cancelled => "cancelled",
        BookingStatus::NoShow => "no_show",
    };
    json!({
        "code": b.code.as_str(),
        "business": b.business.as_str(),
        "day": b.day.0,
        "start_min": b.start_min,
        "time": hhmm(b.start_min),
        "status": status,
    })
}

/// `404 not_found`, for any path the API does not have.
pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "页面不存在",
        "No such page.",
    )
}

/// `503 booking_off`: the hall takes no bookings here.
pub fn off() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "booking_off",
        "本厅暂不接受预约",
        "This hall takes no bookings.",
    )
}

/// `503 internal`: the booking master could not record it; nothing was booked.
pub fn internal() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "internal",
        "系统暂时无法记录，请稍后再试",
        "The hall could not record this; please try again later.",
    )
}

/// `409 booking_at_hq`: this hall's bookings are made at HQ, on `url`; the hub does not
/// forward (one place answering is simpler to reason about).
pub fn at_hq(url: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "booking_at_hq",
        format!("请在总部预约页办理：{url}"),
        format!("Please book on the chain's booking page: {url}"),
    )
}

/// Today and the days of the horizon the hall is open, at `now`.
pub fn days(rules: &SlotRules, now: Timestamp) -> Vec<BusinessDay> {
    let today = time::local(now, rules.utc_offset_min).0;
    (0..=i64::from(rules.horizon_days))
        .map(|n| {
            let (y, m, d) = time::civil_from_days(time::day_number(today) + n);
            BusinessDay(u32::try_from(y * 10_000).unwrap_or(0) + m * 100 + d)
        })
        .filter(|d| rules.is_open_day(*d))
        .collect()
}

/// `GET …/api/options`: the hall's name, its bookable types, the open days.
pub fn options_json(
    rules: &SlotRules,
    hall: &LocalText,
    business: &[(BusinessCode, LocalText)],
    now: Timestamp,
) -> serde_json::Value {
    let business: Vec<_> = business
        .iter()
        .map(|(code, name)| json!({ "code": code.as_str(), "zh": name.zh, "en": name.en }))
        .collect();
    let days: Vec<u32> = days(rules, now).into_iter().map(|d| d.0).collect();
    json!({
        "hall": { "zh": hall.zh, "en": hall.en },
        "business": business,
        "days": days,
        "slot_min": rules.slot_min,
        "per_person_daily": rules.per_person_daily,
    })
}

/// `GET …/api/slots`'s query.
#[derive(Debug, Deserialize)]
pub struct SlotsQuery {
    /// The business type's code.
    pub business: String,
    /// The day; none: today.
    pub day: Option<u32>,
}

impl SlotsQuery {
    /// The bookable business type and the day asked, or `422 not_bookable`.
    pub fn read(
        &self,
        rules: &SlotRules,
        now: Timestamp,
    ) -> Result<(BusinessCode, BusinessDay), ApiError> {
        let business = BusinessCode::new(&self.business)
            .ok()
            .filter(|b| rules.capacity_of(b).is_some())
            .ok_or_else(|| {
                ApiError::from(BookingError::NotBookable(
                    BusinessCode::new("unknown").unwrap_or_else(|_| unreachable!("a valid code")),
                ))
            })?;
        let day = match self.day {
            Some(d) => BusinessDay(d),
            None => time::local(now, rules.utc_offset_min).0,
        };
        Ok((business, day))
    }
}

/// `GET …/api/slots`'s answer.
pub fn slots_json(
    business: &BusinessCode,
    day: BusinessDay,
    views: &[SlotView],
) -> serde_json::Value {
    let slots: Vec<_> = views
        .iter()
        .map(|s| {
            json!({
                "start_min": s.start_min,
                "time": hhmm(s.start_min),
                "capacity": s.capacity,
                "left": s.capacity.saturating_sub(s.booked),
                "open": s.open,
            })
        })
        .collect();
    json!({ "business": business.as_str(), "day": day.0, "slots": slots })
}

/// `POST …/api/otp`'s body.
#[derive(Debug, Deserialize)]
pub struct OtpBody {
    /// The number to send the code to.
    pub mobile: String,
}

/// `POST …/api/bookings`'s body.
#[derive(Debug, Deserialize)]
pub struct BookBody {
    /// The business type's code.
    pub business: String,
    /// The day, `YYYYMMDD`.
    pub day: u32,
    /// The slot's start, local minutes.
    pub start_min: u32,
    /// The customer's number.
    pub mobile: String,
    /// The one-time code sent to it.
    pub otp: String,
}

impl BookBody {
    /// The business type, or `400 bad_request`.
    pub fn business(&self) -> Result<BusinessCode, ApiError> {
        BusinessCode::new(&self.business)
            .map_err(|_| ApiError::bad("business is not a business type's code", "业务类型无效"))
    }
}

/// `POST …/api/bookings/{code}/cancel`'s body.
#[derive(Debug, Deserialize)]
pub struct CancelBody {
    /// The holder's number.
    pub mobile: String,
}

/// `POST …/api/bookings/{code}/change`'s body.
#[derive(Debug, Deserialize)]
pub struct ChangeBody {
    /// The holder's number.
    pub mobile: String,
    /// The new day.
    pub day: u32,
    /// The new slot's start.
    pub start_min: u32,
}

/// The answer to a booking made (`201`) or changed or cancelled (`200`).
pub fn booking_response(status: StatusCode, b: &Booking) -> Response {
    (status, axum::Json(booking_json(b))).into_response()
}
