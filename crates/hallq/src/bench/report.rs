//! The results: one line per measurement, what the hub and the machine did meanwhile, and the
//! ratios against the targets.

use std::time::Duration;

use super::hall::Delta;
use super::{BenchArgs, BrokerKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Label {
    Floor,
    Echo,
    Reply,
    Board,
}

impl Label {
    fn text(self) -> &'static str {
        match self {
            Self::Floor => "floor: publish → own subscription",
            Self::Echo => "bare: → echo client → (4 hops)",
            Self::Reply => "hub: command → reply",
            Self::Board => "hub: command → board at display",
        }
    }
}

/// One line of the table.
#[derive(Debug)]
pub(super) struct Phase {
    broker: BrokerKind,
    label: Label,
    inflight: usize,
    n: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    /// Durable commands per second (concurrent runs).
    rate: Option<f64>,
    delta: Delta,
    /// Whether the clients went through the hub's connection gate (`--without-gate`: not).
    gate: bool,
}

impl Phase {
    pub(super) fn new(
        broker: BrokerKind,
        label: Label,
        inflight: usize,
        times: &[Duration],
        rate: Option<f64>,
        delta: &Delta,
    ) -> Self {
        let mut sorted = times.to_vec();
        sorted.sort_unstable();
        // Nearest rank: the smallest time at least `p` of the samples do not exceed.
        let rank = |p: f64| {
            let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
            sorted.get(i).copied().unwrap_or_default()
        };
        Self {
            broker,
            label,
            inflight,
            n: sorted.len(),
            p50: rank(0.50),
            p99: rank(0.99),
            max: sorted.last().copied().unwrap_or_default(),
            rate,
            delta: *delta,
            gate: true,
        }
    }

    /// The same phase, marked as measured with the clients behind the gate.
    pub(super) fn without_gate(self) -> Self {
        Self {
            gate: false,
            ..self
        }
    }

    /// Mean milliseconds per journal commit over the phase, if there was one.
    fn commit_ms(&self) -> Option<f64> {
        (self.delta.commits > 0.0).then(|| self.delta.commit_secs * 1e3 / self.delta.commits)
    }

