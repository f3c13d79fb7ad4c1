//! The logins and the ACL rules generated from them: who may connect, and which topics each
//! login may touch (the table in the module above).

use std::collections::HashMap;

use hallq_proto::topic::Topics;
use hallq_proto::{DeviceId, HallId};
use rmqtt::types::LastWill;
use serde_json::json;

use super::{ACL_PLUGIN, Access, BrokerConfig, BrokerError, BrokerUser};
use crate::secret;

/// What a login is, for the authentication hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The hub itself: any client id.
    Hub,
    /// A device: its client id must be its username.
    Device,
}

/// A login as the authentication hook needs it.
#[derive(Debug)]
pub(super) struct Account {
    /// The Argon2 PHC string, checked to parse when the broker starts.
    pub(super) password_hash: String,
    /// Decides whether the client id is pinned to the username.
    pub(super) role: Role,
    /// Where this login may leave a last will; rmqtt does not put wills through the ACL.
    pub(super) will: WillRule,
}

/// The topics a login's last will may name.
#[derive(Debug)]
pub(super) enum WillRule {
    /// Exactly this topic: a device's presence.
    Exactly(String),
    /// Any topic name starting with this prefix: the hub's hall, `hallq/v1/{hall}/`.
    Under(String),
    /// None: a monitor publishes nothing, not even through a will.
    Nothing,
}

impl WillRule {
    pub(super) fn allows(&self, topic: &str) -> bool {
        match self {
            WillRule::Exactly(allowed) => topic == allowed,
            WillRule::Nothing => false,
            WillRule::Under(prefix) => {
                topic.len() > prefix.len()
                    && topic.starts_with(prefix.as_str())
                    && !topic.contains(['+', '#'])
            }
        }
    }
}

/// The topic of a will, whatever the protocol version.
pub(super) fn will_topic<'a>(will: &LastWill<'a>) -> &'a str {
    match will {
        LastWill::V3(will) => &will.topic,
        LastWill::V5(will) => &will.topic,
    }
}

/// Checks the hub's and the devices' logins and indexes them by username.
pub(super) fn accounts(
    hall: &HallId,
    hub_user: &BrokerUser,
    users: &[BrokerUser],
) -> Result<HashMap<String, Account>, BrokerError> {
    let topics = Topics::new(hall);
    let hall_prefix = topics.everything().trim_end_matches('#').to_owned();
    let hub = std::iter::once((hub_user, Role::Hub));
    let devices = users.iter().map(|u| (u, Role::Device));
    let mut accounts = HashMap::new();
    for (user, role) in hub.chain(devices) {
        let invalid = |reason: &str| BrokerError::InvalidUser {
            username: user.username.clone(),
            reason: reason.to_owned(),
        };
        if user.username.is_empty() {
            return Err(invalid("the username is empty"));
        }
        let will = match role {
            Role::Hub => WillRule::Under(hall_prefix.clone()),
            Role::Device => {
                let device = DeviceId::new(user.username.as_str()).map_err(|_| {
                    invalid("a device's username is its device id: 1 to 32 of a-z 0-9 - _")
                })?;
                match user.access {
                    Access::Monitor => WillRule::Nothing,
                    Access::Device | Access::Supervisor => {
                        WillRule::Exactly(topics.presence(&device))
                    }
                }
            }
        };
        secret::check(&user.password_hash).map_err(|reason| invalid(&reason))?;
        let account = Account {
            password_hash: user.password_hash.clone(),
            role,
            will,
        };
        if accounts.insert(user.username.clone(), account).is_some() {
            return Err(invalid("the username is configured twice"));
        }
    }
    Ok(accounts)
}

/// The `rmqtt-acl` configuration, as TOML, generated from the logins. First match wins; the
/// last rule denies everything else, including the connection of an unknown username.
pub(super) fn acl_config(config: &BrokerConfig) -> Result<String, BrokerError> {
    let topics = Topics::new(&config.hall);
    let mut rules = vec![json!([
        "allow",
        { "user": config.hub_user.username },
        "pubsub",
        [topics.everything()]
    ])];
    for user in &config.users {
        let device =
            DeviceId::new(user.username.as_str()).map_err(|e| BrokerError::InvalidUser {
                username: user.username.clone(),
                reason: e.to_string(),
            })?;
        if user.access == Access::Monitor {
            // Subscribe only: with no publish rule, `deny all` refuses every publish.
            rules.push(json!([
                "allow",
                { "user": user.username },
                "subscribe",
                [topics.everything()]
            ]));
            continue;
        }
        // Exact topics (`eq`), not filters: `reply/+` must not match a rule for `reply/kiosk-1`.
        rules.push(json!([
            "allow",
            { "user": user.username },
            "publish",
            [{ "eq": topics.cmd(&device) }, { "eq": topics.presence(&device) }]
        ]));
        let mut reads = vec![
            json!({ "eq": topics.reply(&device) }),
            json!(topics.all_state()),
            json!(subtree(&topics.call())),
        ];
        if user.access == Access::Supervisor {
            reads.push(json!(topics.all_presence()));
        }
        rules.push(json!([
            "allow",
            { "user": user.username },
            "subscribe",
            reads
        ]));
    }
    let logins = std::iter::once(&config.hub_user).chain(&config.users);
    rules.extend(logins.map(|u| json!(["allow", { "user": u.username }, "connect"])));
    rules.push(json!(["deny", "all"]));

    let acl = json!({
        // A refused publish is acknowledged and dropped. Disconnecting instead would make a
        // QoS 1 client resend it on every reconnect, forever: a misconfigured kiosk would never
        // stay connected long enough to show its error.
        "disconnect_if_pub_rejected": false,
        "rules": rules,
    });
    toml::to_string(&acl).map_err(|e| BrokerError::Plugin {
        plugin: ACL_PLUGIN,
        source: e.into(),
    })
}

/// The filter for a topic's siblings and their children: `a/b/c` gives `a/b/#`.
///
/// hallq-proto has no builder for "every event" yet; deriving it from the one event topic it
/// builds keeps the tree's spelling in that crate.
pub(super) fn subtree(topic: &str) -> String {
    let parent = topic.rsplit_once('/').map_or(topic, |(parent, _)| parent);
    format!("{parent}/#")
}
