//! Drawing one customer: business, priority, way in, patience, service, rating, complaint.

use hallq_proto::command::KioskStep;
use hallq_proto::{
    BusinessClass, BusinessCode, ComplaintCategory, Lang, PriorityReason, Score, ServiceResult,
    Timestamp,
};

use super::{
    AtKiosk, Customer, Devices, Entry, Opener, PlannedComplaint, PlannedRating, Service, SimConfig,
    Wish,
};
use crate::rng::Rng;
use crate::scenario::{Handling, Results, Scenario};

/// The hall's business types with their class, weight in the mix and self-service offer.
pub(super) struct BusinessKinds {
    kinds: Vec<(BusinessCode, BusinessClass, bool)>,
    weights: Vec<f64>,
    /// A complex business type, for consultations that turn into a handset sale.
    complex: Option<BusinessCode>,
}

impl BusinessKinds {
    pub(super) fn of(config: &SimConfig) -> Self {
        let business = &config.hall.queue.business;
        let in_class =
            |c: BusinessClass| business.iter().filter(|b| b.class == c).count().max(1) as f64;
        Self {
            kinds: business
                .iter()
                .map(|b| (b.code.clone(), b.class, b.self_service.is_some()))
                .collect(),
            weights: business
                .iter()
                .map(|b| *config.scenario.mix.get(b.class) / in_class(b.class))
                .collect(),
            complex: business
                .iter()
                .find(|b| b.class == BusinessClass::Complex)
                .map(|b| b.code.clone()),
        }
    }
}

fn service(rng: &mut Rng, h: &Handling, results: &Results, back_office: f64) -> Service {
    let median = h.median_min * 60.0;
    let secs = rng
        .lognormal(median, h.sigma)
        .clamp(median / 3.0, median * 3.0)
        .round() as i64;
    let result = match rng.weighted(&[
        results.done,
        results.sale,
        results.needs_documents,
        results.failed,
    ]) {
        0 => ServiceResult::Done,
        1 => ServiceResult::Sale,
        2 => ServiceResult::NeedsDocuments,
        _ => ServiceResult::Failed,
    };
    let back_office = rng
        .chance(back_office)
        .then(|| (secs / 3, (secs / 4).max(30)));
    Service {
        secs: secs.max(30),
        back_office,
        result,
    }
}

/// The codes the hall's customers can show at the kiosk: its first green-channel code and its
/// first membership code, if it has them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Codes<'a> {
    pub(super) green: Option<&'a str>,
    pub(super) member: Option<&'a str>,
}

