//! [`Scenario`]: what kind of day the plan draws. Who comes when (arrivals per hour, with peak,
//! mid and low periods), for what (the business mix), how long they take at the counter, how
//! they behave (priority, patience, no-shows, ratings, complaints), and who staffs the counters
//! when. Every field has a default drawn from DOMAIN.md's hall; a TOML file can change any of
//! them (`hallq sim --scenario FILE`), and unknown keys are refused.

use hallq_hub::config::TimeOfDay;
use hallq_proto::{BusinessClass, PauseReason};
use serde::Deserialize;

/// The day's parameters. See the field docs for each default's reason.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Mean arrivals per hour by hall-local hour, 24 numbers from 00:00. Only hours within the
    /// hall's opening hours bring anyone. The default has the morning and afternoon peaks
    /// (高峰) and the lunch dip of an operator's hall.
    pub arrivals_per_hour: Vec<f64>,
    /// A factor on every hour's arrivals: 1.5 plays a busy day, 0.5 a quiet one.
    pub scale: f64,
    /// The share of arrivals per business class; within a class, the hall's business types of
    /// that class share it equally.
    pub mix: PerClass<f64>,
    /// Handling time at the counter per class.
    pub handling: PerClass<Handling>,
    /// How services end, per class.
    pub results: PerClass<Results>,
    /// Shares of priority customers.
    pub priority: PriorityShares,
    /// How customers behave.
    pub behaviour: Behaviour,
    /// Whether and how they rate.
    pub rating: Rating,
    /// Who complains.
    pub complaints: Complaints,
    /// The counters' schedule; empty: one derived from the hall's counters (see
    /// [`crate::plan`]).
    pub shifts: Vec<ShiftSpec>,
    /// Temporary announcements the supervisor posts.
    pub announcements: Vec<AnnouncementSpec>,
    /// Minutes between two reports of the door counter, when its firmware profile does not
    /// say (a profile's `door.report_every_secs` wins).
    pub door_report_min: u32,
    /// Customers who book a slot before they come (a hall with `[booking]` only).
    pub bookings: BookingShares,
}

/// Who books, and how they keep the booking (docs/reports.md, "The simulator's bookings"): of
/// the customers who would take an ordinary ticket at a kiosk for a bookable business type,
/// `share` book the slot around their arrival on the booking API before the day starts; of
/// those, `late` come more than the late limit after the slot's start and `absent` never come;
/// the rest check in on time.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingShares {
    /// Share of the eligible customers who book.
    pub share: f64,
    /// Of the booked, share who come late (queued as walk-ins).
    pub late: f64,
    /// Of the booked, share who do not come (no-shows).
    pub absent: f64,
}

impl Default for BookingShares {
    /// A quarter of the eligible book (线上预约 is new); one in eight of them late, one in ten
    /// absent: the orders of magnitude of the no-show rates appointment systems report.
    fn default() -> Self {
        Self {
            share: 0.25,
            late: 0.125,
            absent: 0.1,
        }
    }
}

impl Default for Scenario {
    fn default() -> Self {
        let mut arrivals = vec![0.0; 24];
        for (hour, n) in [
            (8, 14.0),
            (9, 30.0),
            (10, 46.0),
            (11, 42.0),
            (12, 22.0),
            (13, 24.0),
            (14, 38.0),
            (15, 42.0),
            (16, 30.0),
            (17, 16.0),
        ] {
            arrivals[hour] = n;
        }
        Self {
            arrivals_per_hour: arrivals,
            scale: 1.0,
            mix: PerClass {
                consultation: 0.20,
                basic: 0.45,
                complex: 0.20,
                repair: 0.10,
                enterprise: 0.05,
            },
            handling: PerClass {
                consultation: Handling::new(3.5, 0.5),
                basic: Handling::new(6.0, 0.45),
                complex: Handling::new(14.0, 0.4),
                repair: Handling::new(9.0, 0.45),
                enterprise: Handling::new(12.0, 0.45),
            },
            results: PerClass {
                consultation: Results::ordinary(),
                basic: Results::ordinary(),
                // Handsets and contracts: most complex visits end in a sale (touchpoint 10).
                complex: Results {
                    done: 0.40,
                    sale: 0.50,
                    needs_documents: 0.06,
                    failed: 0.04,
                },
                repair: Results::ordinary(),
                enterprise: Results::ordinary(),
            },
            priority: PriorityShares::default(),
            behaviour: Behaviour::default(),
            rating: Rating::default(),
            complaints: Complaints::default(),
            shifts: Vec::new(),
            announcements: vec![AnnouncementSpec {
                id: "upgrade".into(),
                at: TimeOfDay(11 * 60),
                clear_at: Some(TimeOfDay(16 * 60)),
                zh: "今晚 22:00 系统升级，届时暂停办理业务".into(),
                en: "System upgrade tonight at 22:00; counters pause then.".into(),
            }],
            door_report_min: 10,
            bookings: BookingShares::default(),
        }
    }
}

