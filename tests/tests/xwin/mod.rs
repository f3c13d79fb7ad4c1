//! The apps as real processes with real windows: an X server of the test's own (Xvfb), the app
//! binaries started on it (under libfaketime where the test moves their clock), xdotool to find
//! and touch their windows, ImageMagick's `import` to grab them into files, or the X server's own
//! GetImage (x11rb) to look at them many times a second without a file.
//!
//! Needs Xvfb, xdotool, ImageMagick and faketime (`./dev setup` installs them).

#![allow(
    dead_code,
    unreachable_pub,
    reason = "shared by several test binaries, each using a part"
)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    AtomEnum, ConfigureWindowAux, ConnectionExt as _, ImageFormat, MapState,
};
use x11rb::rust_connection::RustConnection;

/// The app binary `bin` of this build. The first call builds every app (`hallq-counter`,
/// `hallq-display`, `hallq-kiosk`) in one cargo run with this test's profile: one set of
/// features, so one build is shared by every test and by `cargo build` of the same packages.
pub fn app_bin(bin: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let profile_dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_owned();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut build = hallq_tests::cargo_build();
        build.arg("--bins");
        for package in ["hallq-counter", "hallq-display", "hallq-kiosk"] {
            build.args(["-p", package]);
        }
        if release {
            build.arg("--release");
        }
        assert!(
            build.status().unwrap().success(),
            "building the apps failed"
        );
        profile_dir
    });
    profile_dir.join(bin)
}

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The firmware profile `name` (firmware-profiles/`name`.toml).
pub fn profile(name: &str) -> PathBuf {
    root().join(format!("firmware-profiles/{name}.toml"))
}

/// An X server of its own (Xvfb picks a free display number), ended with the test.
pub struct Xvfb {
    child: Child,
    pub display: String,
    /// A client connection of the test's own, for [`Xvfb::look`] and window properties.
    conn: OnceLock<(RustConnection, usize)>,
}

impl Xvfb {
    /// A screen of `width` × `height`, 24-bit.
    pub fn start(width: u32, height: u32) -> Self {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (apt-get install xvfb)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let n: u32 = line.trim().parse().expect("Xvfb names its display");
        Self {
            child,
            display: format!(":{n}"),
            conn: OnceLock::new(),
        }
    }

    fn conn(&self) -> &(RustConnection, usize) {
        self.conn.get_or_init(|| {
            RustConnection::connect(Some(&self.display)).expect("the test's X server answers")
        })
    }

