//! [`Histogram`]: durations in whole seconds, a fixed-size array however long the journal.
//! Quantiles are exact to the second below the cap (four hours), which is what the report shows.

/// The longest duration kept to the second; longer ones share the last bucket.
pub const CAP_SECS: usize = 4 * 3600;

/// A histogram of durations, one bucket per second up to [`CAP_SECS`].
#[derive(Debug, Clone)]
pub struct Histogram {
    /// Counts per whole second; the last bucket holds everything at or past the cap.
    buckets: Vec<u64>,
    /// How many durations.
    count: u64,
    /// Their sum in milliseconds (means are exact, not bucketed).
    sum_ms: i128,
    /// The longest, in ms.
    max_ms: i64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; CAP_SECS + 1],
            count: 0,
            sum_ms: 0,
            max_ms: 0,
        }
    }
}

impl Histogram {
    /// Adds a duration in ms (negative ones count as zero).
    pub fn add(&mut self, ms: i64) {
        let ms = ms.max(0);
        let secs = usize::try_from(ms / 1000).unwrap_or(CAP_SECS).min(CAP_SECS);
        self.buckets[secs] += 1;
        self.count += 1;
        self.sum_ms += i128::from(ms);
        self.max_ms = self.max_ms.max(ms);
    }

    /// Adds every duration of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
        self.sum_ms += other.sum_ms;
        self.max_ms = self.max_ms.max(other.max_ms);
    }

    /// How many durations.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean in seconds.
    pub fn mean_secs(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ms as f64 / self.count as f64 / 1000.0)
    }

    /// The longest, in seconds.
    pub fn max_secs(&self) -> Option<f64> {
        (self.count > 0).then(|| self.max_ms as f64 / 1000.0)
    }

    /// The whole second of the duration at quantile `q` (nearest rank).
    pub fn quantile_secs(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (secs, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(secs as u64);
            }
        }
        Some(CAP_SECS as u64)
    }

    /// How many durations are at most `secs` seconds.
    pub fn at_most_secs(&self, secs: u64) -> u64 {
        let end = usize::try_from(secs).unwrap_or(CAP_SECS).min(CAP_SECS);
        let below: u64 = self.buckets[..end].iter().sum();
        // Bucket `end` holds [end, end+1) s: only its exact `end` s belong, which the bucket
        // cannot tell; a duration of exactly N minutes to the second counts as within.
        below + if end < CAP_SECS { self.buckets[end] } else { 0 }
    }

    /// Counts per minute up to `minutes` (the last bar holds the rest), for charts.
    pub fn per_minute(&self, minutes: usize) -> Vec<u64> {
        let mut out = vec![0; minutes + 1];
        for (secs, n) in self.buckets.iter().enumerate() {
            out[(secs / 60).min(minutes)] += n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank_to_the_second() {
        let mut h = Histogram::default();
        for s in 1..=10 {
            h.add(s * 1000 + 400);
        }
        assert_eq!(h.quantile_secs(0.5), Some(5));
        assert_eq!(h.quantile_secs(0.9), Some(9));
        assert_eq!(h.mean_secs(), Some(5.9));
        assert_eq!(h.at_most_secs(3), 3);
    }

    #[test]
    fn durations_past_the_cap_are_kept_in_the_last_bucket() {
        let mut h = Histogram::default();
        h.add(10 * 3600 * 1000);
        assert_eq!(h.quantile_secs(0.5), Some(CAP_SECS as u64));
        assert_eq!(h.max_secs(), Some(36_000.0));
        assert_eq!(h.at_most_secs(60), 0);
    }
}
