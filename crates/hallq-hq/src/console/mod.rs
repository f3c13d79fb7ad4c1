//! The HQ web console (issue 14 §4): server-rendered pages (maud) with live numbers over
//! server-sent events, CSV of every table, logins by role. No single-page app: each page is
//! HTML from the server; a dozen lines of inline script apply the live updates.
//!
//! | path | page | who |
//! |---|---|---|
//! | `/` | the chain: regions' KPIs against targets, halls missing one, halls offline | HQ staff; a regional manager sees their region |
//! | `/region/{r}` | a region's halls with their live floor and KPIs | HQ staff, that region's manager |
//! | `/hall/{h}` | a hall: live floor, KPIs by month, the month's report tables, open complaints | HQ staff, its region's manager, its manager |
//! | `/complaints` | open complaints by time left | everyone, within their scope |
//! | `/compare?kpi=` | halls ranked by a KPI, this month and the one before | HQ staff, regional managers |
//! | `/live?page=` | the page's live numbers (SSE) | as the page |
//!
//! Every page takes `?lang=zh|en` (kept in a cookie), `?month=YYYYMM` where it has months and
//! `?csv=TABLE` for a table as CSV. Anything else, or a bad value, is a 400 with its reason in
//! Chinese and English; nothing is stored by a bad request.

mod bookings;
mod chain;
mod complaints;
mod config;
mod data;
mod live;
mod month;
mod pages;
mod view;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hallq_proto::Timestamp;
use hallq_report::Targets;
use maud::html;
use tokio::sync::{Mutex, watch};

use data::Kpi;
use view::{Lang, Page};

use crate::error::HqError;
use crate::user::{self, Scope, User};

/// The session cookie.
const SESSION_COOKIE: &str = "hq_session";
/// The language cookie.
const LANG_COOKIE: &str = "hq_lang";

/// The console's shared state.
#[derive(Debug)]
pub struct Console {
    pg: tokio_postgres::Config,
    db: Mutex<Arc<tokio_postgres::Client>>,
    targets: Targets,
    session: Duration,
    offset_min: i32,
    changes: watch::Sender<u64>,
    /// The halls HQ sells bookings for (`[booking.halls]`): their pages show the booking line
    /// even before the first booking.
    booking_halls: std::collections::BTreeSet<String>,
    /// `[booking] behind_alert_s`, ms: a hall's booking line turns red past it.
    booking_alert_ms: i64,
}

/// A request that cannot be answered as asked: status and reason in both languages.
#[derive(Debug)]
pub struct Fail {
    status: StatusCode,
    zh: String,
    en: String,
}

impl Fail {
    fn new(status: StatusCode, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            status,
            zh: zh.into(),
            en: en.into(),
        }
    }
    fn bad(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, zh, en)
    }
    fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "您的账号无权查看此页",
            "your account may not see this page",
        )
    }
    fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "没有这个页面", "no such page")
    }
}

impl From<HqError> for Fail {
    fn from(e: HqError) -> Self {
        tracing::warn!(error = %e, "console: the store failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "数据库暂时不可用，请稍后再试",
            "the database is not available; try again shortly",
        )
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let body = html! {
            (maud::DOCTYPE)
            html lang="zh" {
                head { meta charset="utf-8"; title { (self.status.as_u16()) } }
                body {
                    p.err lang="zh" { (self.zh) }
                    p.err lang="en" { (self.en) }
                    p { a href="/" { "返回 / back" } }
                }
            }
        };
        (self.status, body).into_response()
    }
}

/// A request's query, checked: only the keys the page takes, each once, each valid.
#[derive(Debug, Default)]
struct Params {
    lang: Option<Lang>,
    month: Option<u32>,
    csv: Option<String>,
    kpi: Option<Kpi>,
    page: Option<String>,
    id: Option<String>,
}

