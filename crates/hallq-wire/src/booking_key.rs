//! The hall's booking key handed down (docs/booking.md, "At HQ"): HQ hashes a booking's mobile
//! number under `k_h = HMAC(HQ's booking key, "booking|" + hall)`; the hall needs `k_h` to hash
//! a number typed at its kiosk the same way, so that check-in by number finds HQ's bookings.
//!
//! It is a key of its own in the configuration bucket, `bookingkey.<hall>`, not a section of
//! the hall's configuration document: the document is journaled in the clear
//! (`config_applied`), uploaded with the journal, stored at HQ (`config_published`) and shown on
//! the console; a secret inside it would have to be cut out at each of those places. Only the
//! hall's own NATS user may read it (deploy/nats/hallq-hq.conf).

use serde::{Deserialize, Serialize};

use crate::config::CONFIG_BUCKET;

/// Bytes of a hall's booking key.
pub const BOOKING_KEY_BYTES: usize = 32;

/// The hall's booking key's key in [`CONFIG_BUCKET`], `bookingkey.<hall>`.
pub fn booking_key_key(hall: &str) -> String {
    format!("bookingkey.{hall}")
}

/// The subject a put of the hall's booking key is published on (what its hub subscribes to).
pub fn booking_key_subject(hall: &str) -> String {
    format!("$KV.{CONFIG_BUCKET}.{}", booking_key_key(hall))
}

/// The value of `bookingkey.<hall>`: the hall it is for and `k_h` in hex. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallBookingKey {
    /// The hall the key is for (a hub takes only its own).
    pub hall: String,
    /// `k_h`, 64 hex digits.
    pub key: String,
}

impl std::fmt::Debug for HallBookingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HallBookingKey")
            .field("hall", &self.hall)
            .field("key", &"***")
            .finish()
    }
}

impl HallBookingKey {
    /// The value for `hall` with `key`.
    pub fn new(hall: &str, key: &[u8; BOOKING_KEY_BYTES]) -> Self {
        Self {
            hall: hall.to_owned(),
            key: key.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// The key's bytes; none if `key` is not 64 hex digits.
    pub fn bytes(&self) -> Option<[u8; BOOKING_KEY_BYTES]> {
        let hex = self.key.as_bytes();
        if hex.len() != 2 * BOOKING_KEY_BYTES {
            return None;
        }
        let mut out = [0u8; BOOKING_KEY_BYTES];
        for (i, pair) in hex.chunks(2).enumerate() {
            let text = std::str::from_utf8(pair).ok()?;
            out[i] = u8::from_str_radix(text, 16).ok()?;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_goes_through_hex_and_debug_hides_it() {
        let k = HallBookingKey::new("gz-01", &[0xab; 32]);
        assert_eq!(k.bytes(), Some([0xab; 32]));
        assert!(!format!("{k:?}").contains("abab"));
        let bad = HallBookingKey {
            hall: "gz-01".into(),
            key: "zz".repeat(32),
        };
        assert_eq!(bad.bytes(), None);
        assert_eq!(
            booking_key_subject("gz-01"),
            "$KV.HALLQ_CONFIG.bookingkey.gz-01"
        );
    }
}
