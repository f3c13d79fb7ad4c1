//! `hallq-counter`: the counter terminal; with `--evaluator` the counter's rating pad, with
//! `--greeter` the greeter's handheld, with `--supervisor` the duty supervisor's console. It
//! connects to the hall's broker as its device (secret from `HALLQ_DEVICE_SECRET`), runs the
//! controller on tokio and the window on Slint's event loop. A counter whose firmware profile
//! has a `[printer]` (counter-pc.toml) prints the complaint receipt and the list of documents
//! still needed there (`--printer`); the greeter's handheld (greeter-handheld.toml, 58 mm)
//! prints the complaint receipt of a complaint taken on the floor.
//!
//! ```sh
//! hallq-counter --device counter-1 --counter 1
//! hallq-counter --device counter-1 --counter 1 --printer tcp://192.168.1.51:9100
//! hallq-counter --evaluator --device evaluator-1 --counter 1
//! hallq-counter --greeter --device greeter-1
//! hallq-counter --greeter --lang en --device greeter-1
//! hallq-counter --supervisor --device supervisor-1
//! hallq-counter --supervisor --lang en --device supervisor-1
//! ```

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use hallq_client::{DeviceClient, Update};
use hallq_counter::feed::desk_input;
use hallq_counter::inspect::{Inspect, InspectPress, Role};
use hallq_counter::inspect_ui;
use hallq_counter::paper::{self, Papers};
use hallq_counter::ui::{
    self, CounterWindow, EvaluatorWindow, GreeterWindow, Pad, SupervisorWindow,
};
use hallq_counter::{Desk, DeskView, Effect, Input, Problem};
use hallq_print::{Layout, Printer};
use hallq_proto::state::Liveness;
use hallq_proto::{Command, CounterNo, ReplyBody, ReplyResult};
use hallq_ui::HallClock;
use hallq_ui::app::HallArgs;
use slint::ComponentHandle as _;
use tokio::sync::mpsc;

/// A counter terminal or evaluator pad of a hallq hall.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    hall: HallArgs,
    /// Where the clerk's terminal opens (the other roles open where the window manager puts them).
    #[command(flatten)]
    window: hallq_ui::app::WindowArgs,
    /// This device's id, as registered in hall.toml.
    #[arg(long, env = "HALLQ_DEVICE", default_value = "counter-1")]
    device: String,
    /// The counter this device belongs to.
    #[arg(long, env = "HALLQ_COUNTER", default_value_t = 1)]
    counter: u16,
    /// Run the evaluator pad instead of the clerk's terminal.
    #[arg(long, conflicts_with_all = ["greeter", "supervisor"])]
    evaluator: bool,
    /// Run the greeter's handheld.
    #[arg(long, conflicts_with = "supervisor")]
    greeter: bool,
    /// Run the duty supervisor's console.
    #[arg(long)]
    supervisor: bool,
    /// The language of the supervisor's console and the greeter's handheld (the clerk's
    /// terminal has its switch).
    #[arg(long, value_enum, default_value_t = ConsoleLang::Zh)]
    lang: ConsoleLang,
    /// The terminal's firmware profile: with a `[printer]`, the counter prints the complaint
    /// receipt and the list of documents still needed, the greeter's handheld the complaint
    /// receipt (default: counter-pc.toml, or greeter-handheld.toml with `--greeter`, from
    /// firmware-profiles/, /etc/hallq/firmware-profiles/ or /usr/share/hallq/firmware-profiles/,
    /// the first that has it; none found: no printing).
    #[arg(long, env = "HALLQ_PROFILE")]
    profile: Option<PathBuf>,
    /// Where the counter's (or the greeter's) papers print: `tcp://IP[:9100]`,
    /// `device:/dev/usb/lp0` or `file:PATH`.
    #[arg(
        long,
        env = "HALLQ_PRINTER",
        default_value = "file:hallq-data/counter-papers.escpos"
    )]
    printer: Printer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ConsoleLang {
    Zh,
    En,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    hallq_ui::app::init();
    let rt = hallq_ui::app::runtime()?;
    let _in_runtime = rt.enter();
    let mut config = args.hall.client_config(&args.device)?;
    if args.supervisor {
        hallq_counter::floor::Supervisor::watch(&mut config);
    }
    let (client, _task) = DeviceClient::connect(&config);
    let counter = CounterNo(args.counter);
    if args.evaluator {
        run_pad(&rt, client, counter)
    } else if args.greeter {
        let papers = papers(&args, "greeter-handheld.toml")?.map(Arc::new);
        run_greeter(&rt, client, args.lang == ConsoleLang::En, papers)
    } else if args.supervisor {
        run_supervisor(
            &rt,
            client,
            args.lang == ConsoleLang::En,
            args.hall.utc_offset_min,
        )
    } else {
        let papers = papers(&args, "counter-pc.toml")?.map(Arc::new);
        run_desk(&rt, client, counter, args.hall, &args.window, papers)
    }
}