/// One value per business class.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerClass<T> {
    /// 咨询.
    pub consultation: T,
    /// 基础业务.
    pub basic: T,
    /// 复杂业务.
    pub complex: T,
    /// 故障报修.
    pub repair: T,
    /// 集团客户.
    pub enterprise: T,
}

impl<T> PerClass<T> {
    /// The value for `class`.
    pub fn get(&self, class: BusinessClass) -> &T {
        match class {
            BusinessClass::Consultation => &self.consultation,
            BusinessClass::Basic => &self.basic,
            BusinessClass::Complex => &self.complex,
            BusinessClass::Repair => &self.repair,
            BusinessClass::Enterprise => &self.enterprise,
        }
    }
}

/// A handling-time distribution: log-normal, clamped to [median / 3, median × 3].
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handling {
    /// The median, in minutes.
    pub median_min: f64,
    /// The log-normal shape: 0.4 puts nine in ten services within about half to twice the
    /// median.
    pub sigma: f64,
}

impl Handling {
    /// A distribution.
    pub fn new(median_min: f64, sigma: f64) -> Self {
        Self { median_min, sigma }
    }
}

/// Shares of how services end (need not sum to 1: they are weights).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// 办结.
    pub done: f64,
    /// 成交: a purchase.
    pub sale: f64,
    /// 资料不全.
    pub needs_documents: f64,
    /// 未办成.
    pub failed: f64,
}

impl Results {
    fn ordinary() -> Self {
        Self {
            done: 0.86,
            sale: 0.07,
            needs_documents: 0.04,
            failed: 0.03,
        }
    }
}

/// Priority service (优先叫号) and the green channel (绿色通道), as shares of arrivals.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorityShares {
    /// Elderly customers.
    pub elderly: f64,
    /// Customers with a disability.
    pub disabled: f64,
    /// Pregnant customers.
    pub pregnant: f64,
    /// Green-channel customers (VIP, enterprise agreements); only where the hall has a code.
    pub green_channel: f64,
    /// Members who show a membership code at the kiosk (a value tier, issue 16 §4); only where
    /// the hall has a `[[membership]]` code.
    pub member: f64,
}

impl Default for PriorityShares {
    fn default() -> Self {
        Self {
            elderly: 0.05,
            disabled: 0.01,
            pregnant: 0.01,
            green_channel: 0.03,
            member: 0.04,
        }
    }
}

/// How customers behave, as shares and times.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// Median patience in the queue, minutes (log-normal).
    pub patience_median_min: f64,
    /// The patience distribution's shape.
    pub patience_sigma: f64,
    /// Least and most patience, minutes.
    pub patience_range_min: (f64, f64),
    /// Of those who give up, the share who tell the greeter (the ticket is cancelled: a
    /// walk-out); the others just leave and are skipped as no-shows when called.
    pub tells_staff: f64,
    /// Customers who are not there when called (stepped out, missed the call).
    pub no_show: f64,
    /// Seconds from the call to reaching the counter.
    pub walk_secs: (i64, i64),
    /// Customers met by the greeter at the door before anything else.
    pub greeter_first: f64,
    /// Of those, the share seen wandering first (touchpoint 6).
    pub wandering: f64,
    /// Of those, the share whose matter is settled at the door (no ticket).
    pub resolved_at_door: f64,
    /// Of those with complex business, the share who try products first (touchpoint 8).
    pub product_experience: f64,
    /// Waiting customers whose documents the greeter checks (业务预处理).
    pub document_precheck: f64,
    /// At the kiosk, the share taking the self-service offer where one exists (渠道分流).
    pub self_service: f64,
    /// At the kiosk, the share who give up before a ticket.
    pub abandon_kiosk: f64,
    /// Seconds at the kiosk before the ticket.
    pub kiosk_secs: (i64, i64),
    /// Tickets the printer fails on first (a reprint follows).
    pub print_failure: f64,
    /// Customers served in English.
    pub english: f64,
    /// Consultations that turn into complex business (transferred, 咨询 → 终端销售).
    pub transfer: f64,
    /// Complex and enterprise services that wait on the back office for a while.
    pub back_office: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            patience_median_min: 40.0,
            patience_sigma: 0.5,
            patience_range_min: (8.0, 150.0),
            tells_staff: 0.5,
            no_show: 0.04,
            walk_secs: (15, 75),
            greeter_first: 0.18,
            wandering: 0.3,
            resolved_at_door: 0.35,
            product_experience: 0.5,
            document_precheck: 0.15,
            self_service: 0.15,
            abandon_kiosk: 0.03,
            kiosk_secs: (20, 70),
            print_failure: 0.01,
            english: 0.04,
            transfer: 0.08,
            back_office: 0.2,
        }
    }
}

