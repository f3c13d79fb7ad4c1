//! HQ's booking page and JSON API, one per hall it is booking master of, under `/book/<hall>`:
//! the hub's routes and shapes (hallq-booking's `web`) with the hall in the path. Every change
//! is one PostgreSQL transaction ([`super::store`]), answered after its commit; any number of HQ
//! processes may serve the same halls on one database.
//!
//! The one-time codes are hallq-booking's guard (the hub's rules) over PostgreSQL
//! ([`super::otp`]): a code asked at one HQ process is taken at any, once.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hallq_booking::web::otp::{OtpGuard, OtpLimits, OtpSender};
use hallq_booking::web::{
    self, ApiError, BookBody, CancelBody, ChangeBody, OtpBody, SlotsQuery, body, booking_response,
    code, phone,
};
use hallq_booking::{BookingCode, BookingError, SlotRules};
use hallq_proto::{BusinessCode, BusinessDay, LocalText, Timestamp};
use serde_json::json;

use super::otp::PgOtpStore;
use super::pool::Pool;
use super::store::{Failed, HallBook, Slot};
use super::{BookingSettings, Keys};
use crate::error::HqError;

/// One hall's side of the API.
#[derive(Debug)]
struct Hall {
    /// Its name.
    name: LocalText,
    /// Its bookable types with their names, in code order.
    business: Vec<(BusinessCode, LocalText)>,
    /// Its rules.
    rules: SlotRules,
    /// Where its codes go (signed with its name).
    sender: Box<dyn OtpSender>,
}

/// What the routes share.
#[derive(Debug)]
pub struct Bookings {
    halls: BTreeMap<String, Hall>,
    keys: Keys,
    /// The one-time codes, shared with every HQ process through the database.
    otp: OtpGuard,
    db: Arc<Pool>,
}

impl Bookings {
    /// The API of `settings`' halls on the store `pg`; `Err` says what cannot be used.
    pub fn new(settings: &BookingSettings, pg: tokio_postgres::Config) -> Result<Self, HqError> {
        let bad = |reason: String| HqError::Config {
            path: "hq.toml".into(),
            reason,
        };
        let key_file = settings
            .key_file
            .as_deref()
            .ok_or_else(|| bad("[booking] key_file 未设置 / [booking] needs key_file".into()))?;
        let keys = Keys::load(key_file)?;
        if settings.otp == super::OtpChoice::Log {
            tracing::warn!(
                "[booking] otp = \"log\": one-time codes go only to this log, no SMS is sent (demo only) / 验证码仅写入日志，不发短信（仅供演示）"
            );
        }
        let mut halls = BTreeMap::new();
        for (id, h) in &settings.halls {
            let business = h
                .rules
                .capacity
                .keys()
                .filter(|b| h.rules.capacity_of(b).is_some())
                .map(|b| {
                    let name = h.business.get(b).cloned().unwrap_or_else(|| LocalText {
                        zh: b.as_str().into(),
                        en: b.as_str().into(),
                    });
                    (b.clone(), name)
                })
                .collect();
            let sender = settings.otp_sender(&h.name.zh).map_err(bad)?;
            halls.insert(
                id.clone(),
                Hall {
                    name: h.name.clone(),
                    business,
                    rules: h.rules.clone(),
                    sender,
                },
            );
        }
        let db = Arc::new(Pool::new(pg));
        let otp = OtpGuard::with_store(
            OtpLimits {
                per_hour: settings.otp_per_hour,
                attempts: settings.otp_attempts,
                ttl_secs: settings.otp_ttl_secs,
            },
            &keys.otp_key(),
            Arc::new(PgOtpStore::new(Arc::clone(&db))),
        );
        Ok(Self {
            halls,
            keys,
            otp,
            db,
        })
    }

    /// The book of hall `id`, for a booking, a change or a cancellation.
    fn book(&self, id: &str) -> Result<HallBook<'_>, ApiError> {
        let (hall, h) = self.hall(id)?;
        Ok(HallBook {
            hall,
            rules: &h.rules,
        })
    }

    fn hall(&self, id: &str) -> Result<(&str, &Hall), ApiError> {
        self.halls
            .get_key_value(id)
            .map(|(k, h)| (k.as_str(), h))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_hall",
                    "没有这个营业厅的预约",
                    "No bookings are taken here for such a hall.",
                )
            })
    }
}

/// The routes, all under `/book/<hall>`.
pub fn router(api: Arc<Bookings>) -> Router {
    Router::new()
        .route("/book/{hall}", get(page))
        .route("/book/{hall}/api/options", get(options))
        .route("/book/{hall}/api/slots", get(slots))
        .route("/book/{hall}/api/otp", post(otp))
        .route("/book/{hall}/api/bookings", post(book))
        .route("/book/{hall}/api/bookings/{code}/cancel", post(cancel))
        .route("/book/{hall}/api/bookings/{code}/change", post(change))
        .fallback(|| async { web::not_found() })
        .with_state(api)
}

/// Serves the routes on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, api: Arc<Bookings>) {
    if let Err(error) = axum::serve(listener, router(api)).await {
        tracing::error!(%error, "the booking pages stopped");
    }
}

