//! The web module: `GET /t/{token}` (the page), `GET /t/{token}/live` (its live part, as
//! JSON), `GET /t/{token}/events` (the live part at every change, server-sent events) and
//! `POST /t/{token}/rate` (a grade), `POST /t/{token}/notice` (the lead time of "tell me when
//! my turn is near"). Anything else, or a token that opens nothing, gets a
//! bilingual page with 404 (not a ticket of this hall) or 410 (another day's ticket).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hallq_proto::{CommandId, Score, TicketId};
use maud::Markup;

use crate::page;
use crate::token::{TokenCheck, TokenError, TokenKey};
use crate::view::{Board, NoticeLead, RateError, TicketSource, TicketState, TicketView};

/// What the handlers share.
struct Phone {
    source: Arc<dyn TicketSource>,
    key: Arc<dyn TokenCheck>,
}

/// The page's routes over `source`, its tokens checked with the hall's `key` (the hub).
pub fn router(source: Arc<dyn TicketSource>, key: Arc<TokenKey>) -> Router {
    router_with(source, key)
}

/// The page's routes over `source`, its tokens checked by `key`: the hall's key at the hub,
/// the tokens the hall sent at HQ (`crate::wire::Listed`).
pub fn router_with(source: Arc<dyn TicketSource>, key: Arc<dyn TokenCheck>) -> Router {
    Router::new()
        .route("/t/{token}", get(show))
        .route("/t/{token}/live", get(live))
        .route("/t/{token}/events", get(events))
        .route("/t/{token}/rate", post(rate))
        .route("/t/{token}/notice", post(notice))
        .fallback(not_found)
        .with_state(Arc::new(Phone { source, key }))
}

/// A bilingual page with `status`, never cached.
fn html(status: StatusCode, body: Markup) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.into_string(),
    )
        .into_response()
}

async fn not_found() -> Response {
    html(StatusCode::NOT_FOUND, page::refusal(false))
}

impl Phone {
    /// The ticket `token` opens today, with the board it is on; or the page that says why not.
    fn open(&self, token: &str) -> Result<(Arc<Board>, TicketId, TicketView), Response> {
        let board = Arc::clone(&self.source.board().borrow());
        let Some(today) = board.day else {
            return Err(html(
                StatusCode::SERVICE_UNAVAILABLE,
                page::message_page("营业厅尚未开始营业", "The hall has not opened yet"),
            ));
        };
        let ticket = match self.key.verify(token, today) {
            Ok(t) => t,
            Err(TokenError::OtherDay) => return Err(html(StatusCode::GONE, page::refusal(true))),
            Err(TokenError::Malformed | TokenError::Forged) => {
                return Err(html(StatusCode::NOT_FOUND, page::refusal(false)));
            }
        };
        // A genuine token of today whose ticket the hall does not know (a journal started
        // over): nothing to show.
        match board.tickets.get(&ticket).cloned() {
            Some(v) => Ok((board, ticket, v)),
            None => Err(html(StatusCode::NOT_FOUND, page::refusal(false))),
        }
    }
}

async fn show(
    State(phone): State<Arc<Phone>>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (board, _, view) = match phone.open(&token) {
        Ok(v) => v,
        Err(page) => return page,
    };
    let en = query.is_some_and(|q| q.split('&').any(|p| p == "lang=en"));
    let choices = &board.notice_choices;
    html(
        StatusCode::OK,
        page::page(&board.hall, &view, choices, &token, en),
    )
}

/// The live part as the script takes it: `{"state": …, "html": …}`.
fn live_json(view: &TicketView, choices: &[NoticeLead], token: &str) -> String {
    let html = page::live(view, choices, token).into_string();
    serde_json::json!({ "state": page::state_kind(view), "html": html }).to_string()
}

async fn live(State(phone): State<Arc<Phone>>, Path(token): Path<String>) -> Response {
    match phone.open(&token) {
        Ok((board, _, view)) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            live_json(&view, &board.notice_choices, &token),
        )
            .into_response(),
        Err(page) => page,
    }
}

