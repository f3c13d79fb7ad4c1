//! Configuration down, HQ's side, against a real 3-node cluster and a real PostgreSQL: documents
//! published per scope get growing KV revisions and are recorded; a hall's published revision is
//! the highest of its scopes'; a bad document is refused with a bilingual reason and nothing is
//! published; what a hall reports in force (its live status) is stored, and the console shows
//! the hall's revisions, a refusal's reason, the hall on the chain page's list, and business
//! names from the configuration in force.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hallq_hq::config::{self, hall_view, published_rev};
use hallq_hq::console::Console;
use hallq_hq::user::{self, Scope as UserScope};
use hallq_hq::wire::{
    BusinessInForce, CONFIG_BUCKET, ConfigReport, LiveStatus, Refusal, Scope, Text,
};
use hallq_hq::{NatsCluster, Postgres};
use tower::ServiceExt as _;

const CHAIN_DOC: &str = r#"
[kpi]
within_limit_pct = 97.0
[limits]
basic = 20
"#;

const HALL_DOC: &str = r#"
[[business]]
code = "basic"
name = { zh = "基础业务", en = "Basic" }
prefix = "B"
class = "basic"
[[business]]
code = "broadband"
name = { zh = "宽带新装", en = "Broadband" }
prefix = "K"
class = "complex"
limit_min = 40
counters = [1]
[[announcements]]
id = "new-year"
text = { zh = "元旦照常营业", en = "Open on New Year's Day" }
"#;

fn text(zh: &str, en: &str) -> Text {
    Text {
        zh: zh.into(),
        en: en.into(),
    }
}

fn status(hall: &str, region: &str, config: ConfigReport) -> LiveStatus {
    LiveStatus {
        hall: hall.into(),
        region: region.into(),
        name: format!("{hall} 厅"),
        sent_ms: 1_796_086_800_000,
        day: None,
        epoch: "e".repeat(32),
        last_seq: 0,
        uplink_behind: 0,
        waiting: 0,
        longest_wait_s: 0,
        counters_open: 0,
        devices_offline: 0,
        config: Some(config),
        bookings: None,
    }
}

