//! deploy/'s headquarters files as an operator installs them (deploy/README.md,
//! "Headquarters"): the NATS node's configuration passes nats-server's own check once its
//! environment is set (and names what is missing otherwise), and hq.example.toml is a valid
//! hq.toml.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_nats_node_configuration_is_valid_with_its_environment_and_names_what_is_missing() {
    let binary = hallq_hq::NatsCluster::binary().unwrap();
    let conf = repo().join("deploy/nats/hallq-hq.conf");
    let check = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(&binary);
        cmd.arg("-c").arg(&conf).arg("-t");
        for var in ["NATS_NODE", "HQ_NATS_PASSWORD", "HALL_GZ_TIANHE_PASSWORD"] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), said)
    };
    let (ok, said) = check(&[
        ("NATS_NODE", "n1"),
        ("HQ_NATS_PASSWORD", "hq-secret"),
        ("HALL_GZ_TIANHE_PASSWORD", "hall-secret"),
    ]);
    assert!(ok, "{said}");
    assert!(said.contains("is valid"), "{said}");
    let (ok, said) = check(&[("NATS_NODE", "n1"), ("HALL_GZ_TIANHE_PASSWORD", "x")]);
    assert!(!ok, "a missing password must be refused: {said}");
    assert!(said.contains("HQ_NATS_PASSWORD"), "{said}");
}

#[test]
fn hq_example_toml_is_a_valid_hq_toml_and_the_unit_runs_hq_serve_with_it() {
    let cfg = hallq_hq::serve::HqConfig::load(&repo().join("deploy/hq.example.toml")).unwrap();
    assert_eq!(cfg.nats.servers.len(), 3, "the three nodes");
    let unit = std::fs::read_to_string(repo().join("deploy/hallq-hq.service")).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/hallq hq serve --config /etc/hallq/hq.toml"),
        "{unit}"
    );
    // The unit's command line is one `hallq` accepts (its arguments, not its run).
    let out = Command::new(hallq_tests::hallq_bin())
        .args(["hq", "serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--config") && help.contains("--role"),
        "{help}"
    );
}
