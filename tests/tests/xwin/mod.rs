//! The apps as real processes with real windows: an X server of the test's own (Xvfb), the app
//! binaries started on it (under libfaketime where the test moves their clock), xdotool to find
//! and touch their windows, ImageMagick's `import` to grab them.
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

/// The app binary `bin` of this build. The first call builds every app (`hallq-counter`,
/// `hallq-display`, `hallq-kiosk`) in one cargo run with this test's profile: one set of
/// features, so one build is shared by every test and by `cargo build` of the same packages.
pub fn app_bin(bin: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let profile_dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_owned();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "--bins"]);
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
        }
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

    /// The pixel at (`x`, `y`).
    pub fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// How many pixels of `rect` differ from `other`'s.
    pub fn differing(&self, other: &Shot, rect: Rect) -> usize {
        assert_eq!((self.width, self.height), (other.width, other.height));
        let Rect(x0, y0, w, h) = rect;
        let mut n = 0;
        for y in y0..(y0 + h).min(self.height) {
            for x in x0..(x0 + w).min(self.width) {
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
