//! Loading: one file into a checked [`Profile`], a folder into [`Profiles`] by name.

use std::collections::BTreeMap;
use std::path::Path;

use toml::{Table, Value};

use crate::error::ProfileError;
use crate::resolve;
use crate::schema::Profile;
use crate::validate;

/// Loads the profile at `path`: packages, substitutions, typed parsing, validation.
pub fn load_file(path: &Path) -> Result<Profile, ProfileError> {
    checked(resolve::resolve_file(path)?, path)
}

/// Loads profile text as if it were the file `origin` (its packages are relative to `origin`'s
/// folder, and messages name it).
pub fn parse_str(text: &str, origin: &Path) -> Result<Profile, ProfileError> {
    checked(resolve::resolve_str(text, origin)?, origin)
}

/// Typed parsing of a resolved table, then the rules.
fn checked(table: Table, path: &Path) -> Result<Profile, ProfileError> {
    let profile: Profile = serde_path_to_error::deserialize(Value::Table(table)).map_err(|e| {
        let key = match e.path().to_string() {
            k if k == "." => "(top level)".to_string(),
            k => k,
        };
        ProfileError::at(
            path,
            key,
            // The first line: the key is named already (toml adds "in `key`" below it).
            e.inner()
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .trim(),
            "键名或取值不符合固件配置格式（见 firmware-profiles/README.md）",
        )
    })?;
    let problems = validate::check(&profile);
    if problems.is_empty() {
        Ok(profile)
    } else {
        Err(ProfileError::Invalid {
            path: path.to_owned(),
            problems,
        })
    }
}

/// The profiles of a folder, by name (the file name without `.toml`).
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    /// Sorted, so listings and error reports come out in the same order every time.
    by_name: BTreeMap<String, Profile>,
}

impl Profiles {
    /// Loads every `*.toml` file directly in `dir`. Subfolders are not read as profiles:
    /// `packages/` holds the shared bases, which are not devices on their own. Every file is
    /// checked, and every broken one is reported.
    pub fn load_dir(dir: &Path) -> Result<Self, ProfileError> {
        let read_err = |source| ProfileError::Read {
            path: dir.to_owned(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
        files.sort();
        let mut profiles = Self::default();
        let mut errors = Vec::new();
        for path in files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match load_file(&path) {
                Ok(p) => profiles.insert(name, p),
                Err(e) => errors.push(e),
            }
        }
        match errors.len() {
            0 => Ok(profiles),
            1 => Err(errors.remove(0)),
            _ => Err(ProfileError::Several(errors)),
        }
    }

    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.by_name.get(name)
    }

    /// Adds (or replaces) the profile called `name`.
    pub fn insert(&mut self, name: impl Into<String>, profile: Profile) {
        self.by_name.insert(name.into(), profile);
    }

    /// Every profile, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Profile)> {
        self.by_name.iter().map(|(n, p)| (n.as_str(), p))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}
