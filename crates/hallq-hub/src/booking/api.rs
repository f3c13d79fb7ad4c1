//! The booking API and page under `/book` (docs/booking.md): JSON for apps, one HTML page for
//! phones (their shapes, errors and page are hallq-booking's `web`, shared with HQ). Reads come from the book's view (the writer's copy after each commit); every change
//! goes to the single writer and is answered after its journal commit.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hallq_booking::web::{
    self, ApiError, BookBody, CancelBody, ChangeBody, OtpBody, SlotsQuery, body, booking_response,
    code, page, phone,
};
use hallq_booking::{Book, Booking, SlotRules};
use hallq_proto::{BusinessCode, BusinessDay, LocalText};
use serde_json::json;
use tokio::sync::{mpsc, oneshot, watch};

use super::otp::{OtpGuard, OtpSender};
use super::{Answer, Asked, Refused, Request};
use crate::clock::Clock;

/// The one-time codes' hall: the hub's guard serves its own hall only.
const HALL: &str = "";

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
    /// While HQ sells this hall's bookings (hall.toml's `master = "hq"`, or HQ's published
    /// document from its day on: the writer says): HQ's booking page; booking, changing,
    /// cancelling and codes are refused with `409 booking_at_hq` naming it.
    pub at_hq: watch::Receiver<Option<String>>,
}

impl Api {
    /// `409 booking_at_hq` when HQ is this hall's booking master.
    fn here(&self) -> Result<(), ApiError> {
        match self.at_hq.borrow().as_deref() {
            Some(url) => Err(web::at_hq(url)),
            None => Ok(()),
        }
    }
}

/// The routes, all under `/book`.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route(
            "/book",
            get(|State(api): State<Arc<Api>>| async move { page::page("/book", &api.hall) }),
        )
        .route("/book/api/options", get(options))
        .route("/book/api/slots", get(slots))
        .route("/book/api/otp", post(otp))
        .route("/book/api/bookings", post(book))
        .route("/book/api/bookings/{code}/cancel", post(cancel))
        .route("/book/api/bookings/{code}/change", post(change))
        .fallback(|| async { web::not_found() })
        .with_state(api)
}

/// Serves the routes on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, api: Arc<Api>) {
    if let Err(error) = axum::serve(listener, router(api)).await {
        tracing::error!(%error, "the booking endpoint stopped");
    }
}

impl From<Refused> for ApiError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Book(e) => e.into(),
            Refused::Off => web::off(),
            Refused::AtHq(url) => web::at_hq(&url),
            Refused::Internal => web::internal(),
        }
    }
}

impl Api {
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
    let now = api.clock.now();
    axum::Json(web::options_json(&api.rules, &api.hall, &api.business, now)).into_response()
}

async fn slots(
    State(api): State<Arc<Api>>,
    Query(q): Query<SlotsQuery>,
) -> Result<Response, ApiError> {
    let now = api.clock.now();
    let (business, day) = q.read(&api.rules, now)?;
    let book = api.view.borrow().clone();
    let views = book.slots(&api.rules, &business, day, now);
    Ok(axum::Json(web::slots_json(&business, day, &views)).into_response())
}

async fn otp(State(api): State<Arc<Api>>, bytes: Bytes) -> Result<Response, ApiError> {
    api.here()?;
    let b: OtpBody = body(&bytes)?;
    let phone = phone(&b.mobile)?;
    api.otp
        .issue(HALL, &phone, api.clock.now(), api.sender.as_ref())
        .await?;
    Ok(axum::Json(json!({ "sent": true, "to": phone.masked() })).into_response())
}

async fn book(State(api): State<Arc<Api>>, bytes: Bytes) -> Result<Response, ApiError> {
    api.here()?;
    let b: BookBody = body(&bytes)?;
    let phone = phone(&b.mobile)?;
    let business = b.business()?;
    api.otp.take(HALL, &phone, &b.otp, api.clock.now()).await?;
    let booking = api
        .ask(Request::Book {
            phone,
            business,
            day: BusinessDay(b.day),
            start_min: b.start_min,
        })
        .await?;
    Ok(booking_response(StatusCode::CREATED, &booking))
}

async fn cancel(
    State(api): State<Arc<Api>>,
    Path(c): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    api.here()?;
    let b: CancelBody = body(&bytes)?;
    let request = Request::Cancel {
        code: code(&c)?,
        phone: phone(&b.mobile)?,
    };
    Ok(booking_response(StatusCode::OK, &api.ask(request).await?))
}

async fn change(
    State(api): State<Arc<Api>>,
    Path(c): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    api.here()?;
    let b: ChangeBody = body(&bytes)?;
    let request = Request::Change {
        code: code(&c)?,
        phone: phone(&b.mobile)?,
        day: BusinessDay(b.day),
        start_min: b.start_min,
    };
    Ok(booking_response(StatusCode::OK, &api.ask(request).await?))
}