    /// CPU microseconds per round trip of each process: hub (with the embedded broker inside),
    /// Mosquitto, and this load generator.
    fn cpu_per_op(&self) -> (f64, Option<f64>, f64) {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / self.n.max(1) as f64;
        (
            per(self.delta.hub_cpu),
            self.delta.broker_cpu.map(per),
            per(self.delta.bench_cpu),
        )
    }
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Prints the table, what the hub did meanwhile, and the ratios against the targets.
pub(super) fn print_results(args: &BenchArgs, phases: &[Phase]) {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!();
    println!(
        "hallq bench: {cores} cores; hub `hallq hub` as its own process, journal synchronous={}; \
         issue_ticket from {} kiosks; floor and serial: one at a time",
        args.durability.name().to_uppercase(),
        args.kiosks
    );
    println!();
    println!(
        "{:<10} {:<34} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>16}",
        "broker",
        "round trip",
        "flight",
        "n",
        "p50 ms",
        "p99 ms",
        "max ms",
        "cmd/s",
        "batch",
        "commit",
        "CPU µs/op h/b/c"
    );
    for p in phases {
        let rate = p.rate.map_or_else(|| "-".into(), |r| format!("{r:.0}"));
        let hub_row = matches!(p.label, Label::Reply | Label::Board);
        let (batch, commit) = match p.commit_ms() {
            Some(commit) if hub_row => (
                format!("{:.1}", p.delta.entries / p.delta.commits),
                format!("{commit:.2}"),
            ),
            _ => ("-".into(), "-".into()),
        };
        let (hub, broker, bench) = p.cpu_per_op();
        let broker = broker.map_or_else(|| "in hub".into(), |b| format!("{b:.0}"));
        println!(
            "{:<10} {:<34} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>16}",
            if p.gate { p.broker.name() } else { "no gate" },
            p.label.text(),
            p.inflight,
            p.n,
            ms(p.p50),
            ms(p.p99),
            ms(p.max),
            rate,
            batch,
            commit,
            format!("{hub:.0}/{broker}/{bench:.0}"),
        );
    }
    println!();
    println!(
        "batch: journal entries per commit (group commit); commit: mean ms per commit; CPU: per \
         round trip, of the hub process / Mosquitto (\"in hub\" for the embedded broker) / this \
         load generator, from /proc at 10 ms resolution, over the whole phase"
    );
    println!();
    println!(
        "targets: hub round trip p99 ≤ 3 × the floor's p99; ≥ 5,000 durable commands/s with many in flight"
    );
    for kind in [BrokerKind::Embedded, BrokerKind::Mosquitto] {
        let find = |label: Label, inflight: usize| {
            phases
                .iter()
                .find(|p| p.broker == kind && p.gate && p.label == label && p.inflight == inflight)
        };
        let Some(floor) = find(Label::Floor, 1) else {
            continue;
        };
        let ratio = |p: Option<&Phase>| {
            p.map_or(f64::NAN, |p| {
                p.p99.as_secs_f64() / floor.p99.as_secs_f64().max(1e-9)
            })
        };
        let (reply, board) = (ratio(find(Label::Reply, 1)), ratio(find(Label::Board, 1)));
        let echo = ratio(find(Label::Echo, 1));
        let best = phases
            .iter()
            .filter(|p| p.broker == kind && p.gate)
            .filter_map(|p| p.rate.map(|r| (r, p.inflight)))
            .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a });
        println!(
            "{:<10} one at a time, p99 ÷ floor p99: command → reply {reply:.1}×, command → board \
             {board:.1}× (target 3×: {}); the 4-hop echo without the hub {echo:.1}×",
            kind.name(),
            if board <= 3.0 { "met" } else { "missed" },
        );
        if let (Some(reply), Some(echo)) = (find(Label::Reply, 1), find(Label::Echo, 1)) {
            println!(
                "{:<10} one at a time, p50: command → reply {} ms; the 4-hop echo {} ms; the \
                 journal commit {:.3} ms (mean; FULL waits for the disk)",
                "",
                ms(reply.p50),
                ms(echo.p50),
                reply.commit_ms().unwrap_or(0.0),
            );
        }
        println!(
            "{:<10} throughput: {:.0} durable cmd/s at {} in flight = {:.2} × the 5,000 target ({})",
            "",
            best.0,
            best.1,
            best.0 / 5000.0,
            if best.0 >= 5000.0 { "met" } else { "missed" },
        );
    }
    print_gate_cost(phases);
}

/// With `--without-gate`: each one-at-a-time round trip through the gate against the same without
/// it (p50 and p99 ratios).
fn print_gate_cost(phases: &[Phase]) {
    let pairs: Vec<_> = phases
        .iter()
        .filter(|p| !p.gate)
        .filter_map(|direct| {
            let gated = phases.iter().find(|p| {
                p.gate
                    && p.broker == direct.broker
                    && p.label == direct.label
                    && p.inflight == direct.inflight
            })?;
            Some((gated, direct))
        })
        .collect();
    if pairs.is_empty() {
        return;
    }
    println!();
    println!(
        "the hub's connection gate (an extra loopback hop each way), through it ÷ without it:"
    );
    for (gated, direct) in pairs {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        println!(
            "{:<10} {:<34} p50 {} / {} ms = {:.2}×, p99 {} / {} ms = {:.2}×",
            gated.broker.name(),
            gated.label.text(),
            ms(gated.p50),
            ms(direct.p50),
            ratio(gated.p50, direct.p50),
            ms(gated.p99),
            ms(direct.p99),
            ratio(gated.p99, direct.p99),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let delta = Delta {
            hub_cpu: Duration::ZERO,
            broker_cpu: None,
            bench_cpu: Duration::ZERO,
            commits: 0.0,
            entries: 0.0,
            commit_secs: 0.0,
        };
        let p = Phase::new(BrokerKind::Embedded, Label::Floor, 1, &times, None, &delta);
        assert_eq!(p.p50, Duration::from_millis(50));
        assert_eq!(p.p99, Duration::from_millis(99));
        assert_eq!(p.max, Duration::from_millis(100));
    }
}
