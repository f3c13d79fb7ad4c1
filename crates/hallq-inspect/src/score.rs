//! The compliance score (服务规范达标率): items passed over items checked.
//!
//! **A failed critical item fails its whole inspection**: every item of that inspection counts
//! as failed, not only the critical one. This is the "一票否决" (one-vote veto) a service-quality
//! department applies to safety and legal items: a hall whose floor was spotless but whose doors
//! were left unlocked did not meet the standard that evening, and a score of 2 out of 3 would
//! say it nearly did. Other failed items count one each. The rule is written down in
//! docs/reports.md; the same [`Tally`] is what a hall's report and headquarters' roll-up add.

use serde::{Deserialize, Serialize};

use crate::register::CheckedItem;

/// Counts that add up across inspections, days, halls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Inspections recorded.
    pub inspections: u64,
    /// Of them, with a failed critical item.
    pub critical_failed: u64,
    /// Items checked.
    pub items_checked: u64,
    /// Items that count as passed (none of an inspection with a critical failure).
    pub items_passed: u64,
}

impl Tally {
    /// Adds one inspection's items.
    pub fn add(&mut self, items: &[CheckedItem]) {
        let n = items.len() as u64;
        self.inspections += 1;
        self.items_checked += n;
        if items.iter().any(|i| i.critical && !i.pass) {
            self.critical_failed += 1;
        } else {
            self.items_passed += items.iter().filter(|i| i.pass).count() as u64;
        }
    }

    /// Adds another tally (another month, hall, kind).
    pub fn merge(&mut self, other: &Tally) {
        self.inspections += other.inspections;
        self.critical_failed += other.critical_failed;
        self.items_checked += other.items_checked;
        self.items_passed += other.items_passed;
    }

    /// The compliance in percent; none when nothing was checked.
    pub fn compliance_pct(&self) -> Option<f64> {
        (self.items_checked > 0)
            .then(|| 100.0 * self.items_passed as f64 / self.items_checked as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(spec: &[(bool, bool)]) -> Vec<CheckedItem> {
        spec.iter()
            .enumerate()
            .map(|(n, &(critical, pass))| CheckedItem {
                item: format!("i{n}"),
                critical,
                pass,
                note: None,
            })
            .collect()
    }

    #[test]
    fn a_failed_critical_item_fails_every_item_of_its_inspection() {
        let mut t = Tally::default();
        // 4 items, one ordinary failure: 3 of 4.
        t.add(&items(&[
            (true, true),
            (false, false),
            (false, true),
            (false, true),
        ]));
        // 3 items, the critical one failed: 0 of 3.
        t.add(&items(&[(false, true), (true, false), (false, true)]));
        // 5 items all passed.
        t.add(&items(&[(false, true); 5]));
        assert_eq!(
            t,
            Tally {
                inspections: 3,
                critical_failed: 1,
                items_checked: 12,
                items_passed: 8,
            }
        );
        let pct = t.compliance_pct().unwrap();
        assert!((pct - 200.0 / 3.0).abs() < 1e-9, "{pct}");
        assert_eq!(Tally::default().compliance_pct(), None);
    }
}
