//! The pages' live numbers as server-sent events (`/live?page=…`): the cells of a page that
//! carry a key, sent as one JSON object whenever one of them changes; the role is checked as the
//! page checks it, and the session again at every change.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

use super::view::{Lang, Page};
use super::{App, Console, Fail, SESSION_COOKIE, cookie, now, pages, request};
use crate::user::{self, User};

/// Which page's numbers a live stream carries.
#[derive(Debug, Clone)]
enum LivePage {
    Chain(u32),
    Region(String, u32),
    Hall(String),
}

async fn build_live(app: &Console, u: &User, l: Lang, which: &LivePage) -> Result<Page, Fail> {
    let t = now();
    match which {
        LivePage::Chain(m) => super::chain::chain(app, u, l, *m, t).await,
        LivePage::Region(r, m) => pages::region(app, u, l, r, *m, t).await,
        LivePage::Hall(h) => pages::hall(app, u, l, h, None, t).await,
    }
}

/// The live numbers of a page, as server-sent events: a JSON object {key: text} whenever one of
/// them changes. The session is checked again at every change: an expired one ends the stream.
pub(super) async fn live(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (p, u, l) = match request(&app, &headers, q, &["lang", "month", "page", "id"]).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let month = p.month.unwrap_or(pages::now_month(&app, now()));
    let which = match (p.page.as_deref(), p.id) {
        (Some("chain"), None) => LivePage::Chain(month),
        (Some("region"), Some(r)) => LivePage::Region(r, month),
        (Some("hall"), Some(h)) => LivePage::Hall(h),
        _ => {
            return Fail::bad(
                "page 须为 chain、region（带 id）或 hall（带 id）",
                "page must be chain, region (with id) or hall (with id)",
            )
            .into_response();
        }
    };
    // The first answer checks the role as the page does.
    let first = match build_live(&app, &u, l, &which).await {
        Ok(page) => page.live_values(),
        Err(f) => return f.into_response(),
    };
    let token = cookie(&headers, SESSION_COOKIE)
        .unwrap_or_default()
        .to_owned();
    let rx = app.changes.subscribe();
    let state = (
        app,
        u,
        which,
        rx,
        token,
        None::<std::collections::BTreeMap<String, String>>,
        Some(first),
    );
    let stream = futures_util::stream::unfold(
        state,
        move |(app, u, which, mut rx, token, last, first)| async move {
            if let Some(v) = first {
                let data = serde_json::to_string(&v).unwrap_or_default();
                return Some((
                    Ok::<Event, std::convert::Infallible>(Event::default().data(data)),
                    (app, u, which, rx, token, Some(v), None),
                ));
            }
            loop {
                rx.changed().await.ok()?;
                let db = app.db().await.ok()?;
                user::session(&db, &token).await.ok()??;
                let Ok(page) = build_live(&app, &u, l, &which).await else {
                    continue;
                };
                let v = page.live_values();
                if last.as_ref() != Some(&v) {
                    let data = serde_json::to_string(&v).unwrap_or_default();
                    return Some((
                        Ok(Event::default().data(data)),
                        (app, u, which, rx, token, Some(v), None),
                    ));
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