/// HQ's clock: bookings are decided at HQ's time (the hall's clock is the hall's; HQ is the
/// booking master here).
#[allow(
    clippy::disallowed_methods,
    reason = "HQ's own clock decides HQ's bookings, as the hub's clock decides the hub's"
)]
fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Timestamp(ms)
}

impl From<Failed> for ApiError {
    fn from(f: Failed) -> Self {
        match f {
            Failed::Book(e) => e.into(),
            Failed::Store(e) => {
                tracing::warn!(error = %e, "a booking could not be stored / 预约未能保存");
                web::internal()
            }
        }
    }
}

async fn page(State(api): State<Arc<Bookings>>, Path(hall): Path<String>) -> Response {
    match api.hall(&hall) {
        Ok((id, h)) => web::page::page(&format!("/book/{id}"), &h.name).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn options(
    State(api): State<Arc<Bookings>>,
    Path(hall): Path<String>,
) -> Result<Response, ApiError> {
    let (_, h) = api.hall(&hall)?;
    Ok(axum::Json(web::options_json(&h.rules, &h.name, &h.business, now())).into_response())
}

async fn slots(
    State(api): State<Arc<Bookings>>,
    Path(hall): Path<String>,
    Query(q): Query<SlotsQuery>,
) -> Result<Response, ApiError> {
    let book = api.book(&hall)?;
    let now = now();
    let (business, day) = q.read(book.rules, now)?;
    handover_done(&api, book.hall, day).await?;
    let db = api.db.get().await?;
    let views = book
        .slots(db.client(), &business, day, now)
        .await
        .map_err(|e| ApiError::from(Failed::Store(e)))?;
    Ok(axum::Json(web::slots_json(&business, day, &views)).into_response())
}

async fn otp(
    State(api): State<Arc<Bookings>>,
    Path(hall): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (id, h) = api.hall(&hall)?;
    let b: OtpBody = body(&bytes)?;
    let phone = phone(&b.mobile)?;
    api.otp.issue(id, &phone, now(), h.sender.as_ref()).await?;
    Ok(axum::Json(json!({ "sent": true, "to": phone.masked() })).into_response())
}

/// How many fresh codes a booking draws before giving up: a collision in 40 random bits is
/// rare, two in a row a fault.
const CODE_DRAWS: usize = 4;

async fn book(
    State(api): State<Arc<Bookings>>,
    Path(hall): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let book = api.book(&hall)?;
    let b: BookBody = body(&bytes)?;
    let phone = phone(&b.mobile)?;
    let business = b.business()?;
    handover_done(&api, book.hall, BusinessDay(b.day)).await?;
    api.otp.take(book.hall, &phone, &b.otp, now()).await?;
    let person = api.keys.person(book.hall, &phone);
    let slot = Slot {
        business,
        day: BusinessDay(b.day),
        start_min: b.start_min,
    };
    let mut db = api.db.get().await?;
    for _ in 0..CODE_DRAWS {
        let code = BookingCode::from_random(random_u64()?);
        let made = book
            .book(db.client_mut(), now(), &code, &person, &slot)
            .await;
        match made {
            Err(Failed::Book(BookingError::CodeTaken)) => continue,
            made => return Ok(booking_response(StatusCode::CREATED, &made?)),
        }
    }
    Err(web::internal())
}

async fn cancel(
    State(api): State<Arc<Bookings>>,
    Path((hall, c)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let book = api.book(&hall)?;
    let b: CancelBody = body(&bytes)?;
    let (code, phone) = (code(&c)?, phone(&b.mobile)?);
    let mut db = api.db.get().await?;
    let done = book
        .cancel(
            db.client_mut(),
            now(),
            &code,
            &api.keys.person(book.hall, &phone),
        )
        .await?;
    Ok(booking_response(StatusCode::OK, &done))
}

async fn change(
    State(api): State<Arc<Bookings>>,
    Path((hall, c)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let book = api.book(&hall)?;
    let b: ChangeBody = body(&bytes)?;
    let (code, phone) = (code(&c)?, phone(&b.mobile)?);
    handover_done(&api, book.hall, BusinessDay(b.day)).await?;
    let mut db = api.db.get().await?;
    let done = book
        .change(
            db.client_mut(),
            now(),
            &code,
            &api.keys.person(book.hall, &phone),
            BusinessDay(b.day),
            b.start_min,
        )
        .await?;
    Ok(booking_response(StatusCode::OK, &done))
}

/// Refuses `day` of `hall` with `503 handover_pending` while HQ waits for the hall's open
/// bookings ([`super::handover::pending`]): HQ's counts of those days are not whole yet.
async fn handover_done(api: &Bookings, hall: &str, day: BusinessDay) -> Result<(), ApiError> {
    let db = api.db.get().await?;
    let from = super::handover::pending(db.client(), hall)
        .await
        .map_err(|e| ApiError::from(Failed::Store(e)))?;
    match from {
        Some(from) if day >= from => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "handover_pending",
            "该厅预约正在移交总部，请稍后再试",
            "This hall's bookings are moving to the chain's page; try again shortly.",
        )),
        _ => Ok(()),
    }
}

/// 64 random bits from the system, for a booking code.
fn random_u64() -> Result<u64, ApiError> {
    let mut bytes = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| web::internal())?;
    Ok(u64::from_le_bytes(bytes))
}