/// Ratings at the evaluator (评价器).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rating {
    /// The share who press a key at all.
    pub share: f64,
    /// Weights of very satisfied, satisfied, neutral, dissatisfied after a good result.
    pub scores: [f64; 4],
    /// The same after a failed service or missing documents.
    pub scores_after_bad_result: [f64; 4],
    /// Seconds from the prompt to the key press.
    pub delay_secs: (i64, i64),
}

impl Default for Rating {
    fn default() -> Self {
        Self {
            share: 0.8,
            // About 97 % satisfied after a good result, near the operators' 95 % target.
            scores: [0.70, 0.27, 0.025, 0.005],
            scores_after_bad_result: [0.25, 0.40, 0.20, 0.15],
            delay_secs: (2, 15),
        }
    }
}

/// Complaints (投诉): a small share of unhappy customers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Complaints {
    /// Of those who rate 不满意, the share who complain.
    pub dissatisfied: f64,
    /// Of those who rate 一般, the share who complain.
    pub neutral: f64,
    /// Of those who walk out and tell the greeter, the share who complain about the wait.
    pub walked_out: f64,
    /// Of complaints at the counter, the share the supervisor opens (else the clerk does).
    pub by_supervisor: f64,
}

impl Default for Complaints {
    fn default() -> Self {
        Self {
            dissatisfied: 0.5,
            neutral: 0.08,
            walked_out: 0.1,
            by_supervisor: 0.6,
        }
    }
}

/// One clerk's shift at one counter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// The counter.
    pub counter: u16,
    /// The staff number (工号); `E1` and the counter number if left out.
    pub staff: Option<String>,
    /// Signs in.
    pub from: TimeOfDay,
    /// Signs out once idle.
    pub to: TimeOfDay,
    /// Whether the clerk serves on after closing time until nobody waits; by default, when
    /// the shift runs to closing time.
    pub serves_after_close: Option<bool>,
    /// Pauses during the shift.
    #[serde(default)]
    pub breaks: Vec<BreakSpec>,
}

/// A pause during a shift.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakSpec {
    /// When it is due (taken after the customer at the counter).
    pub at: TimeOfDay,
    /// How long, in minutes.
    pub min: u32,
    /// Why.
    pub reason: PauseReason,
}

/// A temporary announcement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementSpec {
    /// Its id.
    pub id: String,
    /// When the supervisor posts it.
    pub at: TimeOfDay,
    /// When the supervisor clears it; at the daily reset if never.
    pub clear_at: Option<TimeOfDay>,
    /// The Chinese text.
    pub zh: String,
    /// The English text.
    pub en: String,
}

impl Scenario {
    /// Reads a scenario file.
    pub fn load(path: &std::path::Path) -> Result<Self, crate::SimError> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::SimError::Io {
            what: format!("reading {}", path.display()),
            source: e,
        })?;
        Self::parse(&text).map_err(|m| crate::SimError::Config(format!("{}: {m}", path.display())))
    }

    /// Parses scenario TOML.
    pub fn parse(text: &str) -> Result<Self, String> {
        let s: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        if s.arrivals_per_hour.len() != 24 {
            return Err(format!(
                "arrivals_per_hour needs 24 numbers, one per hour from 00:00; it has {}",
                s.arrivals_per_hour.len()
            ));
        }
        if s.arrivals_per_hour
            .iter()
            .any(|x| !x.is_finite() || *x < 0.0)
            || s.scale < 0.0
        {
            return Err("arrivals must be finite and not negative".into());
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_file_changes_only_what_it_names() {
        let s = Scenario::parse("scale = 2.0\n[behaviour]\nno_show = 0.1\n").unwrap();
        assert_eq!(s.scale, 2.0);
        assert_eq!(s.behaviour.no_show, 0.1);
        assert_eq!(s.behaviour.tells_staff, Behaviour::default().tells_staff);
        assert_eq!(s.arrivals_per_hour.len(), 24);
    }

    #[test]
    fn unknown_keys_and_short_curves_are_refused() {
        assert!(Scenario::parse("sclae = 2.0").is_err());
        assert!(Scenario::parse("arrivals_per_hour = [1.0, 2.0]").is_err());
    }

    #[test]
    fn shifts_and_breaks_read_from_toml() {
        let s = Scenario::parse(
            "[[shifts]]\ncounter = 3\nfrom = \"08:25\"\nto = \"17:30\"\n\
             breaks = [{ at = \"12:00\", min = 30, reason = \"meal\" }]\n",
        )
        .unwrap();
        assert_eq!(s.shifts[0].from, TimeOfDay(8 * 60 + 25));
        assert_eq!(s.shifts[0].breaks[0].reason, PauseReason::Meal);
    }
}