fn params(
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    allowed: &[&str],
) -> Result<Params, Fail> {
    let Query(pairs) = q.map_err(|_| {
        Fail::bad(
            "网址参数无法解析",
            "the address's parameters cannot be read",
        )
    })?;
    let mut p = Params::default();
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in &pairs {
        let Some(key) = allowed.iter().find(|a| **a == k.as_str()) else {
            return Err(Fail::bad(
                format!("此页没有参数 “{k}”"),
                format!("this page takes no parameter “{k}”"),
            ));
        };
        if seen.contains(key) {
            return Err(Fail::bad(
                format!("参数 “{k}” 重复"),
                format!("parameter “{k}” given twice"),
            ));
        }
        seen.push(key);
        match *key {
            "lang" => {
                p.lang = Some(
                    Lang::from_code(v)
                        .ok_or_else(|| Fail::bad("lang 须为 zh 或 en", "lang must be zh or en"))?,
                );
            }
            "month" => {
                let m = v.parse::<u32>().ok().filter(|m| data::valid_month(*m));
                p.month = Some(m.ok_or_else(|| {
                    Fail::bad(
                        "month 须为 YYYYMM，如 202611",
                        "month must be YYYYMM, e.g. 202611",
                    )
                })?);
            }
            "kpi" => {
                p.kpi = Some(Kpi::from_key(v).ok_or_else(|| {
                    Fail::bad(
                        "kpi 须为 satisfaction、within_limit、complaint_resolution 或 wait_service_level",
                        "kpi must be satisfaction, within_limit, complaint_resolution or wait_service_level",
                    )
                })?);
            }
            "csv" => p.csv = Some(v.clone()),
            "page" => p.page = Some(v.clone()),
            "id" => p.id = Some(v.clone()),
            _ => {}
        }
    }
    Ok(p)
}

/// A cookie's value from the request.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// What every page's handler starts with: the query checked against the keys the page takes,
/// the signed-in user (or the login page), and the language asked for.
async fn request(
    app: &Console,
    headers: &HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    allowed: &[&str],
) -> Result<(Params, User, Lang), Response> {
    let p = params(q, allowed).map_err(IntoResponse::into_response)?;
    let u = app.user(headers).await?;
    let l = lang_of(headers, &p);
    Ok((p, u, l))
}

fn lang_of(headers: &HeaderMap, p: &Params) -> Lang {
    p.lang
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::from_code))
        .unwrap_or(Lang::Zh)
}

/// The response with the language cookie set when the request chose a language.
fn with_lang(mut r: Response, p: &Params) -> Response {
    if let Some(l) = p.lang
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            l.code()
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// HQ's clock: what "offline since", complaints' time left and the current month are read at.
/// HQ is above the halls, not one of them; the hub stays each hall's only clock.
#[allow(
    clippy::disallowed_methods,
    reason = "HQ's own clock, as received_at in the store is PostgreSQL's"
)]
fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Timestamp(ms)
}

type App = Arc<Console>;

impl Console {
    /// The console on store `pg` (its first connection `client`), configured by hq.toml.
    pub fn new(
        pg: tokio_postgres::Config,
        cfg: &crate::serve::HqConfig,
        client: tokio_postgres::Client,
    ) -> App {
        Arc::new(Self {
            pg,
            db: Mutex::new(Arc::new(client)),
            targets: cfg.kpi.clone(),
            session: Duration::from_secs(u64::from(cfg.web.session_minutes) * 60),
            offset_min: cfg.web.utc_offset_min,
            changes: watch::channel(0).0,
            booking_halls: cfg.booking.halls.keys().cloned().collect(),
            booking_alert_ms: i64::from(cfg.booking.behind_alert_s) * 1000,
        })
    }

    /// A connection to the store, made again if the last one was lost.
    async fn db(&self) -> Result<Arc<tokio_postgres::Client>, HqError> {
        let mut db = self.db.lock().await;
        if db.is_closed() {
            *db = Arc::new(crate::serve::connect_pg(&self.pg).await?);
        }
        Ok(Arc::clone(&db))
    }

