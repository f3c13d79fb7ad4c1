//! The announcer with real speech and real player processes: calls are heard in the order they
//! came, each repeated, a recall again after them, none cut off; a stuck player costs the oldest
//! waiting calls, never the one playing; shutdown lets the play finish.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hallq_voice::{
    Admission, Announced, Announcer, DropReason, Outcome, Player, Settings, VoiceConfig,
    VoiceError, Wav,
};

use common::{call, espeak};

const WAIT: Duration = Duration::from_secs(30);

fn settings(repeats: u32, capacity: usize) -> Settings {
    Settings {
        english: false,
        repeats,
        repeat_pause: Duration::from_millis(50),
        queue_capacity: capacity,
    }
}

fn reports() -> (
    impl Fn(Announced) + Send + Sync + 'static,
    Receiver<Announced>,
) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    (move |a| tx.lock().unwrap().send(a).unwrap(), rx)
}

fn outcomes(rx: &Receiver<Announced>, n: usize) -> Vec<(String, u32, Outcome)> {
    (0..n)
        .map(|_| {
            let a = rx.recv_timeout(WAIT).expect("a report");
            (a.call.number.0, a.call.recall, a.outcome)
        })
        .collect()
}

/// A player script that logs the start and end of each play, keeps a copy of the WAV it was
/// given, and takes 0.3 s, as a real player takes the length of the sound.
fn logging_player(dir: &Path) -> (String, PathBuf) {
    let log = dir.join("plays.log");
    let copies = dir.join("heard");
    std::fs::create_dir(&copies).unwrap();
    let script = dir.join("player.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nb=$(basename \"$1\")\necho \"start $b\" >> {log}\ncp \"$1\" {copies}/\nsleep 0.3\necho \"end $b\" >> {log}\n",
            log = log.display(),
            copies = copies.display()
        ),
    )
    .unwrap();
    (format!("sh {} {{wav}}", script.display()), log)
}

#[test]
fn calls_are_heard_in_arrival_order_repeated_and_none_cut_off() {
    espeak();
    let dir = tempfile::tempdir().unwrap();
    let (player, log) = logging_player(dir.path());
    let config = VoiceConfig {
        player,
        repeats: 2,
        repeat_pause_ms: 50,
        ..VoiceConfig::default()
    };
    let (report, rx) = reports();
    let announcer = Announcer::from_config(&config, report).unwrap();
    // All four arrive while the first is still being played.
    for c in [
        call("A001", 1, 0),
        call("A002", 2, 0),
        call("A001", 1, 1),
        call("B003", 12, 0),
    ] {
        assert_eq!(announcer.announce(c).unwrap(), Admission::Queued);
    }
    let played = Outcome::Played { times: 2 };
    assert_eq!(
        outcomes(&rx, 4),
        [
            ("A001".into(), 0, played.clone()),
            ("A002".into(), 0, played.clone()),
            ("A001".into(), 1, played.clone()),
            ("B003".into(), 0, played),
        ]
    );
    announcer.shutdown();

    // The player saw each call twice in a row, each play ended before the next started.
    let lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let mut expected = Vec::new();
    for (i, name) in ["A001-r0", "A002-r0", "A001-r1", "B003-r0"]
        .iter()
        .enumerate()
    {
        let file = format!("call-{:04}-{name}.wav", i + 1);
        for _ in 0..2 {
            expected.push(format!("start {file}"));
            expected.push(format!("end {file}"));
        }
    }
    assert_eq!(lines, expected);
    // What it was given was the spoken call, not an empty file.
    for entry in std::fs::read_dir(dir.path().join("heard")).unwrap() {
        let w = Wav::read(&entry.unwrap().path()).unwrap();
        assert!(
            w.peak() > 0.1 && w.duration() > Duration::from_secs(2),
            "{w:?}"
        );
    }
}

/// A player that blocks until the test lets it go, telling the test when each play starts.
struct GatedPlayer {
    started: mpsc::Sender<PathBuf>,
    gate: Arc<Mutex<Receiver<()>>>,
}

impl Player for GatedPlayer {
    fn play(&mut self, wav: &Path) -> Result<(), VoiceError> {
        self.started.send(wav.to_owned()).unwrap();
        self.gate.lock().unwrap().recv().unwrap();
        Ok(())
    }
}

fn gated() -> (GatedPlayer, Receiver<PathBuf>, mpsc::Sender<()>) {
    let (started_tx, started_rx) = mpsc::channel();
    let (gate_tx, gate_rx) = mpsc::channel();
    let p = GatedPlayer {
        started: started_tx,
        gate: Arc::new(Mutex::new(gate_rx)),
    };
    (p, started_rx, gate_tx)
}