/// The device's printer, when its profile has one: the profile named, or `default` (the
/// counter's counter-pc.toml, the greeter's greeter-handheld.toml) where it is installed (a
/// device without a profile installed prints nothing).
fn papers(args: &Args, default: &str) -> anyhow::Result<Option<Papers>> {
    let path = match &args.profile {
        Some(p) => p.clone(),
        None => {
            let p = hallq_profiles::installed(default);
            if !p.exists() {
                tracing::info!(
                    profile = default,
                    "no profile installed: nothing is printed"
                );
                return Ok(None);
            }
            p
        }
    };
    let profile = hallq_profiles::load_file(&path).with_context(|| {
        format!(
            "the device's profile {} / 找不到终端配置文件",
            path.display()
        )
    })?;
    let kind = if args.greeter {
        hallq_profiles::DeviceKind::Greeter
    } else {
        hallq_profiles::DeviceKind::Counter
    };
    anyhow::ensure!(
        profile.kind() == kind,
        "{} is the profile of a {}, not a {} / 该配置文件不属于本终端",
        path.display(),
        profile.kind().en(),
        kind.en()
    );
    let Some(paper) = profile.printer else {
        return Ok(None);
    };
    Ok(Some(Papers {
        printer: args.printer.clone(),
        layout: Layout::from_profile(paper.width_mm, "gb18030", paper.cutter)?,
        utc_offset_min: args.hall.utc_offset_min,
    }))
}

fn run_desk(
    rt: &tokio::runtime::Runtime,
    client: DeviceClient,
    counter: CounterNo,
    hall: HallArgs,
    place: &hallq_ui::app::WindowArgs,
    papers: Option<Arc<Papers>>,
) -> anyhow::Result<()> {
    let window = CounterWindow::new()?;
    if let Some((width, height)) = place.window_size {
        ui::fit(&window, width, height);
    }
    place.place(window.window());
    ui::set_language(false);
    let english = Arc::new(Mutex::new(false));
    // A language press wakes the view's loop at once; `ui::show` then switches the `@tr` labels
    // and the view's own texts together (switched here, the labels went a tick ahead).
    let relanguage = Arc::new(tokio::sync::Notify::new());
    let (tx, mut rx) = mpsc::unbounded_channel::<Input>();
    let weak = window.as_weak();
    {
        let (touch, english, relanguage) =
            (tx.clone(), Arc::clone(&english), Arc::clone(&relanguage));
        ui::wire(
            &window,
            move |a| {
                tracing::debug!(action = ?a, "pressed");
                let _ = touch.send(Input::Action(a));
            },
            move |en| {
                if let Ok(mut e) = english.lock() {
                    *e = en;
                }
                relanguage.notify_one();
            },
        );
    }
    rt.spawn(feed(client.clone(), tx.clone()));
    // The header and the service's time show the hub's time (a simulated hall's, in the demo).
    let clock = HallClock::follow(&client);
    let to_window = hallq_ui::Newest::new(move |(view, clock, en): (DeskView, String, bool)| {
        if let Some(w) = weak.upgrade() {
            tracing::debug!(%clock, english = en, mode = ?view.mode, "view shown");
            ui::show(&w, &view, &clock, en);
        }
    });
    rt.spawn(async move {
        let mut desk = Desk::new(counter);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            let input = tokio::select! {
                Some(i) = rx.recv() => Some(i),
                _ = tick.tick() => Some(Input::HubReachable(desk_reachable(&client))),
                () = relanguage.notified() => None,
            };
            for Effect::Send(cmd) in input.map(|i| desk.handle(i)).unwrap_or_default() {
                // What the paper needs of the counter's state, taken before the answer moves it.
                let print = papers
                    .as_ref()
                    .and_then(|p| Some((Arc::clone(p), desk.to_print(&cmd)?)));
                let (client, tx) = (client.clone(), tx.clone());
                tokio::spawn(async move {
                    for input in paper::send(&client, cmd, print).await {
                        tracing::debug!(?input, "answered");
                        let _ = tx.send(input);
                    }
                });
            }
            let en = english.lock().map(|e| *e).unwrap_or(false);
            let now = clock.now();
            let view = DeskView::of(&desk, now, ui::lang(en));
            to_window.show((view, hall.hhmm(now), en));
        }
    });
    window.run()?;
    Ok(())
}

