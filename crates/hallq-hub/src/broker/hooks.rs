//! rmqtt's hooks: the password check and client id at CONNECT, retained commands refused, and
//! refused publishes logged.

use async_trait::async_trait;
use rmqtt::hook::{Handler, HookResult, Parameter, ReturnType};
use rmqtt::types::{AuthResult, ConnectInfo, PublishAclResult, Reason};
use tokio::sync::watch;

use super::rules::{Role, will_topic};
use super::{HOLD_LIMIT, Logins};
use crate::secret::Verifier;

/// The `ClientAuthenticate` hook: verifies the username, the password against its Argon2 hash,
/// and a device's client id.
pub(super) struct Authenticator {
    /// Every login, by username.
    pub(super) accounts: Logins,
    /// Runs the Argon2 checks off the async workers, within the hub's memory budget.
    pub(super) verifier: Verifier,
    /// Whether devices may log in yet.
    pub(super) open: watch::Receiver<bool>,
}

impl Authenticator {
    /// `Ok` lets the connection go on to the ACL plugin's connect rules; `Err` refuses it.
    async fn authenticate(&self, info: &ConnectInfo) -> Result<(), AuthResult> {
        let id = info.id();
        let Some(username) = info.username() else {
            tracing::info!(client_id = %id.client_id, remote = ?id.remote_addr, "anonymous connection refused");
            return Err(AuthResult::NotAuthorized);
        };
        let accounts = self
            .accounts
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let (Some(account), Some(password)) = (accounts.get(&**username), info.password()) else {
            tracing::warn!(%username, remote = ?id.remote_addr, "unknown username or no password: refused");
            return Err(AuthResult::BadUsernameOrPassword);
        };
        if account.role == Role::Device && id.client_id != *username {
            tracing::warn!(%username, client_id = %id.client_id, "a device must use its device id as client id: refused");
            return Err(AuthResult::NotAuthorized);
        }
        if account.role == Role::Device && !*self.open.borrow() {
            let mut open = self.open.clone();
            if tokio::time::timeout(HOLD_LIMIT, open.wait_for(|o| *o))
                .await
                .is_err()
            {
                tracing::warn!(%username, "the hub is not serving yet: refused, the device will retry");
                return Err(AuthResult::NotAuthorized);
            }
        }
        if let Some(will) = info.last_will()
            && !account.will.allows(will_topic(&will))
        {
            tracing::warn!(%username, will_topic = will_topic(&will), "a last will outside the login's topics: refused");
            return Err(AuthResult::NotAuthorized);
        }
        let verified = self
            .verifier
            .verify(password.to_vec(), account.password_hash.clone())
            .await;
        if verified {
            Ok(())
        } else {
            tracing::warn!(%username, remote = ?id.remote_addr, "wrong password: refused");
            Err(AuthResult::BadUsernameOrPassword)
        }
    }
}

#[async_trait]
impl Handler for Authenticator {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        let Parameter::ClientAuthenticate(info) = param else {
            return (true, acc);
        };
        match self.authenticate(info).await {
            // Not a superuser: a superuser skips the ACL, and even the hub stays in its hall.
            Ok(()) => (
                true,
                Some(HookResult::AuthResult(AuthResult::Allow(false, None))),
            ),
            Err(refusal) => (false, Some(HookResult::AuthResult(refusal))),
        }
    }
}

/// Refuses a retained command at the broker, before the ACL rules: forwarded, it would reach
/// the hub without its retain flag (MQTT 3.1.1 clears it for a live subscriber) and be executed,
/// and kept, it would be handed to the hub again at its next subscription. An empty payload
/// passes: it only clears a retained message.
pub(super) struct RetainedCommandRefuser;

#[async_trait]
impl Handler for RetainedCommandRefuser {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        if let Parameter::MessagePublishCheckAcl(session, publish) = param
            && publish.retain
            && !publish.payload.is_empty()
            && matches!(
                hallq_proto::topic::parse(&publish.topic),
                Some((_, hallq_proto::topic::Topic::Cmd(_)))
            )
        {
            tracing::warn!(client_id = %session.id.client_id, topic = %publish.topic, "a retained command refused: commands are never retained / 指令不得保留");
            return (
                false,
                Some(HookResult::PublishAclResult(PublishAclResult::rejected(
                    false, None,
                ))),
            );
        }
        (true, acc)
    }
}

/// Logs publishes the ACL refused. The client gets a normal PUBACK (MQTT 3.1.1 has no way to
/// say no), so without this line a misconfigured device's commands would vanish silently.
pub(super) struct RefusedPublishLogger;

#[async_trait]
impl Handler for RefusedPublishLogger {
    async fn hook(&self, param: &Parameter, acc: Option<HookResult>) -> ReturnType {
        if let Parameter::MessageDropped(None, from, publish, Reason::PublishResult(_)) = param {
            tracing::warn!(
                client_id = %from.client_id,
                username = ?from.username,
                topic = %publish.topic,
                "publish refused by the ACL and dropped"
            );
        }
        (true, acc)
    }
}
