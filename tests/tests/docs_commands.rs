//! The documentation's commands, run as written: the shell blocks marked `sh tested` of
//! docs/protocol.md §10 ("Try it by hand") and of deploy/README.md, in order, against a real hub
//! of the example hall (deploy/hall.example.toml), with the real `hallq`, `mosquitto_sub` and
//! `mosquitto_pub`, over the embedded broker and over Eclipse Mosquitto; and what the text says
//! they show is checked. A command changed in the docs runs changed here.
//!
//! What stands in for the machine the docs are written for:
//! - a scratch directory is `/`: `/etc/…`, `/var/…` and `/run/…` in a command or in Mosquitto's
//!   files name the same paths under it, and Mosquitto's own configuration is Debian 12's stock
//!   `/etc/mosquitto/mosquitto.conf` ([`DEBIAN_MOSQUITTO_CONF`]);
//! - the broker's port 1883 is a free port: the hub gets it through `HALLQ_LISTEN`, Mosquitto's
//!   `listener` line and `mqtt://127.0.0.1:1883` are rewritten, and `mosquitto_sub`/`_pub` read
//!   `-p PORT` from their own options file (`$XDG_CONFIG_HOME/mosquitto_sub`), so their command
//!   lines stay exactly as written;
//! - `systemctl start|restart|reload hallq-hub|mosquitto` starts, restarts or reloads (SIGHUP)
//!   the test's own processes; `apt-get install` checks that the packages are installed;
//! - a secret that `hallq device add|rotate ID` prints goes into the variable the docs name after
//!   the id (`kiosk-1` → `KIOSK_SECRET`), as the reader is told to keep it;
//! - the hub runs on its test clock at 10:00, hall time, so the example hall is open (the docs say
//!   what happens outside its hours).

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is a failed test"
)]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hallq_tests::{free_port, hallq_bin, mosquitto_available};
use serde_json::Value;

/// Debian 12's `/etc/mosquitto/mosquitto.conf`, as the `mosquitto` package installs it.
const DEBIAN_MOSQUITTO_CONF: &str = "\
# Place your local configuration in /etc/mosquitto/conf.d/
#
# A full description of the configuration file is at
# /usr/share/doc/mosquitto/examples/mosquitto.conf.example

pid_file /run/mosquitto/mosquitto.pid

persistence true
persistence_location /var/lib/mosquitto/

log_dest file /var/log/mosquitto/mosquitto.log

include_dir /etc/mosquitto/conf.d
";

/// How long one expected thing may take to show, at most (a loaded two-core machine).
const WAIT: Duration = Duration::from_secs(30);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fenced block of a doc: its tag (`tested`, `tested-mosquitto`), the `## ` section it is in,
/// its first line number and its lines.
#[derive(Debug, Clone)]
struct Block {
    tag: String,
    section: String,
    line: usize,
    lines: Vec<String>,
}

/// The `sh tested…` blocks of `doc`.
fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut open: Option<Block> = None;
    for (n, l) in doc.lines().enumerate() {
        if let Some(b) = open.as_mut() {
            if l.starts_with("```") {
                out.push(open.take().unwrap());
            } else {
                b.lines.push(l.to_owned());
            }
            continue;
        }
        if let Some(h) = l.strip_prefix("## ") {
            section = h.to_owned();
        } else if let Some(tag) = l.strip_prefix("```sh ") {
            open = Some(Block {
                tag: tag.trim().to_owned(),
                section: section.clone(),
                line: n + 1,
                lines: Vec::new(),
            });
        }
    }
    out
}

fn doc_blocks(file: &str, section_starts: &str) -> Vec<Block> {
    let text = std::fs::read_to_string(repo().join(file)).unwrap();
    blocks(&text)
        .into_iter()
        .filter(|b| b.section.starts_with(section_starts))
        .collect()
}

/// The command of a line, without its trailing `# comment`.
fn command_part(line: &str) -> &str {
    line.find(" #").map_or(line, |i| &line[..i]).trim()
}