    /// The window's pixels as the X server holds them now, read with GetImage: no process, no
    /// file, a few milliseconds (ImageMagick's `import` takes ~1 s under load).
    pub fn look(&self, window: &str) -> Shot {
        let (conn, _) = self.conn();
        let id: u32 = window.parse().expect("a window id in decimal");
        let geometry = conn.get_geometry(id).unwrap().reply().unwrap();
        let image = conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                id,
                0,
                0,
                geometry.width,
                geometry.height,
                !0,
            )
            .unwrap()
            .reply()
            .unwrap();
        let (width, height) = (usize::from(geometry.width), usize::from(geometry.height));
        // Depth 24 is 32 bits a pixel on Xvfb, blue first (little-endian 0x00RRGGBB).
        assert_eq!(image.data.len(), width * height * 4, "a 32-bit image");
        let mut rgb = vec![0; width * height * 3];
        for (to, from) in rgb.chunks_exact_mut(3).zip(image.data.chunks_exact(4)) {
            to.copy_from_slice(&[from[2], from[1], from[0]]);
        }
        Shot {
            width,
            height,
            rgb,
            path: PathBuf::from(format!("window-{window}")),
        }
    }

    /// The mapped top-level window of process `pid` (its `_NET_WM_PID`, which winit sets), if
    /// it has one yet.
    pub fn window_of(&self, pid: u32) -> Option<String> {
        let (conn, screen) = self.conn();
        let root = conn.setup().roots[*screen].root;
        let atom = conn
            .intern_atom(false, b"_NET_WM_PID")
            .unwrap()
            .reply()
            .unwrap()
            .atom;
        let tree = conn.query_tree(root).unwrap().reply().unwrap();
        tree.children.into_iter().find_map(|w| {
            let property = conn
                .get_property(false, w, atom, AtomEnum::CARDINAL, 0, 1)
                .ok()?
                .reply()
                .ok()?;
            let owner = property.value32()?.next()?;
            let mapped =
                conn.get_window_attributes(w).ok()?.reply().ok()?.map_state == MapState::VIEWABLE;
            (owner == pid && mapped).then(|| w.to_string())
        })
    }

    /// Moves the window's top left corner to (`x`, `y`) of the screen. With no window manager
    /// windows open at 0,0 on top of each other; apart, a click reaches the window it is for and
    /// a look sees only its own pixels.
    pub fn move_to(&self, window: &str, x: i32, y: i32) {
        let (conn, _) = self.conn();
        let id: u32 = window.parse().expect("a window id in decimal");
        conn.configure_window(id, &ConfigureWindowAux::new().x(x).y(y))
            .unwrap();
        // A round trip: the move is done when the answer comes.
        conn.get_input_focus().unwrap().reply().unwrap();
    }

    /// `program` with this display.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DISPLAY", &self.display);
        c
    }

    /// Runs `program args` on this display and returns its standard output.
    pub fn run(&self, program: &str, args: &[&str]) -> String {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The id of the window titled `title`, once it is mapped.
    pub fn window(&self, title: &str) -> String {
        let out = self.run(
            "timeout",
            &[
                "60",
                "xdotool",
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                title,
            ],
        );
        out.lines().next().unwrap().to_owned()
    }

    /// The window's size in pixels.
    pub fn size(&self, window: &str) -> (u32, u32) {
        let out = self.run("xdotool", &["getwindowgeometry", "--shell", window]);
        let field = |name: &str| -> u32 {
            out.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {out}"))
        };
        (field("WIDTH"), field("HEIGHT"))
    }

    /// The window's pixels, also saved as `path`.
    pub fn grab(&self, window: &str, path: &Path) -> Shot {
        self.run(
            "import",
            &["-window", window, &format!("png24:{}", path.display())],
        );
        Shot::read(path)
    }

    /// A left click at (`x`, `y`) of the window, raised first (windows of one screen overlap,
    /// and a click goes to the one on top).
    pub fn click(&self, window: &str, x: u32, y: u32) {
        self.run("xdotool", &["windowraise", window]);
        self.run(
            "xdotool",
            &[
                "mousemove",
                "--window",
                window,
                &x.to_string(),
                &y.to_string(),
                "click",
                "1",
            ],
        );
    }

    /// Types `text` into the window (focused first: with no window manager an app takes only
    /// the keys of the focused window).
    pub fn type_text(&self, window: &str, text: &str) {
        self.run("xdotool", &["windowfocus", "--sync", window]);
        self.run("xdotool", &["type", "--delay", "20", text]);
    }

    /// Presses `key` (an X keysym name: `Return`, `F1`) in the window.
    pub fn key(&self, window: &str, key: &str) {
        self.run("xdotool", &["windowfocus", "--sync", window]);
        self.run("xdotool", &["key", key]);
    }

    /// Looks at `window` until two looks a second apart are the same (the window is idle) and
    /// returns that look (the last look after `within`).
    pub fn settled(&self, window: &str, within: Duration) -> Shot {
        let deadline = std::time::Instant::now() + within;
        let mut last = self.look(window);
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let now = self.look(window);
            if now.differing(&last, now.all()) == 0 || std::time::Instant::now() > deadline {
                return now;
            }
            last = now;
        }
    }

    /// Looks at `window` until it differs from `from` in `rect` (`None` after `within`): for a
    /// screen that never holds still (a counting timer on it).
    pub fn changed(&self, window: &str, from: &Shot, rect: Rect, within: Duration) -> Option<Shot> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(250));
            let now = self.look(window);
            if now.differing(from, rect) > 0 {
                return Some(now);
            }
        }
        None
    }

    /// Looks at `window` until it differs from `from` in `rect` and then holds still for a
    /// second (`None` after `within`).
    pub fn settled_change(
        &self,
        window: &str,
        from: &Shot,
        rect: Rect,
        within: Duration,
    ) -> Option<Shot> {
        let deadline = std::time::Instant::now() + within;
        let mut last: Option<Shot> = None;
        while std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_secs(1));
            let now = self.look(window);
            if now.differing(from, rect) > 0
                && last
                    .as_ref()
                    .is_some_and(|l| l.differing(&now, now.all()) == 0)
            {
                return Some(now);
            }
            last = Some(now);
        }
        None
    }

    /// Signs clerk `staff` in at the counter terminal `window` (1920×1080): the staff number
    /// field (the form is centred), Enter to the PIN, Enter to sign in (the test hall takes any
    /// staff number without one). Waits for the terminal to be idle first and for the signed-in
    /// screen after, and tries again while the form stays (a loaded machine may still be
    /// connecting the terminal when the first keys arrive). The signed-in screen.
    pub fn sign_in_counter(&self, window: &str, staff: &str) -> Shot {
        // The signed-in screen replaces the form: a twentieth of the body at least changes (a
        // message under the form would change a strip of it).
        let body = Rect(0, 110, 1920, 970);
        let least = 1920 * 970 / 20;
        for _ in 0..4 {
            self.settled(window, Duration::from_secs(30));
            self.click(window, 960, 514);
            self.key(window, "ctrl+a");
            self.type_text(window, staff);
            self.key(window, "Return");
            let form = self.settled(window, Duration::from_secs(10));
            self.key(window, "Return");
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while std::time::Instant::now() < deadline {
                let now = self.settled(window, Duration::from_secs(10));
                if now.differing(&form, body) > least {
                    return now;
                }
            }
        }
        panic!("the counter terminal never signed clerk {staff} in");
    }

    /// Resizes the window by a pixel and back: a new buffer, painted in full.
    pub fn full_redraw(&self, window: &str) {
        let (width, height) = self.size(window);
        for h in [height - 1, height] {
            self.run(
                "xdotool",
                &[
                    "windowsize",
                    "--sync",
                    window,
                    &width.to_string(),
                    &h.to_string(),
                ],
            );
            std::thread::sleep(Duration::from_millis(700));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A rectangle of a window: `x`, `y`, `width`, `height` in pixels.
#[derive(Debug, Clone, Copy)]
pub struct Rect(pub usize, pub usize, pub usize, pub usize);

/// A grabbed window.
pub struct Shot {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
    pub path: PathBuf,
}

impl Shot {
    /// Reads a PNG.
    pub fn read(path: &Path) -> Self {
        let decoder = png::Decoder::new(BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let rgb = buf[..info.buffer_size()]
            .chunks_exact(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Self {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
            path: path.to_owned(),
        }
    }

    /// Writes the picture as a PNG at `path`.
    pub fn save(&self, path: &Path) {
        let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        let mut encoder = png::Encoder::new(file, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&self.rgb)
            .unwrap();
    }

    /// A part of the picture, for comparing one place (a button's label) across looks.
    pub fn crop(&self, rect: Rect) -> Vec<u8> {
        let Rect(x0, y0, w, h) = rect;
        let mut out = Vec::with_capacity(w * h * 3);
        for y in y0..(y0 + h).min(self.height) {
            let row = (y * self.width + x0) * 3;
            out.extend_from_slice(&self.rgb[row..row + w.min(self.width - x0) * 3]);
        }
        out
    }

    /// The pixel at (`x`, `y`).
    pub fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// How many pixels of `rect` differ from `other`'s.
    pub fn differing(&self, other: &Shot, rect: Rect) -> usize {
        assert_eq!((self.width, self.height), (other.width, other.height));
        let Rect(x0, y0, w, h) = rect;
        let x1 = (x0 + w).min(self.width);
        let mut n = 0;
        for y in y0..(y0 + h).min(self.height) {
            // Rows alike are skipped with one comparison of their bytes: most are, and the
            // tests are built without optimisation.
            let row = (y * self.width + x0) * 3..(y * self.width + x1) * 3;
            if self.rgb[row.clone()] == other.rgb[row] {
                continue;
            }
            for x in x0..x1 {
                if self.at(x, y) != other.at(x, y) {
                    n += 1;
                }
            }
        }
        n
    }

    /// The whole picture as a rectangle.
    pub fn all(&self) -> Rect {
        Rect(0, 0, self.width, self.height)
    }

    /// How many pixels of `rect` are not the colour of its top-left pixel (its background):
    /// text and figures drawn there.
    pub fn inked(&self, rect: Rect) -> usize {
        let Rect(x0, y0, w, h) = rect;
        let bg = self.at(x0, y0);
        let mut n = 0;
        for y in y0..(y0 + h).min(self.height) {
            for x in x0..(x0 + w).min(self.width) {
                if self.at(x, y) != bg {
                    n += 1;
                }
            }
        }
        n
    }

    /// How many pixels of `rect` have exactly the colour `c`.
    pub fn count(&self, rect: Rect, c: [u8; 3]) -> usize {
        let Rect(x0, y0, w, h) = rect;
        let mut n = 0;
        for y in y0..(y0 + h).min(self.height) {
            for x in x0..(x0 + w).min(self.width) {
                if self.at(x, y) == c {
                    n += 1;
                }
            }
        }
        n
    }
}

/// A child process, killed with the test.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
