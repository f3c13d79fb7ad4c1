//! Screenshots without a display: a Slint platform whose one window is a
//! [`MinimalSoftwareWindow`], drawn by the software renderer into a buffer and saved as PNG.
//!
//! Slint keeps one platform per thread, and this platform has one window: make a
//! [`Snapshotter`] first, then create the app's component, then change its adapter and call
//! [`Snapshotter::take`] for each screen.

use std::path::Path;
use std::rc::Rc;

use slint::PhysicalSize;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};

/// Why a screenshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Another platform is already set on this thread.
    #[error("a Slint platform is already set on this thread: {0}")]
    Platform(String),
    /// The PNG could not be written.
    #[error("writing {path}: {reason}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// The headless platform: every window it is asked for is the one software window.
struct Headless {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
}

/// Draws the thread's one window.
pub struct Snapshotter {
    window: Rc<MinimalSoftwareWindow>,
}

impl std::fmt::Debug for Snapshotter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshotter").finish_non_exhaustive()
    }
}

/// A drawn window: RGB, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Three bytes a pixel.
    pub rgb: Vec<u8>,
}

impl Snapshotter {
    /// Sets the headless platform on this thread. Call it before creating any component.
    pub fn install() -> Result<Self, SnapshotError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(Headless {
            window: window.clone(),
        }))
        .map_err(|e| SnapshotError::Platform(e.to_string()))?;
        Ok(Self { window })
    }

    /// Draws the window at `width` × `height` physical pixels.
    pub fn take(&self, width: u32, height: u32) -> Picture {
        self.window.set_size(PhysicalSize::new(width, height));
        slint::platform::update_timers_and_animations();
        let (w, h) = (width as usize, height as usize);
        let mut buffer = vec![PremultipliedRgbaColor::default(); w * h];
        self.window.request_redraw();
        self.window.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, w);
        });
        let rgb = buffer
            .iter()
            .flat_map(|p| [p.red, p.green, p.blue])
            .collect();
        Picture { width, height, rgb }
    }
}

impl Picture {
    /// How many pixels differ from the colour most pixels have: a blank window has none, a
    /// screen with text and buttons has many.
    pub fn inked(&self) -> usize {
        let mut counts = std::collections::HashMap::<[u8; 3], usize>::new();
        for p in self.rgb.chunks_exact(3) {
            *counts.entry([p[0], p[1], p[2]]).or_default() += 1;
        }
        let most = counts.values().copied().max().unwrap_or(0);
        self.rgb.len() / 3 - most
    }

    /// How many pixels differ between two pictures of the same size (all of them if the sizes
    /// differ).
    pub fn differing(&self, other: &Picture) -> usize {
        if (self.width, self.height) != (other.width, other.height) {
            return self.rgb.len() / 3;
        }
        self.rgb
            .chunks_exact(3)
            .zip(other.rgb.chunks_exact(3))
            .filter(|(a, b)| a != b)
            .count()
    }

    /// Writes the picture as an RGB PNG.
    pub fn save(&self, path: &Path) -> Result<(), SnapshotError> {
        let fail = |reason: String| SnapshotError::Write {
            path: path.display().to_string(),
            reason,
        };
        let file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(&self.rgb)
            .map_err(|e| fail(e.to_string()))?;
        writer.finish().map_err(|e| fail(e.to_string()))
    }
}
