//! The booking API and page under `/book` (docs/booking.md): JSON for apps, one HTML page for
//! phones. Reads come from the book's view (the writer's copy after each commit); every change
//! goes to the single writer and is answered after its journal commit.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hallq_booking::{Book, Booking, BookingCode, BookingError, BookingStatus, SlotRules};
use hallq_proto::{BusinessCode, BusinessDay, LocalText, Phone, time};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{mpsc, oneshot, watch};

use super::otp::{OtpError, OtpGuard, OtpSender};
use super::{Answer, Asked, Refused, Request};
use crate::clock::Clock;

/// What the routes share.
#[derive(Debug)]
pub struct Api {
    /// The hall's rules.
    pub rules: SlotRules,
    /// The hall's name.
    pub hall: LocalText,
    /// The bookable business types with their names, in the hall's order.
    pub business: Vec<(BusinessCode, LocalText)>,
    /// The hub's clock.
    pub clock: Arc<dyn Clock>,
    /// The book as last committed.
    pub view: watch::Receiver<Arc<Book>>,
    /// The way to the single writer.
    pub writer: mpsc::Sender<Asked>,
    /// One-time codes.
    pub otp: OtpGuard,
    /// Where codes go.
    pub sender: Box<dyn OtpSender>,
}

/// The routes, all under `/book`.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/book", get(super::page::page))
        .route("/book/api/options", get(options))
        .route("/book/api/slots", get(slots))
        .route("/book/api/otp", post(otp))
        .route("/book/api/bookings", post(book))
        .route("/book/api/bookings/{code}/cancel", post(cancel))
        .route("/book/api/bookings/{code}/change", post(change))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "页面不存在",
                "No such page.",
            )
        })
        .with_state(api)
}

/// Serves the routes on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, api: Arc<Api>) {
    if let Err(error) = axum::serve(listener, router(api)).await {
        tracing::error!(%error, "the booking endpoint stopped");
    }
}

/// A JSON error: `{"error": {"code", "zh", "en"}}` with its HTTP status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    zh: String,
    en: String,
}

impl ApiError {
    fn new(
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

    fn bad(what: &str, zh: &str) -> Self {
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
            OtpError::NotSent => StatusCode::SERVICE_UNAVAILABLE,
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

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Book(e) => e.into(),
            Refused::Off => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "booking_off",
                "本厅暂不接受预约",
                "This hall takes no bookings.",
            ),
            Refused::Internal => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "internal",
                "系统暂时无法记录，请稍后再试",
                "The hall could not record this; please try again later.",
            ),
        }
    }
}

/// Reads a JSON body into `T`, or a clear error (axum's own says nothing in Chinese).
fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad(
            &format!("the body is not the expected JSON ({e})"),
            "请求格式错误",
        )
    })
}

fn phone(s: &str) -> Result<Phone, ApiError> {
    Phone::parse(s).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_mobile",
            "手机号码格式错误，请输入 11 位手机号",
            "Not a mobile number: 11 digits, starting with 13 to 19.",
        )
    })
}

fn code(s: &str) -> Result<BookingCode, ApiError> {
    BookingCode::parse(s).map_err(ApiError::from)
}

/// `HH:MM` of local minutes.
pub fn hhmm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

