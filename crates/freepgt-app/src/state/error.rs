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

impl std::error::Error for AppError {}

impl From<ScenarioError> for AppError {
    fn from(e: ScenarioError) -> Self {
        AppError::Scenario(e)
    }
}
