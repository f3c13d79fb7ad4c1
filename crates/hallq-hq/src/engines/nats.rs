//! [`NatsCluster`]: three nats-server processes in one JetStream cluster.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use super::process::Proc;
use super::{PORT_ATTEMPTS, find_binary, free_port, make_dir, on_path, port_taken};
use crate::error::HqError;

/// How long the cluster has to come up and elect its meta leader.
const START_WAIT: Duration = Duration::from_secs(60);

/// The stream made and deleted to see that the cluster can place replicas on every node.
const READY_PROBE: &str = "hallq_ready_probe";

/// The cluster's name, in its configuration and its servers' INFO.
const CLUSTER: &str = "hallq-hq";

/// One node: its ports and folder, and its process while it runs.
#[derive(Debug)]
struct Node {
    name: String,
    client_port: u16,
    config: PathBuf,
    log: PathBuf,
    proc: Option<Proc>,
}

/// A 3-node nats-server cluster with JetStream on file storage, each node in `dir/<name>` with
/// its configuration, store and log, on loopback ports chosen at start.
///
/// [`NatsCluster::start`] returns once every node takes connections and the cluster has a
/// JetStream meta leader, so a stream with 3 replicas can be created at once. Dropping it stops
/// the nodes (SIGTERM, then SIGKILL after a bounded wait).
#[derive(Debug)]
pub struct NatsCluster {
    nodes: Vec<Node>,
    binary: PathBuf,
    /// The user and password the cluster's own clients log in with, when its configuration has
    /// an `authorization` block ([`NatsCluster::start_with`]).
    login: Option<(String, String)>,
}

impl NatsCluster {
    /// The nats-server binary: `$HALLQ_NATS_SERVER`, else `nats-server` on `PATH` or in
    /// /usr/sbin and /usr/bin (Debian's package puts it in /usr/sbin).
    pub fn binary() -> Result<PathBuf, HqError> {
        let mut candidates: Vec<PathBuf> = std::env::var_os("HALLQ_NATS_SERVER")
            .map(PathBuf::from)
            .into_iter()
            .collect();
        candidates.extend(on_path("nats-server", &["/usr/sbin", "/usr/bin"]));
        find_binary("nats-server", &candidates, "nats-server")
    }

    /// Writes the three nodes' configurations under `dir` and starts them; on new ports if a
    /// port was taken meanwhile.
    pub async fn start(dir: &Path) -> Result<Self, HqError> {
        Self::start_with(dir, "", None).await
    }

    /// As [`NatsCluster::start`], with `extra` added to each node's configuration (deploy/'s
    /// `authorization` block, to run the cluster under its users' permissions), and the user and
    /// password that [`NatsCluster::connect`] and the readiness check log in with.
    pub async fn start_with(
        dir: &Path,
        extra: &str,
        login: Option<(&str, &str)>,
    ) -> Result<Self, HqError> {
        let binary = Self::binary()?;
        make_dir(dir)?;
        let login = login.map(|(u, p)| (u.to_owned(), p.to_owned()));
        let mut attempt = 1;
        loop {
            match Self::start_on_free_ports(dir, &binary, extra, login.clone()).await {
                Err(e) if port_taken(&e) && attempt < PORT_ATTEMPTS => {
                    tracing::warn!(error = %e, "a port was taken; starting on others");
                    attempt += 1;
                }
                done => return done,
            }
        }
    }

