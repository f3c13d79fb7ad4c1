//! JetStream helpers that work around what async-nats 0.52 cannot do against Debian's
//! nats-server 2.9.10 (measured: docs/chain.md).

use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};

use crate::error::HqError;

/// The key-value bucket `bucket` (3 replicas, file storage, `history` values kept per key),
/// made if missing.
///
/// async-nats' own `create_key_value` first asks the server for the account's limits, and from
/// 0.41 on cannot read a 2.9 server's answer (it lacks `reserved_memory`). So the bucket's
/// stream is made here, with the settings `create_key_value` gives one (`KV_<bucket>`, subjects
/// `$KV.<bucket>.>`, rollups, no deletes, direct gets, discard new), and opened as a bucket.
pub async fn key_value(
    js: &jetstream::Context,
    bucket: &str,
    history: i64,
) -> Result<kv::Store, HqError> {
    let nats = |e: &dyn std::fmt::Display| HqError::Nats(format!("bucket {bucket}: {e}"));
    if let Ok(store) = js.get_key_value(bucket).await {
        return Ok(store);
    }
    let config = stream::Config {
        name: format!("KV_{bucket}"),
        subjects: vec![format!("$KV.{bucket}.>")],
        max_messages_per_subject: history.max(1),
        storage: stream::StorageType::File,
        num_replicas: 3,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    };
    // Another process making it at the same moment is fine: it has the same settings.
    if let Err(e) = js.get_or_create_stream(config).await {
        return Err(nats(&e));
    }
    js.get_key_value(bucket).await.map_err(|e| nats(&e))
}
