use serde_json::json;

use super::rules::subtree;
use super::*;

fn accounts_of(c: &BrokerConfig) -> Result<HashMap<String, Account>, BrokerError> {
    accounts(&c.hall, &c.hub_user, &c.users)
}

fn config() -> BrokerConfig {
    let hash = secret::hash(&secret::random(), secret::Strength::Random).unwrap();
    BrokerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        hall: HallId::new("hall-1").unwrap(),
        tls: None,
        hub_user: BrokerUser::new("hub \"main\"", hash.clone()),
        users: vec![BrokerUser::new("kiosk-1", hash)],
        hold_devices: false,
    }
}

#[test]
fn acl_config_is_toml_with_every_rule_in_order() {
    let text = acl_config(&config()).unwrap();
    let parsed: serde_json::Value = toml::from_str(&text).unwrap();
    assert_eq!(parsed["disconnect_if_pub_rejected"], json!(false));
    let rules = parsed["rules"].as_array().unwrap();
    assert_eq!(
        rules[0],
        json!(["allow", { "user": "hub \"main\"" }, "pubsub", ["hallq/v1/hall-1/#"]])
    );
    assert_eq!(
        rules[1],
        json!([
            "allow",
            { "user": "kiosk-1" },
            "publish",
            [{ "eq": "hallq/v1/hall-1/cmd/kiosk-1" }, { "eq": "hallq/v1/hall-1/presence/kiosk-1" }]
        ])
    );
    assert_eq!(
        rules[2],
        json!([
            "allow",
            { "user": "kiosk-1" },
            "subscribe",
            [
                { "eq": "hallq/v1/hall-1/reply/kiosk-1" },
                "hallq/v1/hall-1/state/#",
                "hallq/v1/hall-1/event/#"
            ]
        ])
    );
    assert_eq!(rules.last().unwrap(), &json!(["deny", "all"]));
    assert_eq!(rules.len(), 6);
}

#[test]
fn a_supervisor_also_reads_presence_and_a_monitor_reads_everything_and_writes_nothing() {
    let mut config = config();
    let hash = config.users[0].password_hash.clone();
    config.users = vec![
        BrokerUser::device("supervisor-1", hash.clone(), DeviceKind::Supervisor),
        BrokerUser::device("monitor-1", hash, DeviceKind::Monitor),
    ];
    let parsed: serde_json::Value = toml::from_str(&acl_config(&config).unwrap()).unwrap();
    let rules = parsed["rules"].as_array().unwrap();
    assert_eq!(
        rules[2],
        json!([
            "allow",
            { "user": "supervisor-1" },
            "subscribe",
            [
                { "eq": "hallq/v1/hall-1/reply/supervisor-1" },
                "hallq/v1/hall-1/state/#",
                "hallq/v1/hall-1/event/#",
                "hallq/v1/hall-1/presence/+"
            ]
        ])
    );
    let monitor: Vec<_> = rules
        .iter()
        .filter(|r| r[1]["user"] == "monitor-1")
        .collect();
    assert_eq!(
        monitor,
        [
            &json!(["allow", { "user": "monitor-1" }, "subscribe", ["hallq/v1/hall-1/#"]]),
            &json!(["allow", { "user": "monitor-1" }, "connect"]),
        ]
    );
    let accounts = accounts_of(&config).unwrap();
    assert!(
        !accounts["monitor-1"]
            .will
            .allows("hallq/v1/hall-1/presence/monitor-1")
    );
    assert!(
        accounts["supervisor-1"]
            .will
            .allows("hallq/v1/hall-1/presence/supervisor-1")
    );
}

#[test]
fn a_device_username_must_be_a_device_id() {
    let mut config = config();
    config.users[0].username = "kiosk/+".to_owned();
    assert!(matches!(
        accounts_of(&config),
        Err(BrokerError::InvalidUser { .. })
    ));
}

#[test]
fn a_plaintext_password_is_refused_as_a_hash() {
    let mut config = config();
    config.users[0].password_hash = "secret".to_owned();
    let err = accounts_of(&config).unwrap_err();
    assert!(err.to_string().contains("PHC"), "{err}");
}

#[test]
fn a_username_cannot_be_configured_twice() {
    let mut config = config();
    config.hub_user.username = "kiosk-1".to_owned();
    assert!(matches!(
        accounts_of(&config),
        Err(BrokerError::InvalidUser { .. })
    ));
}

#[test]
fn debug_output_hides_the_hash() {
    let shown = format!("{:?}", config());
    assert!(!shown.contains("argon2id"), "{shown}");
}

#[test]
fn wills_are_limited_to_the_logins_topics() {
    let accounts = accounts_of(&config()).unwrap();
    let kiosk = &accounts["kiosk-1"].will;
    assert!(kiosk.allows("hallq/v1/hall-1/presence/kiosk-1"));
    assert!(!kiosk.allows("hallq/v1/hall-1/presence/kiosk-2"));
    assert!(!kiosk.allows("hallq/v1/hall-1/state/board"));
    let hub = &accounts["hub \"main\""].will;
    assert!(hub.allows("hallq/v1/hall-1/state/hub"));
    assert!(!hub.allows("hallq/v1/hall-1/"));
    assert!(!hub.allows("hallq/v1/hall-2/state/hub"));
    assert!(!hub.allows("hallq/v1/hall-1/state/+"));
}

#[test]
fn subtree_replaces_the_last_level() {
    assert_eq!(subtree("hallq/v1/h/event/call"), "hallq/v1/h/event/#");
}
