//! The PostgreSQL launcher's handling of root: CI runs as root, PostgreSQL refuses to.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;

use hallq_hq::{HqError, Postgres};

/// As root, the server runs as an unprivileged user, who must be able to reach its folder: a
/// folder inside a private (0700) one is refused with the folder named, before initdb runs.
/// As anyone else, the same folder is fine (the server runs as that user).
#[tokio::test]
async fn a_folder_the_server_user_cannot_reach_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("private");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let folder = private.join("pg");
    let root = nix::unistd::geteuid().is_root();
    match Postgres::start(&folder).await {
        Err(e @ HqError::Unreachable { .. }) if root => {
            let message = e.to_string();
            assert!(message.contains("private"), "{message}");
            assert!(message.contains("o+x"), "{message}");
            assert!(!folder.join("data").exists(), "refused before initdb");
        }
        Ok(pg) if !root => drop(pg),
        other => panic!("root {root}: {other:?}"),
    }
    // Opened up, the same folder works as root too.
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o711)).unwrap();
    let pg = Postgres::start(&folder).await.unwrap();
    let c = pg.connect().await.unwrap();
    let user: String = c
        .query_one("SELECT current_user::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(user, "hq");
}