/// The watcher's output: `topic payload` lines, as they come.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

/// The scratch machine.
struct Machine {
    root: tempfile::TempDir,
    port: u16,
    env: BTreeMap<String, String>,
    hub: Option<(String, Child)>,
    mosquitto: Option<Child>,
    watch: Option<(String, Watch)>,
    /// Every command run, for failure messages.
    transcript: Vec<String>,
}

impl Machine {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        // Mosquitto, started as root, drops to its own user: the tree must be open to it.
        std::fs::set_permissions(r, std::fs::Permissions::from_mode(0o755)).unwrap();
        for d in [
            "etc/hallq",
            "etc/mosquitto/conf.d",
            "var/lib/hallq",
            "var/lib/mosquitto",
            "var/log/mosquitto",
            "run/mosquitto",
            "xdg",
            "mosquitto-run/conf.d",
        ] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        for d in ["var/lib/mosquitto", "var/log/mosquitto", "run/mosquitto"] {
            std::fs::set_permissions(r.join(d), std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        std::fs::copy(
            repo().join("deploy/hall.example.toml"),
            r.join("etc/hallq/hall.toml"),
        )
        .unwrap();
        std::fs::write(
            r.join("etc/mosquitto/mosquitto.conf"),
            DEBIAN_MOSQUITTO_CONF,
        )
        .unwrap();
        let port = free_port();
        for client in ["mosquitto_sub", "mosquitto_pub"] {
            std::fs::write(r.join("xdg").join(client), format!("-p {port}\n")).unwrap();
        }
        let bin_dir = hallq_bin().parent().unwrap().display().to_string();
        let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
        let env = BTreeMap::from([
            ("PATH".into(), path),
            ("HOME".into(), r.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                r.join("xdg").display().to_string(),
            ),
            ("USER".into(), "docs-reader".into()),
            (
                "HALLQ_DATA_DIR".into(),
                r.join("var/lib/hallq").display().to_string(),
            ),
            ("HALLQ_LISTEN".into(), format!("127.0.0.1:{port}")),
            (
                "HALLQ_PROFILES_DIR".into(),
                repo().join("firmware-profiles").display().to_string(),
            ),
            ("RUST_LOG".into(), "warn,hallq_hub=info".into()),
        ]);
        Self {
            root,
            port,
            env,
            hub: None,
            mosquitto: None,
            watch: None,
            transcript: Vec::new(),
        }
    }

    /// `text` with the machine's paths and port put in.
    fn rewrite(&self, text: &str) -> String {
        let r = self.root.path().display().to_string();
        let port = self.port;
        text.replace("/etc/", &format!("{r}/etc/"))
            .replace("/var/", &format!("{r}/var/"))
            .replace("/run/", &format!("{r}/run/"))
            .replace("127.0.0.1:1883", &format!("127.0.0.1:{port}"))
            .replace("listener 1883", &format!("listener {port} 127.0.0.1"))
    }

    fn shell(&self, line: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(line)
            .current_dir(repo().join("deploy"))
            .env_clear()
            .envs(&self.env)
            // Its own process group, so that stopping it stops what `sh` started.
            .process_group(0);
        c
    }

    fn fail(&self, what: &str) -> ! {
        panic!(
            "{what}\n--- commands run:\n{}\n--- hub log:\n{}\n--- mosquitto log:\n{}",
            self.transcript.join("\n"),
            std::fs::read_to_string(self.root.path().join("hub.log")).unwrap_or_default(),
            std::fs::read_to_string(self.root.path().join("var/log/mosquitto/mosquitto.log"))
                .unwrap_or_default(),
        )
    }

    /// Runs every line of `block`, as a reader would type them.
    fn run_block(&mut self, block: &Block, file: &str) {
        for line in &block.lines {
            let cmd = command_part(line);
            if cmd.is_empty() || cmd.starts_with('#') {
                continue;
            }
            self.transcript.push(format!("{file}:{} {cmd}", block.line));
            self.run_line(cmd);
        }
    }

    fn run_line(&mut self, cmd: &str) {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        match words.as_slice() {
            ["export", assignment] => {
                let (k, v) = assignment.split_once('=').unwrap();
                let v = self.rewrite(v.trim_matches(['\'', '"']));
                self.env.insert(k.to_owned(), v);
            }
            ["apt-get", "install", packages @ ..] => {
                for p in packages.iter().filter(|p| !p.starts_with('-')) {
                    let ok = Command::new("dpkg-query")
                        .args(["-W", "-f=${Status}", p])
                        .output()
                        .is_ok_and(|o| {
                            String::from_utf8_lossy(&o.stdout).contains("install ok installed")
                        });
                    if !ok {
                        self.fail(&format!("the docs install {p}: it is not installed here"));
                    }
                }
            }
            ["systemctl", action, unit] | ["systemctl", action, "--now", unit] => {
                self.systemctl(action, unit)
            }
            _ if cmd.contains("hallq hub ") => self.start_hub(&self.rewrite(cmd)),
            ["mosquitto_sub", ..] if !words.contains(&"-C") => self.start_watch(cmd),
            _ => {
                let line = self.rewrite(cmd);
                let out = self.shell(&line).stdin(Stdio::null()).output().unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                if !out.status.success() {
                    self.fail(&format!(
                        "`{cmd}` failed:\n{stdout}\n{}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                self.keep_secret(&words, &stdout);
            }
        }
    }

    /// After `hallq device add|rotate ID …`: the printed secret, as `{ID'S KIND}_SECRET`.
    fn keep_secret(&mut self, words: &[&str], stdout: &str) {
        let ["hallq", "device", "add" | "rotate", id, ..] = words else {
            return;
        };
        let secret = stdout
            .lines()
            .find_map(|l| l.strip_prefix("secret / 密钥: "))
            .unwrap_or_else(|| self.fail(&format!("no secret printed for {id}:\n{stdout}")));
        let kind = id.split('-').next().unwrap().to_uppercase();
        self.env
            .insert(format!("{kind}_SECRET"), secret.trim().to_owned());
    }

    fn systemctl(&mut self, action: &str, unit: &str) {
        match (unit, action) {
            ("hallq-hub", "reload") => {
                let pid = self.hub.as_ref().map(|(_, c)| c.id()).unwrap();
                let served = self.hub_log_count("hall.toml reloaded");
                signal(pid, "-HUP");
                self.wait_hub_log("hall.toml reloaded", served + 1);
            }
            ("hallq-hub", "restart" | "start" | "enable") => {
                let (line, child) = self.hub.take().unwrap_or_else(|| {
                    self.fail("systemctl restart hallq-hub, but no hub was started")
                });
                stop(child, "-TERM");
                self.start_hub(&line);
            }
            ("mosquitto", "restart" | "start") => {
                if let Some(m) = self.mosquitto.take() {
                    stop(m, "-TERM");
                }
                self.start_mosquitto();
            }
            ("mosquitto", "reload") => {
                let pid = self.mosquitto.as_ref().map(Child::id).unwrap();
                signal(pid, "-HUP");
            }
            _ => self.fail(&format!(
                "systemctl {action} {unit}: not a step this test knows"
            )),
        }
    }

    fn hub_log_count(&self, what: &str) -> usize {
        std::fs::read_to_string(self.root.path().join("hub.log"))
            .unwrap_or_default()
            .matches(what)
            .count()
    }

    fn wait_hub_log(&self, what: &str, count: usize) {
        let start = Instant::now();
        while self.hub_log_count(what) < count {
            if start.elapsed() > WAIT {
                self.fail(&format!("the hub never logged {what:?}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the hub of `line` on the test clock, and waits until it serves.
    fn start_hub(&mut self, line: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.path().join("hub.log"))
            .unwrap();
        let served = self.hub_log_count("hub serving");
        // `VAR=value … hallq hub …`: the shell execs the hub, so that a signal reaches it.
        let words: Vec<&str> = line.split_whitespace().collect();
        let first = words.iter().position(|w| !w.contains('=')).unwrap_or(0);
        let mut shell = self.shell(&format!(
            "exec {} --test-start 10:00 --test-speed 1",
            words[first..].join(" ")
        ));
        for w in &words[..first] {
            let (k, v) = w.split_once('=').unwrap();
            shell.env(k, v);
        }
        let child = shell.stdout(Stdio::null()).stderr(log).spawn().unwrap();
        self.hub = Some((line.to_owned(), child));
        self.wait_hub_log("hub serving", served + 1);
    }

    /// Starts Mosquitto from the stock configuration and what was copied into conf.d, with the
    /// machine's paths and port.
    fn start_mosquitto(&mut self) {
        let r = self.root.path();
        let run = r.join("mosquitto-run");
        let conf = self
            .rewrite(&std::fs::read_to_string(r.join("etc/mosquitto/mosquitto.conf")).unwrap())
            .replace(
                &format!("include_dir {}/etc/mosquitto/conf.d", r.display()),
                &format!("include_dir {}", run.join("conf.d").display()),
            );
        std::fs::write(run.join("mosquitto.conf"), conf).unwrap();
        for entry in std::fs::read_dir(r.join("etc/mosquitto/conf.d")).unwrap() {
            let path = entry.unwrap().path();
            let text = self.rewrite(&std::fs::read_to_string(&path).unwrap());
            std::fs::write(run.join("conf.d").join(path.file_name().unwrap()), text).unwrap();
        }
        let err = std::fs::File::create(r.join("mosquitto.stderr")).unwrap();
        let mut child = Command::new("mosquitto")
            .arg("-c")
            .arg(run.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap();
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                self.fail(&format!(
                    "Mosquitto did not start ({status}):\n{}",
                    std::fs::read_to_string(r.join("mosquitto.stderr")).unwrap_or_default()
                ));
            }
            if start.elapsed() > WAIT {
                self.fail("Mosquitto does not listen");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.mosquitto = Some(child);
    }

    /// Starts the watcher of `cmd` and waits for its first message (the retained `state/hub`);
    /// a watcher refused while a broker reloads is started again.
    fn start_watch(&mut self, cmd: &str) {
        for _ in 0..10 {
            let mut child = self
                .shell(&format!("exec {}", self.rewrite(cmd)))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let (tx, lines) = mpsc::channel();
            let stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { return };
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
            match lines.recv_timeout(WAIT) {
                Ok(first) => {
                    let watch = Watch {
                        child,
                        lines,
                        seen: vec![first],
                    };
                    self.watch = Some((cmd.to_owned(), watch));
                    return;
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
        self.fail(&format!("`{cmd}` shows nothing"));
    }

    /// Waits for the watcher to show a message on `topic` (after the hall's tree) whose payload
    /// `pick` accepts; returns it. Messages are searched from the first not yet taken by an
    /// earlier wait on the same topic.
    fn shows(&mut self, topic: &str, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let full = format!("hallq/v1/demo/{topic} ");
        let start = Instant::now();
        let mut i = 0;
        loop {
            let watch = &mut self.watch.as_mut().unwrap().1;
            while i < watch.seen.len() {
                let line = &watch.seen[i];
                i += 1;
                if let Some(payload) = line.strip_prefix(&full)
                    && let Ok(v) = serde_json::from_str::<Value>(payload)
                    && pick(&v)
                {
                    // The topic's messages up to this one are taken: a later wait on the topic
                    // finds what came after (the topics' own order is the broker's).
                    let mut k = 0;
                    watch.seen.retain(|l| {
                        k += 1;
                        k > i || !l.starts_with(&full)
                    });
                    return v;
                }
            }
            match watch.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => watch.seen.push(line),
                Err(_) if start.elapsed() > WAIT => {
                    let seen = watch.seen.join("\n");
                    self.fail(&format!(
                        "the watcher never showed {topic}: {what}\nit showed:\n{seen}"
                    ))
                }
                Err(_) => {}
            }
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        if let Some((_, w)) = self.watch.take() {
            stop(w.child, "-KILL");
        }
        if let Some((_, h)) = self.hub.take() {
            stop(h, "-KILL");
        }
        if let Some(m) = self.mosquitto.take() {
            stop(m, "-KILL");
        }
    }
}

fn signal(pid: u32, sig: &str) {
    Command::new("kill")
        .arg(sig)
        .arg(pid.to_string())
        .status()
        .unwrap();
}

/// Stops `child` and everything in its process group.
fn stop(mut child: Child, sig: &str) {
    let _ = Command::new("kill")
        .arg(sig)
        .arg("--")
        .arg(format!("-{}", child.id()))
        .status();
    let start = Instant::now();
    while child.try_wait().ok().flatten().is_none() && start.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn ok_kind(v: &Value) -> &str {
    v["ok"]["kind"].as_str().unwrap_or_default()
}

/// docs/protocol.md §10, block by block, with what the text says each shows.
fn try_it_by_hand(m: &mut Machine, mosquitto: bool) {
    const DOC: &str = "docs/protocol.md";
    let blocks: Vec<Block> = doc_blocks(DOC, "10. Try it by hand")
        .into_iter()
        .filter(|b| b.tag == "tested" || (mosquitto && b.tag == "tested-mosquitto"))
        .collect();
    let config = m.root.path().join("etc/hallq/hall.toml");
    m.env
        .insert("HALLQ_CONFIG".into(), config.display().to_string());
    let mut steps = blocks.iter();
    let mut next = |m: &mut Machine| {
        let b = steps
            .next()
            .unwrap_or_else(|| m.fail("§10 has fewer blocks than this test checks"));
        m.run_block(b, DOC);
        b.clone()
    };

    // Logins: the monitor added, the devices played given secrets, the hub restarted.
    next(m);
    for v in ["MONITOR", "KIOSK", "COUNTER", "EVALUATOR"] {
        assert!(
            m.env.contains_key(&format!("{v}_SECRET")),
            "§10 gives no secret for {v}"
        );
    }
    if mosquitto {
        next(m);
    }

    // The watcher: the retained state at once.
    next(m);
    m.shows("state/hub", "online", |v| v["status"] == "online");
    for topic in [
        "state/board",
        "state/services",
        "state/counter/3",
        "state/complaints",
    ] {
        m.shows(topic, "retained", |_| true);
    }

    // A ticket at the kiosk; the same line again gets the same reply and no second ticket.
    let ticket = next(m);
    m.shows("cmd/kiosk-1", "the command", |v| {
        v["kind"] == "issue_ticket"
    });
    let reply = m.shows("reply/kiosk-1", "ticket_issued", |v| {
        ok_kind(v) == "ticket_issued"
    });
    assert_eq!(reply["ok"]["number"], "A001", "{reply}");
    m.shows("state/services", "one waiting", |v| {
        v["services"].as_array().is_some_and(|s| {
            s.iter()
                .any(|s| s["business"] == "basic" && s["waiting"] == 1)
        })
    });
    m.run_block(&ticket, DOC);
    let again = m.shows("reply/kiosk-1", "the same reply", |_| true);
    assert_eq!(again, reply, "the same line gets the same reply");

    // Sign in and call.
    next(m);
    m.shows("reply/counter-3", "counter, open", |v| {
        ok_kind(v) == "counter" && v["ok"]["open"] == true
    });
    m.shows("reply/counter-3", "called", |v| ok_kind(v) == "called");
    m.shows("event/call", "the call", |v| {
        v["speech"]["zh"] == "请 A001 号到 3 号窗口办理"
    });
    m.shows("state/counter/3", "calling", |v| {
        v["activity"]["state"] == "calling"
    });

    // Serve and finish.
    next(m);
    m.shows("state/counter/3", "serving", |v| {
        v["activity"]["state"] == "serving"
    });
    m.shows("state/counter/3", "idle, awaiting a rating", |v| {
        v["activity"]["state"] == "idle" && v["awaiting_rating"]["number"] == "A001"
    });

    // The rating.
    next(m);
    m.shows("reply/evaluator-3", "rated", |v| ok_kind(v) == "rated");
    m.shows("state/counter/3", "no rating awaited", |v| {
        v["awaiting_rating"].is_null()
    });
    // A block added to §10 needs its checks here.
    let checked = if mosquitto { 7 } else { 6 };
    assert_eq!(
        blocks.len(),
        checked,
        "§10 has blocks this test does not check"
    );
}

/// The monitor reads everything and writes nothing: what it publishes is not kept, not even a
/// retained message.
fn the_monitor_writes_nothing(m: &mut Machine) {
    if let Some((_, w)) = m.watch.take() {
        stop(w.child, "-KILL");
    }
    let login = "-i monitor-1 -u monitor-1 -P \"$MONITOR_SECRET\"";
    for topic in ["state/board", "presence/monitor-1"] {
        m.run_line(&format!(
            "mosquitto_pub {login} -q 1 -r -t 'hallq/v1/demo/{topic}' -m forged"
        ));
    }
    m.start_watch(&format!(
        "mosquitto_sub {login} -v -t 'hallq/v1/demo/state/board' -t 'hallq/v1/demo/presence/monitor-1'"
    ));
    let board = m.shows("state/board", "the hub's board", |_| true);
    assert_eq!(board["hall"], "demo", "{board}");
    let seen = m.watch.as_ref().unwrap().1.seen.join("\n");
    assert!(!seen.contains("forged"), "{seen}");
}

#[test]
fn the_docs_commands_work_as_written_embedded() {
    let mut m = Machine::new();
    const README: &str = "deploy/README.md";
    let hub = doc_blocks(README, "The hub with its embedded broker");
    assert_eq!(
        hub.len(),
        1,
        "deploy/README.md: one tested block to start the hub"
    );
    m.run_block(&hub[0], README);
    let devices = doc_blocks(README, "Devices");
    assert_eq!(
        devices.len(),
        1,
        "deploy/README.md: one tested block of device commands"
    );
    m.run_block(&devices[0], README);
    let list = Command::new(hallq_bin())
        .args(["device", "list"])
        .env_clear()
        .envs(&m.env)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.lines()
            .any(|l| l.starts_with("greeter-2 ") && l.contains("active"))
            && list
                .lines()
                .any(|l| l.starts_with("kiosk-3 ") && l.contains("revoked")),
        "{list}"
    );
    try_it_by_hand(&mut m, false);
    the_monitor_writes_nothing(&mut m);
}

#[test]
fn the_docs_commands_work_as_written_mosquitto() {
    if !mosquitto_available() {
        return;
    }
    let mut m = Machine::new();
    const README: &str = "deploy/README.md";
    let steps = doc_blocks(README, "With Eclipse Mosquitto");
    assert_eq!(
        steps.len(),
        1,
        "deploy/README.md: one tested block for Mosquitto"
    );
    m.run_block(&steps[0], README);
    try_it_by_hand(&mut m, true);
    the_monitor_writes_nothing(&mut m);
}

#[test]
fn device_revoke_and_rotate_say_a_reload_is_enough() {
    for cmd in ["revoke", "rotate"] {
        let out = Command::new(hallq_bin())
            .args(["device", cmd, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("systemctl reload hallq-hub") && !help.contains("restart"),
            "hallq device {cmd} --help:\n{help}"
        );
    }
}
