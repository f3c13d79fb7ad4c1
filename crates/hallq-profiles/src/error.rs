//! What can be wrong with a profile, said in English and Chinese, always naming the file and,
//! where there is one, the key.

use std::fmt::Write as _;
use std::path::PathBuf;

/// One thing wrong at one key of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key, as a path into the resolved profile: `printer.width_mm`, `keys[2].score`.
    pub key: String,
    /// What is wrong, in English.
    pub en: String,
    /// What is wrong, in Chinese.
    pub zh: String,
}

impl Problem {
    /// A problem at `key`.
    pub fn new(key: impl Into<String>, en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            en: en.into(),
            zh: zh.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {} / {}", self.key, self.en, self.zh)
    }
}

/// A profile, or a folder of them, that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A file or folder could not be read.
    #[error("{}: cannot read / 无法读取: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not TOML.
    #[error("{}: not valid TOML / 不是有效的 TOML: {message}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Packages include each other.
    #[error(
        "{}: packages include each other in a cycle / 共享包循环包含: {chain}",
        path.display()
    )]
    Cycle {
        /// The file that includes one of its includers.
        path: PathBuf,
        /// The chain of includes, `a.toml → b.toml → a.toml`.
        chain: String,
    },
    /// Packages are nested too deep.
    #[error(
        "{}: packages nested deeper than {max} levels / 共享包嵌套超过 {max} 层",
        path.display()
    )]
    TooDeep {
        /// The file at which the limit was passed.
        path: PathBuf,
        /// The limit.
        max: usize,
    },
    /// The profile's content is wrong: an unknown key, a wrong type, an unknown substitution, or
    /// a rule of the schema broken.
    #[error("{}", invalid_text(path, problems))]
    Invalid {
        /// The profile file (for a problem in a package, the package file where it is known).
        path: PathBuf,
        /// Every problem found, each with its key.
        problems: Vec<Problem>,
    },
    /// Several profiles of a folder are wrong.
    #[error("{}", several_text(.0))]
    Several(Vec<ProfileError>),
}

impl ProfileError {
    /// One problem at `key` of `path`.
    pub(crate) fn at(
        path: impl Into<PathBuf>,
        key: impl Into<String>,
        en: impl Into<String>,
        zh: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            path: path.into(),
            problems: vec![Problem::new(key, en, zh)],
        }
    }

    /// The problems of an [`ProfileError::Invalid`] error; none for the others.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

fn invalid_text(path: &std::path::Path, problems: &[Problem]) -> String {
    match problems {
        [one] => format!("{}: {one}", path.display()),
        many => {
            let mut s = format!(
                "{}: {} problems / {} 处错误",
                path.display(),
                many.len(),
                many.len()
            );
            for p in many {
                let _ = write!(s, "\n  - {p}");
            }
            s
        }
    }
}

fn several_text(errors: &[ProfileError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
