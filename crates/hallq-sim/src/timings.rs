//! How each emulated device talks: keep-alive, reply time-out, retries, from its firmware
//! profile (firmware-profiles/, crate hallq-profiles), the way the real device would. A device
//! without a profile gets the profiles' defaults.
//!
//! These are real-time durations even on a simulated clock: the network and the hub's journal
//! commit take real time, whatever the clock says. A profile's `heartbeat_secs` (republishing
//! the birth) is not emulated: the device client publishes its birth at each connect only.

use std::time::Duration;

use hallq_profiles::Profile;

/// A device's timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// MQTT keep-alive: how soon the broker notices the device is gone.
    pub keep_alive: Duration,
    /// How long to wait for a reply before republishing the command (same id).
    pub reply_timeout: Duration,
    /// How many times a command is published before the device gives up on it.
    pub attempts: u32,
}

/// The timings of a device running firmware `profile` (the profiles' defaults without one).
pub fn for_profile(profile: Option<&Profile>) -> Timings {
    let default = hallq_profiles::Timings::default();
    let t = profile.map_or(&default, |p| &p.timings);
    Timings {
        keep_alive: Duration::from_secs(u64::from(t.keepalive_secs.max(1))),
        reply_timeout: Duration::from_millis(u64::from(t.reply_timeout_ms.max(100))),
        attempts: t.attempts.max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_sets_its_devices_timings() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware-profiles");
        let profiles = hallq_profiles::Profiles::load_dir(&dir).unwrap();
        let kiosk = profiles.get("kiosk-portrait-80mm").unwrap();
        let t = for_profile(Some(kiosk));
        assert_eq!(
            t.keep_alive.as_secs(),
            u64::from(kiosk.timings.keepalive_secs)
        );
        assert_eq!(t.attempts, kiosk.timings.attempts);
        assert_eq!(for_profile(None).reply_timeout, Duration::from_millis(2000));
    }
}