fn booking_json(b: &Booking) -> serde_json::Value {
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

impl Api {
    /// Today and the days of the horizon the hall is open.
    pub fn days(&self) -> Vec<BusinessDay> {
        let today = time::local(self.clock.now(), self.rules.utc_offset_min).0;
        (0..=i64::from(self.rules.horizon_days))
            .map(|n| {
                let (y, m, d) = time::civil_from_days(time::day_number(today) + n);
                BusinessDay(u32::try_from(y * 10_000).unwrap_or(0) + m * 100 + d)
            })
            .filter(|d| self.rules.is_open_day(*d))
            .collect()
    }

    async fn ask(&self, request: Request) -> Result<Booking, ApiError> {
        let (answer, rx) = oneshot::channel::<Answer>();
        self.writer
            .send(Asked { request, answer })
            .await
            .map_err(|_| ApiError::from(Refused::Internal))?;
        Ok(rx.await.map_err(|_| ApiError::from(Refused::Internal))??)
    }
}

async fn options(State(api): State<Arc<Api>>) -> Response {
    let business: Vec<_> = api
        .business
        .iter()
        .map(|(code, name)| json!({ "code": code.as_str(), "zh": name.zh, "en": name.en }))
        .collect();
    let days: Vec<u32> = api.days().into_iter().map(|d| d.0).collect();
    axum::Json(json!({
        "hall": { "zh": api.hall.zh, "en": api.hall.en },
        "business": business,
        "days": days,
        "slot_min": api.rules.slot_min,
        "per_person_daily": api.rules.per_person_daily,
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct SlotsQuery {
    business: String,
    day: Option<u32>,
}

async fn slots(
    State(api): State<Arc<Api>>,
    Query(q): Query<SlotsQuery>,
) -> Result<Response, ApiError> {
    let business = BusinessCode::new(&q.business)
        .ok()
        .filter(|b| api.rules.capacity_of(b).is_some())
        .ok_or_else(|| {
            ApiError::from(BookingError::NotBookable(
                BusinessCode::new("unknown").unwrap_or_else(|_| unreachable!("a valid code")),
            ))
        })?;
    let now = api.clock.now();
    let day = match q.day {
        Some(d) => BusinessDay(d),
        None => time::local(now, api.rules.utc_offset_min).0,
    };
    let book = api.view.borrow().clone();
    let slots: Vec<_> = book
        .slots(&api.rules, &business, day, now)
        .into_iter()
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
    Ok(
        axum::Json(json!({ "business": business.as_str(), "day": day.0, "slots": slots }))
            .into_response(),
    )
}

#[derive(Debug, Deserialize)]
struct OtpBody {
    mobile: String,
}

async fn otp(State(api): State<Arc<Api>>, bytes: Bytes) -> Result<Response, ApiError> {
    let b: OtpBody = body(&bytes)?;
    let phone = phone(&b.mobile)?;
    api.otp
        .issue(&phone, api.clock.now(), api.sender.as_ref())
        .await?;
    Ok(axum::Json(json!({ "sent": true, "to": phone.masked() })).into_response())
}

#[derive(Debug, Deserialize)]
struct BookBody {
    business: String,
    day: u32,
    start_min: u32,
    mobile: String,
    otp: String,
}

async fn book(State(api): State<Arc<Api>>, bytes: Bytes) -> Result<Response, ApiError> {
    let b: BookBody = body(&bytes)?;
    let phone = phone(&b.mobile)?;
    let business = BusinessCode::new(&b.business)
        .map_err(|_| ApiError::bad("business is not a business type's code", "业务类型无效"))?;
    api.otp.take(&phone, &b.otp, api.clock.now())?;
    let booking = api
        .ask(Request::Book {
            phone,
            business,
            day: BusinessDay(b.day),
            start_min: b.start_min,
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(booking_json(&booking))).into_response())
}

#[derive(Debug, Deserialize)]
struct CancelBody {
    mobile: String,
}

async fn cancel(
    State(api): State<Arc<Api>>,
    Path(c): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b: CancelBody = body(&bytes)?;
    let request = Request::Cancel {
        code: code(&c)?,
        phone: phone(&b.mobile)?,
    };
    Ok(axum::Json(booking_json(&api.ask(request).await?)).into_response())
}

#[derive(Debug, Deserialize)]
struct ChangeBody {
    mobile: String,
    day: u32,
    start_min: u32,
}

async fn change(
    State(api): State<Arc<Api>>,
    Path(c): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b: ChangeBody = body(&bytes)?;
    let request = Request::Change {
        code: code(&c)?,
        phone: phone(&b.mobile)?,
        day: BusinessDay(b.day),
        start_min: b.start_min,
    };
    Ok(axum::Json(booking_json(&api.ask(request).await?)).into_response())
}