#[test]
fn a_stuck_player_costs_the_oldest_waiting_calls_never_the_one_playing() {
    let (player, started, gate) = gated();
    let (report, rx) = reports();
    let announcer = Announcer::start(
        Box::new(espeak()),
        Some(Box::new(player)),
        settings(1, 2),
        report,
    )
    .unwrap();
    announcer.announce(call("A001", 1, 0)).unwrap();
    started.recv_timeout(WAIT).unwrap(); // A001 is playing, and stuck
    for n in ["A002", "A003", "A004"] {
        announcer.announce(call(n, 1, 0)).unwrap();
    }
    assert_eq!(
        announcer.announce(call("A005", 1, 0)).unwrap(),
        Admission::QueuedDropping(call("A003", 1, 0)),
    );
    assert_eq!(announcer.waiting(), 2);
    for _ in 0..3 {
        gate.send(()).unwrap();
    }
    let dropped = Outcome::Dropped(DropReason::QueueFull);
    let played = Outcome::Played { times: 1 };
    assert_eq!(
        outcomes(&rx, 5),
        [
            ("A002".into(), 0, dropped.clone()),
            ("A003".into(), 0, dropped),
            ("A001".into(), 0, played.clone()),
            ("A004".into(), 0, played.clone()),
            ("A005".into(), 0, played),
        ]
    );
    announcer.shutdown();
}

#[test]
fn shutdown_lets_the_play_finish_and_reports_the_waiting_calls() {
    let (player, started, gate) = gated();
    let (report, rx) = reports();
    let announcer = Announcer::start(
        Box::new(espeak()),
        Some(Box::new(player)),
        settings(2, 10),
        report,
    )
    .unwrap();
    announcer.announce(call("A001", 1, 0)).unwrap();
    started.recv_timeout(WAIT).unwrap();
    announcer.announce(call("A002", 1, 0)).unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        gate.send(()).unwrap();
    });
    announcer.shutdown(); // returns only after A001's play has ended
    release.join().unwrap();
    assert_eq!(
        outcomes(&rx, 2),
        [
            // Its first play finished; the second was not started.
            ("A001".into(), 0, Outcome::Played { times: 1 }),
            ("A002".into(), 0, Outcome::Dropped(DropReason::Shutdown)),
        ]
    );
}

#[test]
fn a_call_that_cannot_be_spoken_fails_alone_and_without_a_player_calls_are_only_rendered() {
    let (report, rx) = reports();
    let announcer = Announcer::start(Box::new(espeak()), None, settings(2, 10), report).unwrap();
    announcer.announce(call("A-1", 1, 0)).unwrap();
    announcer.announce(call("A002", 1, 0)).unwrap();
    let got = outcomes(&rx, 2);
    assert!(
        matches!(&got[0].2, Outcome::Failed(why) if why.contains("cannot be spoken")),
        "{got:?}"
    );
    assert_eq!(got[1], ("A002".into(), 0, Outcome::RenderedOnly));
    announcer.shutdown();
}

#[test]
fn a_redelivered_call_is_heard_once() {
    let (report, rx) = reports();
    let announcer = Announcer::start(Box::new(espeak()), None, settings(1, 10), report).unwrap();
    assert_eq!(
        announcer.announce(call("A001", 1, 0)).unwrap(),
        Admission::Queued
    );
    assert_eq!(
        announcer.announce(call("A001", 1, 0)).unwrap(),
        Admission::Duplicate
    );
    assert_eq!(
        announcer.announce(call("A001", 1, 1)).unwrap(),
        Admission::Queued
    );
    assert_eq!(outcomes(&rx, 2).len(), 2);
    announcer.shutdown();
    assert!(
        rx.recv_timeout(Duration::from_millis(200)).is_err(),
        "a third report"
    );
}

#[test]
fn a_panicking_report_callback_does_not_stop_the_calls() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let report = move |a: Announced| {
        assert_ne!(a.call.number.0, "A001", "the display's callback has a bug");
        tx.lock().unwrap().send(a).unwrap();
    };
    let announcer = Announcer::start(Box::new(espeak()), None, settings(1, 10), report).unwrap();
    announcer.announce(call("A001", 1, 0)).unwrap();
    announcer.announce(call("A002", 1, 0)).unwrap();
    assert_eq!(
        outcomes(&rx, 1),
        [("A002".into(), 0, Outcome::RenderedOnly)]
    );
    announcer.shutdown();
}

#[test]
fn a_failed_repeat_still_counts_the_play_heard_and_a_failed_first_play_fails() {
    let mut plays = 0;
    // Plays the first file once, then the sound device goes away.
    let player = move |_: &Path| {
        plays += 1;
        if plays == 1 {
            Ok(())
        } else {
            Err(VoiceError::PlayerFailed {
                program: "closure".into(),
                status: "device gone".into(),
            })
        }
    };
    let (report, rx) = reports();
    let announcer = Announcer::start(
        Box::new(espeak()),
        Some(Box::new(player)),
        settings(2, 10),
        report,
    )
    .unwrap();
    announcer.announce(call("A001", 1, 0)).unwrap();
    announcer.announce(call("A002", 1, 0)).unwrap();
    let got = outcomes(&rx, 2);
    assert_eq!(got[0], ("A001".into(), 0, Outcome::Played { times: 1 }));
    assert!(
        matches!(&got[1].2, Outcome::Failed(why) if why.contains("device gone")),
        "{got:?}"
    );
    announcer.shutdown();
}
