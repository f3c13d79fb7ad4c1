//! [`Player`]: what plays a rendered WAV. [`CommandPlayer`] runs a configured program
//! (`aplay -q {wav}`, `paplay {wav}`, `mpv --no-terminal {wav}`) and waits for it; any
//! `FnMut(&Path)` closure is a player too (tests, or an app that plays audio itself).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tracing::{debug, instrument, warn};

use crate::error::VoiceError;

/// Plays a WAV file to the end, blocking. The [`Announcer`](crate::Announcer) calls it from its
/// own thread, one file at a time: a player never has to cope with two at once.
pub trait Player: Send {
    /// Plays the file and returns when it has finished.
    fn play(&mut self, wav: &Path) -> Result<(), VoiceError>;
}

impl<F> Player for F
where
    F: FnMut(&Path) -> Result<(), VoiceError> + Send,
{
    fn play(&mut self, wav: &Path) -> Result<(), VoiceError> {
        self(wav)
    }
}

/// A player program. The command is split on whitespace (no shell, no quoting); `{wav}` is
/// replaced by the file's path, or the path is added at the end when there is no `{wav}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandPlayer {
    /// The program and its arguments, `{wav}` still in place.
    argv: Vec<String>,
    /// How long one play may take before the player is killed: a stuck sound device must not
    /// stop the hall's calls for good.
    timeout: Duration,
}

impl CommandPlayer {
    /// The player of `command` (e.g. `aplay -q {wav}`), killed after `timeout`.
    pub fn new(command: &str, timeout: Duration) -> Result<Self, VoiceError> {
        let mut argv: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        if argv.is_empty() {
            return Err(VoiceError::EmptyPlayer);
        }
        if !argv.iter().any(|a| a.contains("{wav}")) {
            argv.push("{wav}".to_owned());
        }
        Ok(Self { argv, timeout })
    }

    /// Checks that the program exists (on `PATH`, or at its path), so a player that is not
    /// installed is reported when the display starts rather than at its first call.
    pub fn check(&self) -> Result<(), VoiceError> {
        let program = &self.argv[0];
        let found = if program.contains('/') {
            Path::new(program).is_file()
        } else {
            std::env::var_os("PATH").is_some_and(|paths| {
                std::env::split_paths(&paths).any(|d| d.join(program).is_file())
            })
        };
        if found {
            Ok(())
        } else {
            Err(VoiceError::PlayerSpawn {
                program: program.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not installed (not on PATH)",
                ),
            })
        }
    }

    /// The command line that plays `wav`.
    pub fn command_line(&self, wav: &Path) -> Vec<String> {
        let path = wav.display().to_string();
        self.argv
            .iter()
            .map(|a| a.replace("{wav}", &path))
            .collect()
    }
}

impl Player for CommandPlayer {
    #[instrument(skip(self), fields(wav = %wav.display()), err)]
    fn play(&mut self, wav: &Path) -> Result<(), VoiceError> {
        let argv = self.command_line(wav);
        let program = argv[0].clone();
        let mut child = Command::new(&program)
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|source| VoiceError::PlayerSpawn {
                program: program.clone(),
                source,
            })?;
        let deadline = Instant::now() + self.timeout;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => {
                    debug!(%program, "played");
                    return Ok(());
                }
                Ok(Some(status)) => {
                    return Err(VoiceError::PlayerFailed {
                        program,
                        status: status.to_string(),
                    });
                }
                Ok(None) if Instant::now() >= deadline => {
                    warn!(%program, "player stuck: killing it");
                    // Already exited between the check and the kill is fine too.
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(VoiceError::PlayerTimeout {
                        program,
                        secs: self.timeout.as_secs(),
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(VoiceError::io(format!("waiting for {program}"), e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_goes_where_wav_is_or_at_the_end() {
        let p = Path::new("/tmp/x.wav");
        let a = CommandPlayer::new("aplay -q {wav}", Duration::from_secs(1)).unwrap();
        assert_eq!(a.command_line(p), ["aplay", "-q", "/tmp/x.wav"]);
        let b = CommandPlayer::new("  paplay  ", Duration::from_secs(1)).unwrap();
        assert_eq!(b.command_line(p), ["paplay", "/tmp/x.wav"]);
        assert!(matches!(
            CommandPlayer::new(" ", Duration::from_secs(1)),
            Err(VoiceError::EmptyPlayer)
        ));
    }

    #[test]
    fn a_stuck_player_is_killed_after_its_timeout() {
        // `tail -f` on a file never returns: a player whose sound device hangs.
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut p = CommandPlayer::new("tail -f {wav}", Duration::from_millis(200)).unwrap();
        let t = Instant::now();
        let err = p.play(file.path()).unwrap_err();
        assert!(matches!(err, VoiceError::PlayerTimeout { .. }), "{err}");
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_failing_or_missing_player_is_an_error() {
        let mut f = CommandPlayer::new("false", Duration::from_secs(5)).unwrap();
        assert!(matches!(
            f.play(Path::new("x")),
            Err(VoiceError::PlayerFailed { .. })
        ));
        let mut m = CommandPlayer::new("no-such-player-here", Duration::from_secs(5)).unwrap();
        assert!(matches!(
            m.play(Path::new("x")),
            Err(VoiceError::PlayerSpawn { .. })
        ));
    }
}