    /// The console's routes.
    pub fn router(self: &App) -> Router {
        Router::new()
            .route("/", get(chain_page))
            .route("/login", get(login_page).post(login_post))
            .route("/logout", post(logout))
            .route("/region/{region}", get(region_page))
            .route("/hall/{hall}", get(hall_page))
            .route("/complaints", get(complaints_page))
            .route("/compare", get(compare_page))
            .route("/live", get(live::live))
            .fallback(|| async { Fail::not_found() })
            .with_state(Arc::clone(self))
    }

    /// Watches the store for what the pages show and wakes the live streams: a status received,
    /// a batch stored (a mark moved), a roll-up refreshed, a booking change sent; and every
    /// 15 s, as "offline since" and a hall's booking line change with time alone. One cheap query a second, whatever the number of viewers.
    pub async fn watch_changes(self: App) {
        let mut last: Option<String> = None;
        let mut beat = 0u32;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            beat += 1;
            let seen = match self.db().await {
                Ok(db) => db
                    .query_one(
                        "SELECT concat_ws('/', (SELECT max(received_at) FROM hall_status),
                                (SELECT max(updated_at) FROM marks), (SELECT count(*) FROM hall_status),
                                (SELECT count(*) FROM rollup_pending),
                                (SELECT max(stream_seq) FROM booking_outbox))",
                        &[],
                    )
                    .await
                    .ok()
                    .map(|r| r.get::<_, String>(0)),
                Err(_) => None,
            };
            if seen.is_some() && seen != last || beat.is_multiple_of(15) {
                last = seen.or(last);
                self.changes.send_modify(|g| *g += 1);
            }
        }
    }

    /// The signed-in user of the request, or a redirect to the login page.
    async fn user(&self, headers: &HeaderMap) -> Result<User, Response> {
        let Some(token) = cookie(headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/login").into_response());
        };
        let db = self.db().await.map_err(|e| Fail::from(e).into_response())?;
        match user::session(&db, token).await {
            Ok(Some(u)) => Ok(u),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(Fail::from(e).into_response()),
        }
    }
}

/// A page as HTML, or one of its tables as CSV (`?csv=NAME`).
fn respond(l: Lang, u: &User, page: Page, p: &Params, here: &str) -> Response {
    if let Some(name) = &p.csv {
        let Some(t) = page.table(name) else {
            return Fail::bad(
                format!("此页没有表格 “{name}”"),
                format!("this page has no table “{name}”"),
            )
            .into_response();
        };
        return match view::csv_bytes(t) {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}.csv\"", t.name),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => Fail::from(HqError::BadInput(e.to_string())).into_response(),
        };
    }
    let body = view::page_body(l, &page, here);
    with_lang(
        view::frame(l, Some(u), &page.title, page.live.as_deref(), here, body).into_response(),
        p,
    )
}

/// `path?month=…` as the page's own address (for its links).
fn here(path: &str, p: &Params) -> String {
    match p.month {
        Some(m) => format!("{path}?month={m}"),
        None => path.to_owned(),
    }
}

async fn chain_page(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (p, u, l) = match request(&app, &headers, q, &["lang", "month", "csv"]).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Scope::Hall(h) = &u.scope {
        return Redirect::to(&format!("/hall/{}", pages::enc(h))).into_response();
    }
    let t = now();
    let month = p.month.unwrap_or(pages::now_month(&app, t));
    match chain::chain(&app, &u, l, month, t).await {
        Ok(page) => respond(l, &u, page, &p, &here("/", &p)),
        Err(f) => f.into_response(),
    }
}

async fn region_page(
    State(app): State<App>,
    headers: HeaderMap,
    region: Result<Path<String>, PathRejection>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (p, u, l) = match request(&app, &headers, q, &["lang", "month", "csv"]).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Ok(Path(region)) = region else {
        return Fail::bad("网址无效", "the address is not valid").into_response();
    };
    let t = now();
    let month = p.month.unwrap_or(pages::now_month(&app, t));
    match pages::region(&app, &u, l, &region, month, t).await {
        Ok(page) => respond(
            l,
            &u,
            page,
            &p,
            &here(&format!("/region/{}", pages::enc(&region)), &p),
        ),
        Err(f) => f.into_response(),
    }
}