    async fn start_on_free_ports(
        dir: &Path,
        binary: &Path,
        extra: &str,
        login: Option<(String, String)>,
    ) -> Result<Self, HqError> {
        let names = ["n1", "n2", "n3"];
        let mut ports = Vec::new();
        for _ in names {
            ports.push((free_port()?, free_port()?));
        }
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, cluster)| format!("nats://127.0.0.1:{cluster}"))
            .collect();
        let mut nodes = Vec::new();
        for (name, (client_port, cluster_port)) in names.iter().zip(&ports) {
            let folder = dir.join(name);
            make_dir(&folder)?;
            let config = folder.join("nats.conf");
            // sync_interval does not exist in 2.9 (docs/chain.md): the store is flushed every
            // two minutes; the sink's mark, not the broker's disk, carries the guarantee.
            let text = format!(
                "server_name: {name}\n\
                 listen: 127.0.0.1:{client_port}\n\
                 jetstream {{\n  store_dir: {store:?}\n  max_memory_store: 64MB\n  max_file_store: 4GB\n}}\n\
                 cluster {{\n  name: {CLUSTER}\n  listen: 127.0.0.1:{cluster_port}\n  routes: [{routes}]\n}}\n{extra}\n",
                store = folder.join("store").display().to_string(),
                routes = routes.join(", "),
            );
            std::fs::write(&config, text).map_err(|source| HqError::Io {
                path: config.clone(),
                source,
            })?;
            nodes.push(Node {
                name: (*name).to_owned(),
                client_port: *client_port,
                config,
                log: folder.join("nats.log"),
                proc: None,
            });
        }
        let mut cluster = Self {
            nodes,
            binary: binary.to_owned(),
            login,
        };
        for i in 0..cluster.nodes.len() {
            cluster.spawn(i)?;
        }
        cluster.wait_ready().await?;
        Ok(cluster)
    }

    /// The clients' addresses of all nodes (`nats://127.0.0.1:port`).
    pub fn urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("nats://127.0.0.1:{}", n.client_port))
            .collect()
    }

    /// The nodes' server names, in order (`n1`, `n2`, `n3`).
    pub fn names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }

    /// Connects a client to the cluster (any node; it fails over to the others).
    pub async fn connect(&self) -> Result<async_nats::Client, HqError> {
        self.options()
            .connection_timeout(Duration::from_secs(5))
            .connect(self.urls())
            .await
            .map_err(|e| HqError::Nats(e.to_string()))
    }

    /// Connects as hall `hall` with `password` (a cluster started with an `authorization`
    /// block), its answers on the hall's own inboxes as its hub has them
    /// ([`crate::wire::inbox_prefix`]).
    pub async fn connect_as_hall(
        &self,
        hall: &str,
        password: &str,
    ) -> Result<async_nats::Client, HqError> {
        let inbox = crate::wire::inbox_prefix(hall).map_err(|e| HqError::Nats(e.to_string()))?;
        async_nats::ConnectOptions::with_user_and_password(hall.into(), password.into())
            .custom_inbox_prefix(inbox)
            .connection_timeout(Duration::from_secs(5))
            .connect(self.urls())
            .await
            .map_err(|e| HqError::Nats(e.to_string()))
    }

    /// A client's options: the cluster's login, if it has one.
    fn options(&self) -> async_nats::ConnectOptions {
        match &self.login {
            Some((u, p)) => {
                async_nats::ConnectOptions::with_user_and_password(u.clone(), p.clone())
            }
            None => async_nats::ConnectOptions::new(),
        }
    }

    /// Kills node `name` at once (SIGKILL), as a crash would.
    pub fn kill(&mut self, name: &str) {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.name == name)
            && let Some(mut p) = node.proc.take()
        {
            p.kill();
        }
    }

    /// Starts node `name` again (after [`NatsCluster::kill`]) with its configuration and store,
    /// and waits until the cluster answers again.
    pub async fn restart(&mut self, name: &str) -> Result<(), HqError> {
        self.restart_nodes(&[name]).await
    }

    /// Starts the nodes `names` again at once (after [`NatsCluster::kill`]), and waits until
    /// the cluster answers again: with two of three down, neither alone makes a quorum.
    pub async fn restart_nodes(&mut self, names: &[&str]) -> Result<(), HqError> {
        for name in names {
            if let Some(i) = self.nodes.iter().position(|n| n.name == *name)
                && self.nodes[i].proc.is_none()
            {
                self.spawn(i)?;
            }
        }
        self.wait_ready().await
    }

    fn spawn(&mut self, i: usize) -> Result<(), HqError> {
        let node = &mut self.nodes[i];
        let mut cmd = Command::new(&self.binary);
        cmd.arg("-c").arg(&node.config);
        let proc = Proc::spawn(
            &format!("nats-server {}", node.name),
            cmd,
            &node.log,
            Signal::SIGTERM,
        )?;
        node.proc = Some(proc);
        Ok(())
    }

    /// Waits until every running node takes connections and a JetStream request is answered,
    /// which in a cluster needs a meta leader.
    async fn wait_ready(&mut self) -> Result<(), HqError> {
        let deadline = Instant::now() + START_WAIT;
        loop {
            for node in &mut self.nodes {
                if let Some(p) = node.proc.as_mut() {
                    p.check_running()?;
                }
            }
            let last = match self.jetstream_answers().await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                let node = self.nodes.iter().find_map(|n| n.proc.as_ref());
                return Err(match node {
                    Some(p) => p.failed(&format!(
                        "no JetStream meta leader within {}s ({last})",
                        START_WAIT.as_secs()
                    )),
                    None => HqError::Nats(format!("no node runs ({last})")),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// One round of the readiness check: each running node connects, one answers
    /// `$JS.API.INFO` without an error (which in a cluster needs a meta leader), and a stream
    /// with a replica on every node can be placed (a meta leader that has not yet heard from
    /// every peer answers "no suitable peers for placement": seen in the tests). The probe
    /// stream is deleted again. (async-nats' own `query_account` cannot read a 2.9 server's
    /// answer: docs/chain.md.)
    async fn jetstream_answers(&self) -> Result<(), String> {
        let running: Vec<&Node> = self.nodes.iter().filter(|n| n.proc.is_some()).collect();
        let mut first = None;
        for node in &running {
            let url = format!("nats://127.0.0.1:{}", node.client_port);
            let client = self
                .options()
                .connection_timeout(Duration::from_secs(2))
                .request_timeout(Some(Duration::from_secs(2)))
                .connect(url)
                .await
                .map_err(|e| format!("{}: {e}", node.name))?;
            first.get_or_insert(client);
        }
        let client = first.ok_or("no node runs")?;
        let reply = client
            .request("$JS.API.INFO", "".into())
            .await
            .map_err(|e| format!("$JS.API.INFO: {e}"))?;
        let v: serde_json::Value =
            serde_json::from_slice(&reply.payload).map_err(|e| format!("$JS.API.INFO: {e}"))?;
        if let Some(err) = v.get("error") {
            return Err(format!("$JS.API.INFO: {err}"));
        }
        let js = async_nats::jetstream::new(client);
        js.create_stream(async_nats::jetstream::stream::Config {
            name: READY_PROBE.into(),
            subjects: vec![format!("hallq.{READY_PROBE}")],
            num_replicas: running.len(),
            storage: async_nats::jetstream::stream::StorageType::Memory,
            ..Default::default()
        })
        .await
        .map_err(|e| format!("a stream on {} nodes: {e}", running.len()))?;
        js.delete_stream(READY_PROBE)
            .await
            .map_err(|e| format!("deleting the probe stream: {e}"))?;
        Ok(())
    }

    /// The process id of node `name`, while it runs.
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .and_then(|n| n.proc.as_ref())
            .and_then(Proc::pid)
    }
}