/// One customer, from their own stream of the seed: adding a field to one customer's draws
/// leaves every other customer as they were.
pub(super) fn customer(
    n: u32,
    arrives_at: Timestamp,
    sc: &Scenario,
    kinds: &BusinessKinds,
    devices: &Devices,
    codes: Codes<'_>,
    seed: u64,
) -> Option<Customer> {
    let mut rng = Rng::new(seed, 1_000_000 + u64::from(n));
    let b = &sc.behaviour;
    let (business, class, self_service_offer) = kinds.kinds.get(rng.weighted(&kinds.weights))?;
    let p = &sc.priority;
    let member = if codes.member.is_some() {
        p.member
    } else {
        0.0
    };
    let wish = match rng.weighted(&[
        p.elderly,
        p.disabled,
        p.pregnant,
        if codes.green.is_some() {
            p.green_channel
        } else {
            0.0
        },
        (1.0 - p.elderly - p.disabled - p.pregnant - p.green_channel - member).max(0.0),
        // Last, so that a hall without members draws every other customer as before.
        member,
    ]) {
        0 => Wish::Care(PriorityReason::Elderly),
        1 => Wish::Care(PriorityReason::Disabled),
        2 => Wish::Care(PriorityReason::Pregnant),
        3 => Wish::GreenChannel(codes.green.unwrap_or_default().to_owned()),
        5 => Wish::Member(codes.member.unwrap_or_default().to_owned()),
        _ => Wish::Ordinary,
    };
    let lang = if rng.chance(b.english) {
        Lang::En
    } else {
        Lang::Zh
    };
    let by_greeter =
        !devices.greeters.is_empty() && (devices.kiosks.is_empty() || rng.chance(b.greeter_first));
    let entry = if by_greeter {
        Entry::Greeter {
            greeter: devices.greeters[rng.index(devices.greeters.len())].clone(),
            wandering: rng.chance(b.wandering),
            product_experience: *class == BusinessClass::Complex
                && rng.chance(b.product_experience),
            resolved_at_door: rng.chance(b.resolved_at_door),
        }
    } else {
        let kiosk = devices.kiosks.get(rng.index(devices.kiosks.len()))?.clone();
        let secs = rng.between(b.kiosk_secs.0, b.kiosk_secs.1);
        let outcome = if *self_service_offer && rng.chance(b.self_service) {
            AtKiosk::SelfService
        } else if rng.chance(b.abandon_kiosk) {
            AtKiosk::Abandons(
                [
                    KioskStep::ChooseBusiness,
                    KioskStep::Priority,
                    KioskStep::Phone,
                    KioskStep::Confirm,
                ][rng.index(4)],
            )
        } else {
            AtKiosk::Ticket {
                print_fails: rng.chance(b.print_failure),
            }
        };
        Entry::Kiosk {
            kiosk,
            secs,
            outcome,
        }
    };
    let (lo, hi) = b.patience_range_min;
    let patience_secs = (rng
        .lognormal(b.patience_median_min, b.patience_sigma)
        .clamp(lo, hi)
        * 60.0)
        .round() as i64;
    let greeter_there = !devices.greeters.is_empty();
    let tells_staff = greeter_there && rng.chance(b.tells_staff);
    let complains_if_walking_out = tells_staff && rng.chance(sc.complaints.walked_out);
    let shows = !rng.chance(b.no_show);
    let walk_secs = rng.between(b.walk_secs.0, b.walk_secs.1);
    let precheck = matches!(
        class,
        BusinessClass::Basic | BusinessClass::Complex | BusinessClass::Enterprise
    ) && greeter_there
        && rng.chance(b.document_precheck);
    let precheck_after_secs = precheck.then(|| rng.between(60, 600));
    let back_office = if matches!(class, BusinessClass::Complex | BusinessClass::Enterprise) {
        b.back_office
    } else {
        0.0
    };
    let first = service(
        &mut rng,
        sc.handling.get(*class),
        sc.results.get(*class),
        back_office,
    );
    let transfer = match (&kinds.complex, class) {
        (Some(to), BusinessClass::Consultation) if rng.chance(b.transfer) => {
            let second = service(
                &mut rng,
                &sc.handling.complex,
                &sc.results.complex,
                b.back_office,
            );
            Some((to.clone(), second))
        }
        _ => None,
    };
    let mut c = Customer {
        n,
        arrives_at,
        business: business.clone(),
        class: *class,
        wish,
        lang,
        entry,
        patience_secs,
        tells_staff,
        complains_if_walking_out,
        shows,
        walk_secs,
        precheck_after_secs,
        service: first,
        transfer,
        rating: None,
        complaint: None,
        booking: None,
    };
    let r = &sc.rating;
    if rng.chance(r.share) {
        let bad = matches!(
            c.last_service().result,
            ServiceResult::Failed | ServiceResult::NeedsDocuments
        );
        let weights = if bad {
            r.scores_after_bad_result
        } else {
            r.scores
        };
        let score = [
            Score::VerySatisfied,
            Score::Satisfied,
            Score::Neutral,
            Score::Dissatisfied,
        ][rng.weighted(&weights)];
        c.rating = Some(PlannedRating {
            score,
            delay_secs: rng.between(r.delay_secs.0, r.delay_secs.1),
        });
    }
    let unhappy = match c.rating.map(|r| r.score) {
        Some(Score::Dissatisfied) => sc.complaints.dissatisfied,
        Some(Score::Neutral) => sc.complaints.neutral,
        _ => 0.0,
    };
    if rng.chance(unhappy) {
        let by = match devices.supervisors.first() {
            Some(s) if rng.chance(sc.complaints.by_supervisor) => Opener::Supervisor(s.clone()),
            _ => Opener::Counter,
        };
        let complex = matches!(
            c.class,
            BusinessClass::Complex | BusinessClass::Repair | BusinessClass::Enterprise
        );
        let (category, summary, responsibility) = match (complex, rng.index(3)) {
            (true, 0) => (
                ComplaintCategory::Complex,
                "contract terms disputed",
                "sales",
            ),
            (true, 1) => (ComplaintCategory::Complex, "fault not fixed", "network"),
            (_, 0) => (
                ComplaintCategory::General,
                "tariff charged twice",
                "billing",
            ),
            (_, 1) => (
                ComplaintCategory::General,
                "service not activated",
                "counter",
            ),
            _ => (ComplaintCategory::General, "clerk's attitude", "counter"),
        };
        c.complaint = Some(PlannedComplaint {
            category,
            by,
            summary: summary.into(),
            responsibility: responsibility.into(),
        });
    }
    Some(c)
}
