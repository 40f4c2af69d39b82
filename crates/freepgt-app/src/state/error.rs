//! The playground's errors: typed, wrapping the core's, each with the words the page shows.

use freepgt::share::ShareError;
use freepgt::{ArchId, Kernel, ScenarioError};
use std::fmt;

/// A header change the reducer was asked for (named in a refusal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    /// `arch` changed.
    Arch(ArchId),
    /// `kernel` changed.
    Kernel(Kernel),
}

impl fmt::Display for Switch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Switch::Arch(a) => write!(f, "{a}"),
            Switch::Kernel(k) => write!(f, "{k}"),
        }
    }
}

/// Why the playground refused a change (nothing changed) or could not open something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppError {
    /// A line of the scenario does not parse or its operation fails, as the core says it:
    /// `error line N: WHAT`.
    Scenario(ScenarioError),
    /// Operations without an `arch` line before them.
    NoArch,
    /// No preset has this id.
    NoPreset(String),
    /// Re-running the scenario under another arch or kernel failed.
    Switch {
        /// The header change asked for.
        to: Switch,
        /// Why the scenario does not run there.
        error: Box<AppError>,
    },
    /// A link decoded but its scenario does not run (or it did not decode at all).
    LinkRefused(Box<AppError>),
    /// A link could not be opened at start; the autosave is shown instead.
    LinkUnreadable(ShareError),
    /// A link's fragment does not decode.
    Share(ShareError),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Scenario(e) => write!(f, "{e}"),
            AppError::NoArch => f.write_str("error line 1: the scenario must start with arch"),
            AppError::NoPreset(id) => write!(f, "no preset {id:?}"),
            AppError::Switch { to, error } => write!(f, "cannot switch to {to}: {error}"),
            AppError::LinkRefused(e) => write!(
                f,
                "cannot open the link: {e}. Its text is in the scenario editor with the error marked; the page shows your autosaved scenario until you fix and apply it"
            ),
            AppError::LinkUnreadable(e) => write!(
                f,
                "cannot open the link ({e}); showing your autosaved scenario instead"
            ),
            AppError::Share(e) => write!(f, "{e}"),
        }
    }
}

impl AppError {
    /// The line of the scenario text the error names (1-based), to mark it in the editor.
    pub fn line(&self) -> Option<usize> {
        match self {
            AppError::Scenario(e) => Some(e.line),
            AppError::NoArch => Some(1),
            AppError::Switch { error, .. } | AppError::LinkRefused(error) => error.line(),
            AppError::NoPreset(_) | AppError::LinkUnreadable(_) | AppError::Share(_) => None,
        }
    }
}

impl std::error::Error for AppError {}

impl From<ScenarioError> for AppError {
    fn from(e: ScenarioError) -> Self {
        AppError::Scenario(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Sim;

    /// The line the editor marks is the one the message names.
    #[test]
    fn the_marked_line_is_the_one_the_message_names() {
        for (text, line) in [
            ("arch x86_64\nvma 400000 400800\n", 2),
            ("# a comment\n\narch x86_64\ntouch 400000\n", 4),
            ("touch 400000\n", 1),
            ("arch mips\n", 1),
        ] {
            let e = Sim::from_text(text).map(|_| ()).unwrap_err();
            assert_eq!(e.line(), Some(line), "{e}");
            assert!(
                e.to_string().starts_with(&format!("error line {line}: ")),
                "{e}"
            );
            let refused = AppError::LinkRefused(Box::new(e));
            assert_eq!(refused.line(), Some(line));
        }
        assert_eq!(AppError::NoPreset("x".into()).line(), None);
    }
}