async fn hall_page(
    State(app): State<App>,
    headers: HeaderMap,
    hall: Result<Path<String>, PathRejection>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (p, u, l) = match request(&app, &headers, q, &["lang", "month", "csv"]).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Ok(Path(hall)) = hall else {
        return Fail::bad("网址无效", "the address is not valid").into_response();
    };
    match pages::hall(&app, &u, l, &hall, p.month, now()).await {
        Ok(page) => respond(
            l,
            &u,
            page,
            &p,
            &here(&format!("/hall/{}", pages::enc(&hall)), &p),
        ),
        Err(f) => f.into_response(),
    }
}

async fn complaints_page(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (p, u, l) = match request(&app, &headers, q, &["lang", "csv"]).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match complaints::complaints(&app, &u, l, now()).await {
        Ok(page) => respond(l, &u, page, &p, "/complaints"),
        Err(f) => f.into_response(),
    }
}

async fn compare_page(
    State(app): State<App>,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (p, u, l) = match request(&app, &headers, q, &["lang", "month", "csv", "kpi"]).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let t = now();
    let kpi = p.kpi.unwrap_or(Kpi::Satisfaction);
    let month = p.month.unwrap_or(pages::now_month(&app, t));
    let here = format!("/compare?kpi={}&month={month}", kpi.key());
    match pages::compare(&app, &u, l, kpi, month, t).await {
        Ok(page) => respond(l, &u, page, &p, &here),
        Err(f) => f.into_response(),
    }
}

/// The login form's fields.
#[derive(Debug, serde::Deserialize)]
struct LoginForm {
    login: String,
    password: String,
}

fn login_form(l: Lang, error: Option<(&str, &str)>) -> maud::Markup {
    let body = html! {
        h1 { (l.t("登录", "Log in")) }
        @if let Some((zh, en)) = error {
            p.err id="login-error" { (zh) " / " (en) }
        }
        form.login method="post" action="/login" {
            label { (l.t("登录名", "Login")) " " input name="login" autocomplete="username" required maxlength="64"; }
            label { (l.t("密码", "Password")) " " input name="password" type="password" autocomplete="current-password" required maxlength="200"; }
            button type="submit" { (l.t("登录", "Log in")) }
        }
    };
    view::frame(l, None, l.t("登录", "Log in"), None, "/login", body)
}

async fn login_page(
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    match params(q, &["lang"]) {
        Ok(p) => with_lang(login_form(lang_of(&headers, &p), None).into_response(), &p),
        Err(f) => f.into_response(),
    }
}

async fn login_post(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let l = lang_of(&headers, &Params::default());
    let Ok(Form(f)) = form else {
        return Fail::bad(
            "登录表单须包含登录名和密码",
            "the login form needs a login and a password",
        )
        .into_response();
    };
    if !user::valid_login(&f.login) || f.password.is_empty() || f.password.len() > 200 {
        let msg = (
            "登录名须为 1 至 64 个字母、数字或 . _ -，密码不能为空",
            "a login is 1 to 64 letters, digits, '.', '_' or '-', and the password may not be empty",
        );
        return (StatusCode::BAD_REQUEST, login_form(l, Some(msg))).into_response();
    }
    let db = match app.db().await {
        Ok(db) => db,
        Err(e) => return Fail::from(e).into_response(),
    };
    match user::login(&db, &f.login, &f.password, app.session).await {
        Ok(Some((token, _))) => {
            let mut r = Redirect::to("/").into_response();
            let c = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
                app.session.as_secs()
            );
            if let Ok(v) = HeaderValue::from_str(&c) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            login_form(l, Some(("登录名或密码错误", "wrong login or password"))),
        )
            .into_response(),
        Err(e) => Fail::from(e).into_response(),
    }
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Ok(db) = app.db().await
        && let Err(e) = user::logout(&db, token).await
    {
        return Fail::from(e).into_response();
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("hq_session=; Path=/; Max-Age=0"),
    );
    r
}