/// Whether the hub can be reached: connected, and its status online.
fn desk_reachable(client: &DeviceClient) -> bool {
    *client.connected().borrow()
        && client
            .latest()
            .hub
            .is_some_and(|h| h.status == Liveness::Online)
}

/// Feeds the client's retained state to the controller: the present first, then each update;
/// after missed updates, the present again.
async fn feed(client: DeviceClient, tx: mpsc::UnboundedSender<Input>) {
    let mut updates = client.updates();
    let mut pending = client.latest().into_updates();
    loop {
        for input in pending.drain(..).filter_map(desk_input) {
            if tx.send(input).is_err() {
                return;
            }
        }
        match updates.recv().await {
            Ok(u) => pending.push(u),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                pending = client.latest().into_updates();
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The evaluator pad: asks while the counter's state carries a rating prompt, thanks for 3 s
/// after a key, and sends the rating with the ticket it asked for (the hub refuses a rating
/// that would land on the next customer).
fn run_pad(
    rt: &tokio::runtime::Runtime,
    client: DeviceClient,
    counter: CounterNo,
) -> anyhow::Result<()> {
    /// What the pad knows: the prompt from the hub, and until when it says thank you.
    #[derive(Default)]
    struct PadState {
        prompt: Option<hallq_proto::state::RatingPrompt>,
        thanks_until: Option<tokio::time::Instant>,
    }
    let window = EvaluatorWindow::new()?;
    ui::set_language(false);
    let name = format!("{counter} 号窗口");
    ui::show_pad(&window, Pad::Idle, "", &name);
    let state: Arc<Mutex<PadState>> = Arc::default();
    {
        let (client, state) = (client.clone(), Arc::clone(&state));
        let handle = rt.handle().clone();
        ui::wire_pad(&window, move |score| {
            let Some(p) = state.lock().ok().and_then(|mut s| {
                s.thanks_until = Some(tokio::time::Instant::now() + Duration::from_secs(3));
                s.prompt.take()
            }) else {
                return;
            };
            let client = client.clone();
            handle.spawn(async move {
                let rate = Command::Rate {
                    score,
                    ticket: Some(p.ticket),
                };
                if let Err(e) = client.send(rate).await {
                    tracing::warn!(error = %e, "rating not answered");
                }
            });
        });
    }
    let weak = window.as_weak();
    let to_window = hallq_ui::Newest::new(move |(pad, number, name): (Pad, String, String)| {
        if let Some(w) = weak.upgrade() {
            ui::show_pad(&w, pad, &number, &name);
        }
    });
    rt.spawn(async move {
        let mut updates = client.updates();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                u = updates.recv() => match u {
                    Ok(Update::Counter(c)) if c.counter == counter => {
                        if let Ok(mut s) = state.lock() {
                            s.prompt = c.awaiting_rating.clone();
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    _ => continue,
                },
                _ = tick.tick() => {}
            }
            let (pad, number) = match state.lock() {
                Ok(s)
                    if s.thanks_until
                        .is_some_and(|t| t > tokio::time::Instant::now()) =>
                {
                    (Pad::Thanks, String::new())
                }
                Ok(s) => match &s.prompt {
                    Some(p) => (Pad::Asking, p.number.to_string()),
                    None => (Pad::Idle, String::new()),
                },
                Err(_) => return,
            };
            to_window.show((pad, number, name.clone()));
        }
    });
    window.run()?;
    Ok(())
}

/// What a floor role's runtime receives: a press, or something from the hub.
enum FloorInput<P> {
    Redraw,
    Press(P),
    Update(Update),
    /// The answer to a command of this kind: the role's own, or an inspection's, each with its
    /// own command in flight.
    Answer(
        &'static str,
        Result<hallq_proto::Reply, hallq_client::ClientError>,
    ),
    /// Whether the paper the last answer made printed (the greeter's complaint receipt).
    Printed(Result<(), hallq_proto::LocalText>),
}

/// A press on a floor role's screen: the role's own, or on its inspections.
enum FloorPress<P> {
    Role(P),
    Inspect(InspectPress),
}

/// Whether a command of `kind` is the inspections' (its answer goes to them).
fn inspection_kind(kind: &str) -> bool {
    matches!(
        kind,
        "inspection_record" | "correction_follow_up" | "correction_close"
    )
}

/// The hub's answer to an inspection command, for [`Inspect::answered`].
fn inspect_answer(
    reply: Result<hallq_proto::Reply, hallq_client::ClientError>,
) -> Result<ReplyResult, Problem> {
    match problem(&reply) {
        Some(p) => Err(p),
        None => match reply.map(|r| r.body) {
            Ok(ReplyBody::Ok(r)) => Ok(r),
            _ => Err(Problem::NoAnswer),
        },
    }
}

/// Runs a floor role: presses and the hub's updates go to `step`, which returns a command to
/// send; after each, `show` redraws the window from the state.
#[allow(
    clippy::too_many_arguments,
    reason = "the floor roles' parts, each a closure of its own"
)]
fn run_floor<P, S, W>(
    rt: &tokio::runtime::Runtime,
    client: DeviceClient,
    window: &W,
    mut state: S,
    wire: impl FnOnce(&W, Box<dyn Fn(P)>),
    mut step: impl FnMut(&mut S, FloorInput<P>, &DeviceClient) -> Option<Command> + Send + 'static,
    show: impl Fn(&W, &S) + Send + Sync + 'static,
    print: impl Fn(&S, &Command) -> Option<(Arc<Papers>, paper::ToPrint)> + Send + 'static,
) -> anyhow::Result<()>
where
    P: Send + 'static,
    S: Clone + Send + 'static,
    W: slint::ComponentHandle + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<FloorInput<P>>();
    {
        let tx = tx.clone();
        wire(
            window,
            Box::new(move |p| {
                let _ = tx.send(FloorInput::Press(p));
            }),
        );
    }
    let weak = window.as_weak();
    let to_window = hallq_ui::Newest::new(move |view: S| {
        if let Some(w) = weak.upgrade() {
            show(&w, &view);
        }
    });
    rt.spawn(async move {
        let mut updates = client.updates();
        for u in client.latest().into_updates() {
            step(&mut state, FloorInput::Update(u), &client);
        }
        // Countdowns move on without news from the hub.
        let mut redraw = tokio::time::interval(Duration::from_secs(30));
        loop {
            let input = tokio::select! {
                Some(i) = rx.recv() => i,
                _ = redraw.tick() => FloorInput::Redraw,
                u = updates.recv() => match u {
                    Ok(u) => FloorInput::Update(u),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    Err(_) => continue,
                },
            };
            if let Some(cmd) = step(&mut state, input, &client) {
                let (client, tx) = (client.clone(), tx.clone());
                let print = print(&state, &cmd);
                tokio::spawn(async move {
                    let kind = cmd.kind();
                    let (reply, printed) = paper::send_printing(&client, cmd, print).await;
                    let _ = tx.send(FloorInput::Answer(kind, reply));
                    if let Some(p) = printed {
                        let _ = tx.send(FloorInput::Printed(p));
                    }
                });
            }
            to_window.show(state.clone());
        }
    });
    Ok(())
}

