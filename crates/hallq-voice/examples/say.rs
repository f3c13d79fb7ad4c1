//! Speak one call to a WAV file, and play it if asked: the crate as the display uses it.
//!
//! ```sh
//! cargo run -p hallq-voice --example say -- A012 3 out.wav            # espeak-ng, Chinese
//! cargo run -p hallq-voice --example say -- A012 3 out.wav --en       # and English
//! cargo run -p hallq-voice --example say -- A012 3 out.wav --play     # and play it (aplay)
//! cargo run -p hallq-voice --example say -- --make-pack voice-pack    # record a sample pack
//! cargo run -p hallq-voice --example say -- A012 3 out.wav --pack voice-pack
//! ```

#![allow(
    clippy::print_stdout,
    reason = "an example reports what it did on stdout"
)]

use std::path::PathBuf;

use anyhow::{Context, bail};
use hallq_proto::ids::{CounterNo, TicketId, TicketNo, Timestamp};
use hallq_voice::{Announcer, Call, Engine, Outcome, VoiceConfig, pack, render_call};

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut flag = |name: &str| {
        let found = args.iter().position(|a| a == name);
        found.map(|i| args.remove(i)).is_some()
    };
    let english = flag("--en");
    let play = flag("--play");
    let mut config = VoiceConfig {
        english,
        ..VoiceConfig::default()
    };
    if let Some(i) = args.iter().position(|a| a == "--make-pack") {
        let dir = PathBuf::from(args.get(i + 1).context("--make-pack DIR")?);
        let n = pack::make_from_espeak(&dir, &config.espeak())?;
        println!("{n} clips recorded in {}", dir.display());
        return Ok(());
    }
    if let Some(i) = args.iter().position(|a| a == "--pack") {
        let dir = args.get(i + 1).context("--pack DIR")?.clone();
        args.drain(i..=i + 1);
        config.engine = Engine::Clips;
        config.pack_dir = Some(dir.into());
    }
    let [number, counter, out] = args.as_slice() else {
        bail!(
            "usage: say NUMBER COUNTER OUT.wav [--en] [--play] [--pack DIR] | say --make-pack DIR"
        );
    };
    let call = Call {
        ticket: TicketId::new("example")?,
        number: TicketNo(number.clone()),
        counter: CounterNo(counter.parse().context("COUNTER is a number")?),
        recall: 0,
        at_ms: Timestamp(0),
    };

    // What the announcer plays, written where asked.
    let wav = render_call(&*config.voice()?, &call, config.english)?;
    wav.write(out.as_ref())?;
    println!(
        "{out}: {:.2} s, {}, peak {:.2}, RMS {:.3}",
        wav.duration().as_secs_f64(),
        wav.format,
        wav.peak(),
        wav.rms()
    );

    if play {
        // Through the announcer, as the display does: the report says when it has been heard.
        let (tx, rx) = std::sync::mpsc::channel();
        let announcer = Announcer::from_config(&config, move |a| {
            let _ = tx.send(a);
        })?;
        announcer.announce(call)?;
        let report = rx.recv()?;
        println!(
            "{} at counter {}: {:?}",
            report.call.number, report.call.counter, report.outcome
        );
        announcer.shutdown();
        if !matches!(
            report.outcome,
            Outcome::Played { .. } | Outcome::RenderedOnly
        ) {
            bail!("not played");
        }
    }
    Ok(())
}