async fn get(app: &axum::Router, cookie: &str, uri: &str) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_published_per_scope_and_halls_in_force_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(pg_dir.path()).await.unwrap();
    let mut db = pg.connect().await.unwrap();
    hallq_hq::store::migrate(&mut db).await.unwrap();
    let nats = cluster.connect().await.unwrap();
    let js = async_nats::jetstream::new(nats.clone());

    // Bad documents: refused before anything is published, with a reason in both languages.
    for (bad, words) in [
        ("", ["sets nothing", "没有任何内容"]),
        (
            "[kpi]\nsatisfaction = 90.0\n",
            [
                "not a configuration document",
                "unknown field `satisfaction`",
            ],
        ),
        ("[limits]\nbasic = 0\n", ["outside 1–480", "时限"]),
        (
            "[[business]]\ncode = \"x\"\nname = { zh = \"x\", en = \"x\" }\nprefix = \"X\"\nclass = \"vip\"\n",
            ["business type x", "业务类型"],
        ),
        (
            "[[business]]\ncode = \"x\"\nname = { zh = \"x\", en = \"x\" }\nprefix = \"x1\"\nclass = \"basic\"\n",
            ["capital letters", "大写字母"],
        ),
    ] {
        let e = config::parse(bad).unwrap_err();
        for w in words {
            assert!(e.contains(w), "{bad:?}: {e}");
        }
    }
    let empty = hallq_hq::wire::ConfigDoc::default();
    assert!(
        config::publish(&js, &db, &Scope::Chain, &empty, "t")
            .await
            .is_err()
    );
    assert_eq!(count(&db).await, 0, "nothing recorded");

    // Published per scope: revisions grow across keys; a hall's is the highest of its scopes'.
    let chain = config::parse(CHAIN_DOC).unwrap();
    let hall = config::parse(HALL_DOC).unwrap();
    let r1 = config::publish(&js, &db, &Scope::Chain, &chain, "boss")
        .await
        .unwrap();
    let r2 = config::publish(&js, &db, &Scope::Hall("gz-01".into()), &hall, "boss")
        .await
        .unwrap();
    assert!(r2 > r1, "{r1} {r2}");
    let kv = js.get_key_value(CONFIG_BUCKET).await.unwrap();
    let entry = kv.entry("hall.gz-01").await.unwrap().unwrap();
    assert_eq!(entry.revision, r2);
    let stored: hallq_hq::wire::ConfigDoc = serde_json::from_slice(&entry.value).unwrap();
    assert_eq!(stored, hall);
    assert_eq!(
        published_rev(&db, "gz-01", "gd-gz").await.unwrap(),
        r2 as i64
    );
    assert_eq!(
        published_rev(&db, "gz-02", "gd-gz").await.unwrap(),
        r1 as i64
    );
    assert_eq!(count(&db).await, 2);

    // What the halls report: gz-01 took r2; gz-02 refused r1.
    let business = vec![BusinessInForce {
        code: "broadband".into(),
        name: text("宽带新装", "Broadband"),
        class: "complex".into(),
        limit_min: 40,
    }];
    let took = ConfigReport {
        rev: r2,
        refused: None,
        business,
    };
    let refused = ConfigReport {
        rev: 0,
        refused: Some(Refusal {
            rev: r1,
            reason: text(
                "有人等候的业务类型不能删除",
                "a business type with tickets waiting",
            ),
        }),
        business: Vec::new(),
    };
    let statuses = [
        status("gz-01", "gd-gz", took),
        status("gz-02", "gd-gz", refused),
    ];
    // As the status subscriber stores them (its own test is the uplink's): the hall, then the
    // report.
    for s in &statuses {
        db.execute(
            "INSERT INTO halls (hall, region, name) VALUES ($1, $2, $3)",
            &[&s.hall, &s.region, &s.name],
        )
        .await
        .unwrap();
        config::store_report(&db, &s.hall, s.config.as_ref().unwrap())
            .await
            .unwrap();
    }
    let v1 = hall_view(&db, "gz-01", "gd-gz").await.unwrap();
    assert!(!v1.behind() && v1.refusing().is_none());
    let v2 = hall_view(&db, "gz-02", "gd-gz").await.unwrap();
    assert!(v2.behind());
    assert_eq!(v2.refusing().unwrap().rev, r1);

    // The console.
    let cfg = hallq_hq::serve::HqConfig::parse(&format!(
        "[nats]\nservers = [\"nats://127.0.0.1:1\"]\n[postgres]\nconninfo = \"{}\"\n\
         [web]\nlisten = \"127.0.0.1:0\"\n",
        pg.conninfo()
    ))
    .unwrap();
    user::add(&db, "boss", "总部", &UserScope::Chain, "correct-horse-9")
        .await
        .unwrap();
    let app = Console::new(cfg.pg_config().unwrap(), &cfg, pg.connect().await.unwrap()).router();
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("login=boss&password=correct-horse-9"))
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    let cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("hq_session="))
        .unwrap();
    let cookie = cookie.split(';').next().unwrap();
    let (s, page) = get(&app, cookie, "/hall/gz-02?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(&format!("published rev {r1}, in force rev 0")),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "the hall refused rev {r1}: a business type with tickets waiting"
        )),
        "{page}"
    );
    let (_, page) = get(&app, cookie, "/hall/gz-02").await;
    assert!(page.contains("有人等候的业务类型不能删除"), "{page}");
    let (_, page) = get(&app, cookie, "/hall/gz-01?lang=en").await;
    assert!(
        page.contains(&format!("published rev {r2}, in force rev {r2}")),
        "{page}"
    );
    // The chain page lists the hall refusing, and not the one in force.
    let (_, csv) = get(&app, cookie, "/?csv=config").await;
    assert!(csv.contains("gz-02") && !csv.contains("gz-01"), "{csv}");
    drop(nats);
}

async fn count(db: &tokio_postgres::Client) -> i64 {
    db.query_one("SELECT count(*) FROM config_published", &[])
        .await
        .unwrap()
        .get(0)
}
