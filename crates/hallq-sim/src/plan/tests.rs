//! The plan's properties: deterministic, peaks, opening hours, mix, staffing, door.

use super::*;

fn config() -> SimConfig {
    let hall = HallConfig::parse(include_str!("../../../../deploy/hall.example.toml")).unwrap();
    SimConfig {
        hall,
        scenario: Scenario::default(),
    }
}

const DAY: BusinessDay = BusinessDay(20261123);

#[test]
fn the_same_seed_plans_the_same_day() {
    let c = config();
    let a = Plan::generate(&c, 7, DAY);
    assert_eq!(a, Plan::generate(&c, 7, DAY));
    assert_ne!(a.customers, Plan::generate(&c, 8, DAY).customers);
    assert!(a.customers.len() > 200, "{}", a.describe());
}

#[test]
fn the_day_only_places_the_plan_on_the_calendar() {
    let c = config();
    let a = Plan::generate(&c, 7, DAY);
    let b = Plan::generate(&c, 7, BusinessDay(20261124));
    assert_eq!(a.customers.len(), b.customers.len());
    for (x, y) in a.customers.iter().zip(&b.customers) {
        assert_eq!(y.arrives_at.0 - x.arrives_at.0, 86_400_000);
        assert_eq!(
            (&x.business, x.patience_secs),
            (&y.business, y.patience_secs)
        );
    }
}

#[test]
fn the_plans_load_classes_are_the_reports() {
    let mut c = config();
    // The busiest hour 30 an hour: 20 (two thirds) is a peak, 19 mid, 10 (a third) mid, 9 low.
    let mut rates = vec![0.0; 24];
    rates[9..15].copy_from_slice(&[30.0, 20.0, 19.0, 10.0, 9.0, 30.0]);
    c.scenario.arrivals_per_hour = rates;
    let plan = Plan::generate(&c, 1, DAY);
    let class = |hour: u32| plan.hours.iter().find(|h| h.hour == hour).unwrap().period;
    assert_eq!(
        [class(9), class(10), class(11), class(12), class(13)],
        [
            Period::Peak,
            Period::Peak,
            Period::Mid,
            Period::Mid,
            Period::Low
        ]
    );
    assert_eq!(
        hallq_report::report::Period::of(20.0, 30.0),
        hallq_report::report::Period::Peak,
        "the report's class of the same hour"
    );
}

#[test]
fn peak_hours_bring_more_customers_than_low_hours() {
    let c = config();
    let (mut peak, mut peak_h, mut low, mut low_h) = (0u32, 0u32, 0u32, 0u32);
    for seed in 0..20 {
        let plan = Plan::generate(&c, seed, DAY);
        for h in &plan.hours {
            match h.period {
                Period::Peak => (peak, peak_h) = (peak + h.arrivals, peak_h + 1),
                Period::Low => (low, low_h) = (low + h.arrivals, low_h + 1),
                Period::Mid => {}
            }
        }
    }
    let (peak, low) = (
        f64::from(peak) / f64::from(peak_h),
        f64::from(low) / f64::from(low_h),
    );
    assert!(peak > 2.0 * low, "peak {peak:.1}/h, low {low:.1}/h");
}

#[test]
fn everyone_comes_within_opening_hours_in_order() {
    let plan = Plan::generate(&config(), 7, DAY);
    assert!(
        plan.customers
            .windows(2)
            .all(|w| w[0].arrives_at <= w[1].arrives_at)
    );
    assert!(
        plan.customers
            .iter()
            .all(|c| c.arrives_at >= plan.opens_at && c.arrives_at < plan.closes_at)
    );
    let total: u32 = plan.hours.iter().map(|h| h.arrivals).sum();
    assert_eq!(total as usize, plan.customers.len());
    assert!(plan.starts_at < plan.opens_at);
}

#[test]
fn the_mix_and_the_behaviours_follow_the_scenario() {
    let plan = Plan::generate(&config(), 11, DAY);
    let n = plan.customers.len() as f64;
    let share =
        |f: &dyn Fn(&Customer) -> bool| plan.customers.iter().filter(|c| f(c)).count() as f64 / n;
    assert!((share(&|c| c.class == BusinessClass::Basic) - 0.45).abs() < 0.08);
    assert!(share(&|c| matches!(c.wish, Wish::Care(_))) > 0.0);
    assert!(share(&|c| !c.shows) < 0.12);
    assert!(share(&|c| c.rating.is_some()) > 0.6);
    assert!(plan.customers.iter().all(|c| c.service.secs >= 30));
    let complaints = share(&|c| c.complaint.is_some());
    assert!(complaints > 0.0 && complaints < 0.05, "{complaints}");
}

#[test]
fn after_closing_every_business_type_is_still_served() {
    let c = config();
    let plan = Plan::generate(&c, 7, DAY);
    for b in &c.hall.queue.business {
        assert!(
            plan.shifts.iter().any(|s| s.serves_after_close
                && c.hall
                    .queue
                    .counter(s.counter)
                    .unwrap()
                    .skills
                    .contains(&b.code)),
            "{} is served to the end",
            b.code
        );
    }
    assert!(
        plan.shifts.iter().any(|s| !s.serves_after_close),
        "peak counters"
    );
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn the_door_counts_everyone_who_came() {
    let plan = Plan::generate(&config(), 7, DAY);
    let entered: u32 = plan.door.iter().map(|d| d.entered).sum();
    assert!(entered as usize >= plan.customers.len());
    assert!(
        plan.door
            .iter()
            .all(|d| d.passed_by.is_none_or(|p| p >= d.entered))
    );
}
