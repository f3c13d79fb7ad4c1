//! The demo day's script: how many customers come when, what they want, how long service takes,
//! how they rate. Pure and deterministic by seed; the devices act it out over MQTT.

use hallq_proto::{BusinessCode, Priority, PriorityReason, Score, ServiceResult};

/// A small deterministic generator (SplitMix64): the demo needs repeatable choices, not crypto.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed`; each device derives its own stream with a different `stream`.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut r = Self(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform whole seconds in [lo, hi].
    pub(crate) fn secs(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.unit() * (hi - lo + 1) as f64) as i64
    }
}

/// Arrivals per hour by the hour of day: a morning and an afternoon peak (高峰), a lunch dip.
pub(crate) fn arrivals_per_hour(hour: u32) -> f64 {
    match hour {
        8 => 12.0,
        9 => 24.0,
        10 | 11 => 46.0,
        12 | 13 => 24.0,
        14 | 15 => 42.0,
        16 => 30.0,
        _ => 0.0,
    }
}

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap_or_else(|_| unreachable!("demo codes are valid"))
}

/// What a customer comes for.
pub(crate) fn pick_business(rng: &mut Rng) -> BusinessCode {
    code(match rng.unit() {
        r if r < 0.20 => "consult",
        r if r < 0.65 => "basic",
        r if r < 0.85 => "complex",
        r if r < 0.95 => "repair",
        _ => "enterprise",
    })
}

/// Priority service or the green channel, sometimes.
pub(crate) fn pick_priority(rng: &mut Rng) -> (Priority, Option<PriorityReason>) {
    match rng.unit() {
        r if r < 0.05 => (Priority::Care, Some(PriorityReason::Elderly)),
        r if r < 0.07 => (Priority::Care, Some(PriorityReason::Pregnant)),
        r if r < 0.08 => (Priority::Care, Some(PriorityReason::Disabled)),
        r if r < 0.11 => (Priority::GreenChannel, None),
        _ => (Priority::Ordinary, None),
    }
}

/// Handling time in seconds by business type, spread around the class's typical time.
pub(crate) fn service_secs(rng: &mut Rng, business: &str) -> i64 {
    let (lo, hi) = match business {
        "consult" => (120, 420),
        "basic" => (240, 840),
        "complex" => (600, 1800),
        "repair" => (420, 1200),
        _ => (480, 1500),
    };
    rng.secs(lo, hi)
}

/// How a service ends.
pub(crate) fn pick_result(rng: &mut Rng) -> ServiceResult {
    match rng.unit() {
        r if r < 0.86 => ServiceResult::Done,
        r if r < 0.93 => ServiceResult::Sale,
        r if r < 0.97 => ServiceResult::NeedsDocuments,
        _ => ServiceResult::Failed,
    }
}

/// The key a customer presses, if any (one in five walks away without rating).
pub(crate) fn pick_score(rng: &mut Rng) -> Option<Score> {
    if rng.chance(0.2) {
        return None;
    }
    Some(match rng.unit() {
        r if r < 0.62 => Score::VerySatisfied,
        r if r < 0.92 => Score::Satisfied,
        r if r < 0.98 => Score::Neutral,
        _ => Score::Dissatisfied,
    })
}

/// The clerks' shifts: counter, staff number, and the minutes of the day they work.
pub(crate) const SHIFTS: [(u16, &str, u32, u32); 6] = [
    (1, "E1001", 8 * 60 + 30, 17 * 60 + 45),
    (2, "E1002", 8 * 60 + 30, 17 * 60 + 45),
    (3, "E1003", 8 * 60 + 30, 17 * 60 + 45),
    (6, "E1006", 8 * 60 + 30, 17 * 60 + 45),
    (4, "E1004", 10 * 60, 16 * 60 + 30),
    (5, "E1005", 10 * 60 + 30, 16 * 60),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_day() {
        let mut a = Rng::new(7, 1);
        let mut b = Rng::new(7, 1);
        let mut c = Rng::new(7, 2);
        let xs: Vec<f64> = (0..10).map(|_| a.unit()).collect();
        assert_eq!(xs, (0..10).map(|_| b.unit()).collect::<Vec<_>>());
        assert_ne!(xs, (0..10).map(|_| c.unit()).collect::<Vec<_>>());
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn the_day_has_peaks() {
        assert!(arrivals_per_hour(10) > arrivals_per_hour(12));
        assert!(arrivals_per_hour(15) > arrivals_per_hour(13));
        assert_eq!(arrivals_per_hour(18), 0.0);
    }
}