/// Why a reply is not an answer: refused, or none came.
fn problem(reply: &Result<hallq_proto::Reply, hallq_client::ClientError>) -> Option<Problem> {
    match reply {
        Ok(r) => match &r.body {
            ReplyBody::Error(e) => Some(Problem::Refused(e.code)),
            ReplyBody::Ok(_) => None,
        },
        Err(_) => Some(Problem::NoAnswer),
    }
}

fn run_greeter(
    rt: &tokio::runtime::Runtime,
    client: DeviceClient,
    english: bool,
    papers: Option<Arc<Papers>>,
) -> anyhow::Result<()> {
    use hallq_counter::floor::{Greeter, GreeterPress};
    /// The greeter's state, its checklists, the business types on offer (code, name) and the
    /// hall's value tiers (level, name).
    #[derive(Clone)]
    struct State {
        greeter: Greeter,
        inspect: Inspect,
        businesses: Vec<(String, String)>,
        tiers: Vec<(u8, String)>,
        /// The hall's name and business types, for the complaint receipt.
        services: Option<Box<hallq_proto::state::Services>>,
    }
    let window = GreeterWindow::new()?;
    ui::set_language(english);
    let lang = ui::lang(english);
    // Call-backs and checklists are due in the hub's time.
    let clock = HallClock::follow(&client);
    run_floor(
        rt,
        client,
        &window,
        State {
            greeter: Greeter::default(),
            inspect: Inspect::new(Role::Greeter),
            businesses: Vec::new(),
            tiers: Vec::new(),
            services: None,
        },
        |w: &GreeterWindow, act: Box<dyn Fn(FloorPress<GreeterPress>)>| {
            let act: Rc<dyn Fn(FloorPress<GreeterPress>)> = Rc::from(act);
            let inspect = Rc::clone(&act);
            ui::wire_greeter(w, move |p| act(FloorPress::Role(p)));
            inspect_ui::wire_inspect(w, move |p| inspect(FloorPress::Inspect(p)));
        },
        move |s: &mut State, input: FloorInput<FloorPress<GreeterPress>>, _| match input {
            FloorInput::Press(FloorPress::Role(p)) => s.greeter.press(p, lang),
            FloorInput::Press(FloorPress::Inspect(p)) => s.inspect.press(p),
            FloorInput::Update(Update::Services(svc)) => {
                s.businesses = svc
                    .services
                    .iter()
                    .map(|i| (i.business.to_string(), i.name.get(lang).to_owned()))
                    .collect();
                s.tiers = svc
                    .tiers
                    .iter()
                    .map(|t| (t.level, t.name.get(lang).to_owned()))
                    .collect();
                s.services = Some(svc);
                None
            }
            FloorInput::Update(Update::Complaints(c)) => {
                s.greeter.complaints(*c);
                None
            }
            FloorInput::Update(Update::Inspections(i)) => {
                s.inspect.inspections(*i);
                None
            }
            FloorInput::Update(Update::Hub(h)) => {
                s.greeter.hub(h.status);
                s.inspect.hub(h.status);
                None
            }
            FloorInput::Update(_) | FloorInput::Redraw => None,
            FloorInput::Answer(kind, reply) if inspection_kind(kind) => {
                s.inspect.answered(inspect_answer(reply));
                None
            }
            FloorInput::Answer(_, reply) if s.greeter.complaint_in_flight() => {
                s.greeter.complaint_answered(reply.as_ref().map_err(|_| ()));
                None
            }
            FloorInput::Printed(p) => {
                s.greeter.complaint_printed(p);
                None
            }
            FloorInput::Answer(_, reply) if s.greeter.checking_in() => {
                let body = reply.as_ref().map(|r| &r.body).map_err(|_| ());
                s.greeter.checked_in(hallq_counter::checkin::answer(body));
                None
            }
            FloorInput::Answer(_, reply) => {
                let result = match problem(&reply) {
                    Some(p) => Err(p),
                    None => Ok(match reply.map(|r| r.body) {
                        Ok(ReplyBody::Ok(ReplyResult::Recorded { visit })) => (visit, None),
                        Ok(ReplyBody::Ok(ReplyResult::TicketIssued(t))) => {
                            (Some(t.visit), Some(t.number.to_string()))
                        }
                        _ => (None, None),
                    }),
                };
                s.greeter.answered(result);
                None
            }
        },
        move |w: &GreeterWindow, s: &State| {
            let now = clock.now();
            ui::show_greeter(w, &s.greeter, &s.businesses, now, lang);
            ui::show_tiers(w, &s.tiers, s.greeter.tier());
            inspect_ui::show_inspect(w, &s.inspect, now, lang);
        },
        // The complaint receipt on the handheld's 58 mm printer (crate::complaint).
        move |s: &State, cmd: &Command| {
            let what = hallq_counter::complaint::receipt(
                cmd,
                hallq_counter::complaint::greeter_channel(),
                None,
                s.services.as_deref(),
            )?;
            Some((Arc::clone(papers.as_ref()?), what))
        },
    )?;
    window.run()?;
    Ok(())
}