async fn events(State(phone): State<Arc<Phone>>, Path(token): Path<String>) -> Response {
    let (board, ticket, _) = match phone.open(&token) {
        Ok(v) => v,
        Err(page) => return page,
    };
    let day = board.day;
    let rx = phone.source.board();
    // The first event now (a reconnect after sleep gets the present at once), then one per
    // change of this ticket; the stream ends when the day turns or the ticket leaves the board,
    // and the browser's reconnect then gets the page saying why. The token was checked above,
    // once: every open page wakes at every change of the board (thousands of pages, several
    // changes a call), and a wake costs a look-up, not a MAC and a copy.
    let stream = futures_util::stream::unfold(
        (rx, None::<TicketView>, ticket, token),
        move |(mut rx, last, ticket, token)| async move {
            loop {
                if last.is_some() && rx.changed().await.is_err() {
                    return None;
                }
                let board = Arc::clone(&rx.borrow_and_update());
                if board.day != day {
                    return None;
                }
                let view = board.tickets.get(&ticket)?;
                if last.as_ref() == Some(view) {
                    continue;
                }
                let mut event = Event::default().event("ticket").data(live_json(
                    view,
                    &board.notice_choices,
                    &token,
                ));
                if last.is_none() {
                    event = event.retry(Duration::from_secs(3));
                }
                let view = view.clone();
                return Some((Ok::<_, Infallible>(event), (rx, Some(view), ticket, token)));
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The rating form.
#[derive(Debug, serde::Deserialize)]
struct RateForm {
    score: Score,
}

async fn rate(
    State(phone): State<Arc<Phone>>,
    Path(token): Path<String>,
    form: Result<Form<RateForm>, FormRejection>,
) -> Response {
    let (_, ticket, view) = match phone.open(&token) {
        Ok(v) => v,
        Err(page) => return page,
    };
    let Ok(Form(form)) = form else {
        return html(
            StatusCode::BAD_REQUEST,
            page::message_page("无法识别的评价", "This rating was not understood"),
        );
    };
    let back = Redirect::to(&format!("/t/{token}")).into_response();
    if !view.rateable() {
        // Rated already (or not served): the page shows where the ticket is.
        return back;
    }
    // One command per token: a second click, a replay or a second page is the same command.
    let Ok(command) = CommandId::new(format!("phone-rate-{token}")) else {
        return html(StatusCode::NOT_FOUND, page::refusal(false));
    };
    match phone.source.rate(&ticket, command, form.score).await {
        Ok(()) | Err(RateError::NotRateable) => back,
        Err(RateError::Unavailable(why)) => {
            tracing::warn!(%why, "a rating from the phone page was not recorded");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                page::message_page(
                    "评价暂未记录，请稍后再试",
                    "Your rating was not recorded; please try again shortly",
                ),
            )
        }
    }
}

/// The notice form.
#[derive(Debug, serde::Deserialize)]
struct NoticeForm {
    lead: String,
}

async fn notice(
    State(phone): State<Arc<Phone>>,
    Path(token): Path<String>,
    form: Result<Form<NoticeForm>, FormRejection>,
) -> Response {
    let (board, ticket, view) = match phone.open(&token) {
        Ok(v) => v,
        Err(page) => return page,
    };
    // Only a lead time the hall offers.
    let lead = form
        .ok()
        .and_then(|Form(f)| NoticeLead::parse(&f.lead))
        .filter(|l| board.notice_choices.contains(l));
    let Some(lead) = lead else {
        return html(
            StatusCode::BAD_REQUEST,
            page::message_page(
                "无法识别的提醒设置",
                "This notice choice was not understood",
            ),
        );
    };
    let back = Redirect::to(&format!("/t/{token}")).into_response();
    if view.state != TicketState::Waiting || view.notice.is_some() {
        // Called, gone, or chosen already: the page shows where the ticket is.
        return back;
    }
    match phone.source.ask_notice(&ticket, lead).await {
        Ok(()) | Err(RateError::NotRateable) => back,
        Err(RateError::Unavailable(why)) => {
            tracing::warn!(%why, "a notice asked on the phone page was not recorded");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                page::message_page(
                    "提醒暂未设置，请稍后再试",
                    "The notice was not set; please try again shortly",
                ),
            )
        }
    }
}
