//! What the golden test files share: comparing the report's last command with a hand-derived
//! expectation.

use freepgt::report::{report, ReportOptions};

/// Every optional report section (`--visits --orphans`).
pub const ALL: ReportOptions = ReportOptions {
    visits: true,
    orphans: true,
};

/// Asserts that the report of `text`, from its last command's echo on, is `expected`.
#[track_caller]
pub fn expect_last(text: &str, expected: &str) {
    let (out, err) = report(text, ALL);
    assert!(err.is_none(), "unexpected error: {err:?}");
    let at = out.rfind("\n> ").expect("at least two commands") + 1;
    assert_eq!(&out[at..], expected, "scenario:\n{text}");
}