fn run_supervisor(
    rt: &tokio::runtime::Runtime,
    client: DeviceClient,
    english: bool,
    utc_offset_min: i32,
) -> anyhow::Result<()> {
    use hallq_counter::floor::{Supervisor, SupervisorPress};
    /// The console's floor and its inspections.
    #[derive(Clone)]
    struct State {
        floor: Supervisor,
        inspect: Inspect,
    }
    let mut floor = Supervisor::default();
    floor.set_utc_offset_min(utc_offset_min);
    let window = SupervisorWindow::new()?;
    ui::set_language(english);
    let lang = ui::lang(english);
    // Complaints, call-backs and checklists are due in the hub's time.
    let clock = HallClock::follow(&client);
    let press_clock = clock.clone();
    run_floor(
        rt,
        client,
        &window,
        State {
            floor,
            inspect: {
                let mut i = Inspect::new(Role::Supervisor);
                i.set_utc_offset_min(utc_offset_min);
                i
            },
        },
        |w: &SupervisorWindow, act: Box<dyn Fn(FloorPress<SupervisorPress>)>| {
            let act: Rc<dyn Fn(FloorPress<SupervisorPress>)> = Rc::from(act);
            let inspect = Rc::clone(&act);
            ui::wire_supervisor(w, move |p| act(FloorPress::Role(p)));
            inspect_ui::wire_inspect(w, move |p| inspect(FloorPress::Inspect(p)));
        },
        move |s: &mut State, input: FloorInput<FloorPress<SupervisorPress>>, _| match input {
            FloorInput::Press(FloorPress::Role(p)) => s.floor.press(p),
            FloorInput::Press(FloorPress::Inspect(p)) => {
                // A visit's time is read against the hall's time now.
                s.inspect.tick(press_clock.now());
                s.inspect.press(p)
            }
            FloorInput::Update(Update::Inspections(i)) => {
                s.inspect.inspections(*i);
                None
            }
            FloorInput::Update(u) => {
                if let Update::Hub(h) = &u {
                    s.inspect.hub(h.status);
                }
                s.floor.feed(u);
                None
            }
            FloorInput::Redraw | FloorInput::Printed(_) => None,
            FloorInput::Answer(kind, reply) if inspection_kind(kind) => {
                s.inspect.answered(inspect_answer(reply));
                None
            }
            FloorInput::Answer(_, reply) => {
                s.floor.answered(problem(&reply).map_or(Ok(()), Err));
                None
            }
        },
        move |w: &SupervisorWindow, s: &State| {
            let now = clock.now();
            ui::show_supervisor(w, &s.floor, now, lang);
            inspect_ui::show_inspect(w, &s.inspect, now, lang);
        },
        |_: &State, _: &Command| None,
    )?;
    window.run()?;
    Ok(())
}
