//! The token in the ticket's QR code: which ticket, unguessable, for its business day only.
//!
//! `base32(day ‖ serial ‖ HMAC-SHA256(key, hall | day | ticket)[..16])`, lowercase and unpadded
//! (39 characters: a small QR code). The day and the daily serial are in the clear so that the
//! token is checked without any table (the hub, or HQ, recomputes the MAC); the MAC, keyed with
//! the hall's phone key, makes a token for another ticket, day or hall impossible to make up.
//! The key is not the personal-data vault's: a page server (HQ later) may hold it without being
//! able to open a sealed mobile number.

use hallq_proto::{BusinessDay, HallId, TicketId};
use ring::hmac;

/// Bytes of the MAC kept in a token: 128 bits, beyond guessing.
pub const MAC_BYTES: usize = 16;
/// The token's bytes: day (4), serial (4), MAC.
const TOKEN_BYTES: usize = 8 + MAC_BYTES;
/// The key's bytes (the hub keeps them in its data directory: `phone.key`).
pub const KEY_BYTES: usize = 32;

/// Why a token does not open a ticket page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token at all (wrong length or alphabet): a mistyped or cut address.
    #[error("not a ticket token")]
    Malformed,
    /// Well formed, but its MAC is not this hall's for that ticket: made up or of another hall.
    #[error("the token is not this hall's")]
    Forged,
    /// A genuine token of another business day: the ticket is over.
    #[error("the token is of another business day")]
    OtherDay,
}

/// The hall's key for ticket tokens.
pub struct TokenKey {
    key: hmac::Key,
    hall: HallId,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("hall", &self.hall)
            .finish_non_exhaustive()
    }
}

impl TokenKey {
    /// A key from its bytes, for `hall`.
    pub fn new(hall: HallId, secret: &[u8]) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            hall,
        }
    }

    /// The hall the key is for.
    pub fn hall(&self) -> &HallId {
        &self.hall
    }

    fn message(&self, day: BusinessDay, ticket: &TicketId) -> Vec<u8> {
        format!("{}|{day}|{ticket}", self.hall).into_bytes()
    }

    /// The token of `ticket`, issued on `day` with daily serial `serial`.
    pub fn issue(&self, day: BusinessDay, serial: u32) -> String {
        let ticket = ticket_id(day, serial);
        let tag = hmac::sign(&self.key, &self.message(day, &ticket));
        let mut bytes = Vec::with_capacity(TOKEN_BYTES);
        bytes.extend_from_slice(&day.0.to_be_bytes());
        bytes.extend_from_slice(&serial.to_be_bytes());
        bytes.extend_from_slice(&tag.as_ref()[..MAC_BYTES]);
        data_encoding::BASE32_NOPAD
            .encode(&bytes)
            .to_ascii_lowercase()
    }

    /// The token of a ticket by its id (`{day}-{serial}`); `None` for an id of another form.
    pub fn issue_for(&self, ticket: &TicketId) -> Option<String> {
        let (day, serial) = split_ticket_id(ticket)?;
        Some(self.issue(day, serial))
    }

    /// The ticket a token stands for, if it is this hall's and of `today`. The MAC is compared
    /// in constant time; the day is checked after it, so that "another day" is said only of a
    /// genuine token.
    pub fn verify(&self, token: &str, today: BusinessDay) -> Result<TicketId, TokenError> {
        let (day, ticket, mac) = parse(token)?;
        // `ring::hmac::verify` compares whole tags only; the token keeps 16 bytes of it (a
        // short QR code), so the kept bytes are compared here, in constant time.
        let full = hmac::sign(&self.key, &self.message(day, &ticket));
        if !constant_time_eq(&full.as_ref()[..MAC_BYTES], &mac) {
            return Err(TokenError::Forged);
        }
        if day != today {
            return Err(TokenError::OtherDay);
        }
        Ok(ticket)
    }
}

/// How a page server checks a token: the hub with its key ([`TokenKey`]), HQ against the
/// tokens each hall sent (`crate::wire::Listed`): one page module for both.
pub trait TokenCheck: Send + Sync + 'static {
    /// The ticket `token` opens on `today`, or why not.
    fn verify(&self, token: &str, today: BusinessDay) -> Result<TicketId, TokenError>;
}

impl TokenCheck for TokenKey {
    fn verify(&self, token: &str, today: BusinessDay) -> Result<TicketId, TokenError> {
        TokenKey::verify(self, token, today)
    }
}

