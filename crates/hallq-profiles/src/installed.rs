//! Where an app finds its device's profile when none is named on its command line: the
//! field test ran an app from another folder and it did not start, because the default was a
//! path relative to the working directory only.

use std::path::{Path, PathBuf};

/// The folders searched, in order: the working directory's `firmware-profiles` (a developer's
/// checkout, the demo), the hub's install beside hall.toml (deploy/README), and a device's own
/// install (deploy/hallq-kiosk.service).
pub const INSTALLED_DIRS: [&str; 3] = [
    "firmware-profiles",
    "/etc/hallq/firmware-profiles",
    "/usr/share/hallq/firmware-profiles",
];

/// The profile `file` (e.g. `kiosk-portrait-80mm.toml`) from the first of [`INSTALLED_DIRS`]
/// that has it; when none has it, the first place, so that the error names a path the user can
/// create (and [`searched`] says where else it looked).
pub fn installed(file: &str) -> PathBuf {
    installed_in(file, Path::exists)
}

fn installed_in(file: &str, exists: impl Fn(&Path) -> bool) -> PathBuf {
    let candidates = INSTALLED_DIRS.map(|d| Path::new(d).join(file));
    candidates
        .iter()
        .find(|p| exists(p))
        .unwrap_or(&candidates[0])
        .clone()
}

/// The folders searched, for an error message.
pub fn searched() -> String {
    INSTALLED_DIRS.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_folder_that_has_the_profile_wins() {
        let only = |dir: &'static str| move |p: &Path| p.starts_with(dir);
        assert_eq!(
            installed_in("k.toml", only("firmware-profiles")),
            Path::new("firmware-profiles/k.toml")
        );
        assert_eq!(
            installed_in("k.toml", only("/etc/hallq")),
            Path::new("/etc/hallq/firmware-profiles/k.toml")
        );
        assert_eq!(
            installed_in("k.toml", only("/usr/share/hallq")),
            Path::new("/usr/share/hallq/firmware-profiles/k.toml")
        );
        assert_eq!(
            installed_in("k.toml", |_: &Path| true),
            Path::new("firmware-profiles/k.toml"),
            "a checkout's own profiles come first"
        );
    }

    #[test]
    fn with_no_installed_profile_the_working_directory_s_path_is_named() {
        assert_eq!(
            installed_in("k.toml", |_: &Path| false),
            Path::new("firmware-profiles/k.toml")
        );
    }
}