/// A token's parts as written, unchecked: its day, its ticket and its MAC. Only the MAC's
/// check (with the hall's key, or against the tokens the hall sent) makes them true.
pub fn parse(token: &str) -> Result<(BusinessDay, TicketId, [u8; MAC_BYTES]), TokenError> {
    let upper = token.trim().to_ascii_uppercase();
    let bytes = data_encoding::BASE32_NOPAD
        .decode(upper.as_bytes())
        .map_err(|_| TokenError::Malformed)?;
    if bytes.len() != TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let word = |at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&bytes[at..at + 4]);
        u32::from_be_bytes(b)
    };
    let (day, serial) = (BusinessDay(word(0)), word(4));
    let mut mac = [0u8; MAC_BYTES];
    mac.copy_from_slice(&bytes[8..]);
    Ok((day, ticket_id(day, serial), mac))
}

/// Equality of two byte strings in time that depends only on their length.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The engine's ticket id: `{day}-{serial:04}`.
fn ticket_id(day: BusinessDay, serial: u32) -> TicketId {
    // Digits and a dash: always a valid id.
    TicketId::new(format!("{day}-{serial:04}"))
        .unwrap_or_else(|_| unreachable!("a ticket id of digits is valid"))
}

/// The day and serial of an engine ticket id.
fn split_ticket_id(ticket: &TicketId) -> Option<(BusinessDay, u32)> {
    let (day, serial) = ticket.as_str().split_once('-')?;
    Some((BusinessDay(day.parse().ok()?), serial.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hall(s: &str) -> HallId {
        HallId::new(s).unwrap()
    }

    const DAY: BusinessDay = BusinessDay(20261123);

    #[test]
    fn a_token_opens_its_ticket_on_its_day_and_is_not_the_ticket_id() {
        let k = TokenKey::new(hall("h1"), &[7; 32]);
        let t = k.issue(DAY, 42);
        assert_eq!(t.len(), 39, "{t}");
        assert!(!t.contains("20261123"), "{t}");
        assert_eq!(k.verify(&t, DAY).unwrap().as_str(), "20261123-0042");
        // A QR reader may upper-case it.
        assert_eq!(
            k.verify(&t.to_ascii_uppercase(), DAY).unwrap().as_str(),
            "20261123-0042"
        );
        let id = TicketId::new("20261123-0042").unwrap();
        assert_eq!(k.issue_for(&id).unwrap(), t);
    }

    #[test]
    fn a_forged_token_is_refused() {
        let k = TokenKey::new(hall("h1"), &[7; 32]);
        let t = k.issue(DAY, 42);
        // Another ticket's serial with this ticket's MAC.
        let mut bytes = data_encoding::BASE32_NOPAD
            .decode(t.to_ascii_uppercase().as_bytes())
            .unwrap();
        bytes[7] = 43;
        let other = data_encoding::BASE32_NOPAD.encode(&bytes);
        assert_eq!(k.verify(&other, DAY), Err(TokenError::Forged));
        // One bit of the MAC flipped.
        let mut bytes2 = data_encoding::BASE32_NOPAD
            .decode(t.to_ascii_uppercase().as_bytes())
            .unwrap();
        bytes2[20] ^= 1;
        let flipped = data_encoding::BASE32_NOPAD.encode(&bytes2);
        assert_eq!(k.verify(&flipped, DAY), Err(TokenError::Forged));
        // Another key.
        let thief = TokenKey::new(hall("h1"), &[8; 32]);
        assert_eq!(thief.verify(&t, DAY), Err(TokenError::Forged));
        for junk in [
            "",
            "abc",
            "20261123-0042",
            &t[..38],
            &format!("{t}a"),
            "!!!!",
        ] {
            assert_eq!(k.verify(junk, DAY), Err(TokenError::Malformed), "{junk}");
        }
    }

    #[test]
    fn another_day_s_token_is_refused_as_such() {
        let k = TokenKey::new(hall("h1"), &[7; 32]);
        let yesterday = k.issue(BusinessDay(20261122), 42);
        assert_eq!(k.verify(&yesterday, DAY), Err(TokenError::OtherDay));
    }

    #[test]
    fn another_hall_s_token_is_refused_even_with_the_same_key() {
        let a = TokenKey::new(hall("h1"), &[7; 32]);
        let b = TokenKey::new(hall("h2"), &[7; 32]);
        assert_eq!(b.verify(&a.issue(DAY, 42), DAY), Err(TokenError::Forged));
    }
}
