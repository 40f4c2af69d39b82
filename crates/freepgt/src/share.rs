//! Share links: the whole playground state in a URL fragment.
//!
//! ```text
//! #v=1&s=arch%20x86_64%0Avma%200x400000%20...   readable: the scenario text, percent-encoded
//! #v=1&z=<base64url(raw deflate(text))>         compact: used only when >= 20% shorter
//! #example/gather                                 a preset by id
//! ... &step=N[.M] &embed=1 &compare=1            the step shown (command N, trace event M),
//!                                                 embed mode, compare mode
//! ```
//!
//! One pair of pure functions, [`encode`] and [`decode`], maps state to fragment and back.
//! Every fragment carries `v=`; a later version must keep decoding every older one (the
//! fixture `tests/fixtures/share-urls.txt` holds links that must load forever). A fragment is
//! untrusted input: its size is capped before anything is decompressed, the decompressed size
//! is capped too, and every failure is a typed [`ShareError`].

use crate::error::ScenarioError;
use crate::presets;
use crate::scenario::Scenario;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::fmt;

/// The version written by [`encode`].
pub const VERSION: u32 = 1;
/// The longest fragment [`decode`] looks at (characters).
pub const MAX_FRAGMENT: usize = 1 << 20;
/// The largest scenario text a compact fragment may inflate to (bytes).
pub const MAX_TEXT: usize = 4 << 20;

/// Characters kept as they are in the readable form; everything else is percent-encoded.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A position in a scenario: command `command` (index into the scenario's commands, 0 =
/// `arch`) and optionally event `event` of that command's trace.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StepRef {
    /// Index of the command.
    pub command: usize,
    /// Index of the trace event within it.
    pub event: Option<usize>,
}

impl fmt::Display for StepRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.event {
            Some(e) => write!(f, "{}.{e}", self.command),
            None => write!(f, "{}", self.command),
        }
    }
}

impl std::str::FromStr for StepRef {
    type Err = ShareError;
    /// `N` or `N.M`, decimal; anything else (or a number past `usize`) is `BadStep`.
    fn from_str(s: &str) -> Result<Self, ShareError> {
        let num = |t: &str| -> Result<usize, ShareError> {
            t.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| t.parse().ok())
                .flatten()
                .ok_or_else(|| ShareError::BadStep(s.to_string()))
        };
        match s.split_once('.') {
            Some((c, e)) => Ok(StepRef {
                command: num(c)?,
                event: Some(num(e)?),
            }),
            None => Ok(StepRef {
                command: num(s)?,
                event: None,
            }),
        }
    }
}

/// The state a link carries.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Shared {
    /// The scenario text (canonical when produced by the playground).
    pub text: String,
    /// The step shown.
    pub step: Option<StepRef>,
    /// Embed mode: no editing chrome.
    pub embed: bool,
    /// Compare mode: the scenario under both kernels side by side.
    pub compare: bool,
    /// The preset the link named, if it was `#example/ID`.
    pub example: Option<String>,
}

/// Which form [`encode`] chose.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Form {
    /// `s=`, percent-encoded text.
    Readable,
    /// `z=`, deflate + base64url.
    Compact,
}

/// Why a fragment could not be loaded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ShareError {
    /// Longer than [`MAX_FRAGMENT`].
    TooLong {
        /// Its length.
        len: usize,
    },
    /// `v=` names a version this build does not know.
    UnsupportedVersion(String),
    /// No `v=`.
    MissingVersion,
    /// Neither `s=` nor `z=`.
    MissingScenario,
    /// A parameter appears twice, or both `s=` and `z=` are present.
    Duplicate(String),
    /// `z=` is not base64url.
    BadBase64,
    /// `z=` does not inflate (truncated or corrupt).
    BadDeflate,
    /// `z=` inflates to more than [`MAX_TEXT`] bytes.
    InflatesTooLarge,
    /// The text is not UTF-8.
    BadUtf8,
    /// `step=` is not `N` or `N.M`.
    BadStep(String),
    /// `#example/ID` names no preset.
    UnknownExample(String),
    /// The text decoded but is not a valid scenario.
    Scenario(ScenarioError),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::TooLong { len } => {
                write!(
                    f,
                    "link too long ({len} characters; at most {MAX_FRAGMENT})"
                )
            }
            ShareError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "link version '{v}' is newer than this playground (knows v={VERSION})"
                )
            }
            ShareError::MissingVersion => f.write_str("link has no v= version"),
            ShareError::MissingScenario => f.write_str("link has no scenario (s= or z=)"),
            ShareError::Duplicate(k) => write!(f, "link gives '{k}' twice"),
            ShareError::BadBase64 => f.write_str("compact link (z=) is not valid base64url"),
            ShareError::BadDeflate => f.write_str("compact link (z=) is truncated or corrupt"),
            ShareError::InflatesTooLarge => {
                write!(f, "compact link (z=) expands beyond {MAX_TEXT} bytes")
            }
            ShareError::BadUtf8 => f.write_str("link text is not UTF-8"),
            ShareError::BadStep(s) => write!(f, "step '{s}' is not N or N.M"),
            ShareError::UnknownExample(id) => write!(f, "no example named '{id}'"),
            ShareError::Scenario(e) => write!(f, "linked scenario: {e}"),
        }
    }
}

impl std::error::Error for ShareError {}

/// The readable `s=` body: the text, percent-encoded.
pub fn readable_body(text: &str) -> String {
    utf8_percent_encode(text, KEEP).to_string()
}

/// The compact `z=` body for already raw-deflated bytes: base64url without padding.
pub fn compact_body(deflated: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(deflated)
}

/// The fragment for a state, given the compact body if one was computed (the browser
/// compresses with its own `CompressionStream`, natively this crate's `deflate` feature
/// does). The compact form is chosen only when it is at least 20% shorter.
pub fn encode_choosing(state: &Shared, compact: Option<&str>) -> (String, Form) {
    let readable = readable_body(&state.text);
    // The compact form only when it saves at least 20%: readable links are worth a little.
    let (key, body, form) = match compact {
        Some(z) if z.len() * 5 <= readable.len() * 4 => ("z", z.to_string(), Form::Compact),
        _ => ("s", readable, Form::Readable),
    };
    let mut out = format!("v={VERSION}&{key}={body}");
    if let Some(step) = state.step {
        out.push_str(&format!("&step={step}"));
    }
    if state.compare {
        out.push_str("&compare=1");
    }
    if state.embed {
        out.push_str("&embed=1");
    }
    (out, form)
}

/// A decoded fragment, or one whose compact body still has to be inflated.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Decoded {
    /// Everything is decoded and the text is a valid scenario.
    Ready(Shared),
    /// A compact link: inflate `deflated` (raw deflate, at most [`MAX_TEXT`] bytes out), then
    /// call [`finish`] with `rest` (step and flags already decoded, text empty).
    NeedsInflate {
        /// The raw-deflated scenario text.
        deflated: Vec<u8>,
        /// The rest of the state.
        rest: Shared,
    },
}

/// Decodes a fragment (with or without the leading `#`) up to, but not including,
/// decompression, which the caller supplies (synchronously natively, asynchronously in a
/// browser). Every other check is made here.
pub fn decode_start(fragment: &str) -> Result<Decoded, ShareError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment.len() > MAX_FRAGMENT {
        return Err(ShareError::TooLong {
            len: fragment.len(),
        });
    }
    let (example, params) = match fragment.strip_prefix("example/") {
        Some(rest) => {
            let (id, params) = rest.split_once('&').unwrap_or((rest, ""));
            (Some(id), params)
        }
        None => (None, fragment),
    };
    let mut version = None;
    let mut body: Option<(char, &str)> = None;
    let mut state = Shared::default();
    let mut seen = Vec::new();
    for pair in params.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if seen.contains(&k) {
            return Err(ShareError::Duplicate(k.to_string()));
        }
        seen.push(k);
        match k {
            "v" => version = Some(v),
            "s" | "z" => {
                if body.is_some() {
                    return Err(ShareError::Duplicate("s/z".to_string()));
                }
                body = Some((if k == "s" { 's' } else { 'z' }, v));
            }
            "step" => state.step = Some(v.parse()?),
            "embed" => state.embed = v == "1",
            "compare" => state.compare = v == "1",
            // Unknown keys are view options of a later version: ignored, so old
            // playgrounds still open newer links as far as they can.
            _ => {}
        }
    }
    if let Some(id) = example {
        let preset = presets::find(id).ok_or_else(|| ShareError::UnknownExample(id.to_string()))?;
        state.text = preset.text();
        state.example = Some(id.to_string());
        return Ok(Decoded::Ready(state));
    }
    match version {
        None => return Err(ShareError::MissingVersion),
        Some("1") => {}
        Some(v) => return Err(ShareError::UnsupportedVersion(v.to_string())),
    }
    match body {
        None => Err(ShareError::MissingScenario),
        Some(('s', s)) => {
            state.text = percent_decode_str(s)
                .decode_utf8()
                .map_err(|_| ShareError::BadUtf8)?
                .into_owned();
            Scenario::parse(&state.text).map_err(ShareError::Scenario)?;
            Ok(Decoded::Ready(state))
        }
        Some((_, z)) => {
            let deflated = URL_SAFE_NO_PAD
                .decode(z.trim_end_matches('='))
                .map_err(|_| ShareError::BadBase64)?;
            Ok(Decoded::NeedsInflate {
                deflated,
                rest: state,
            })
        }
    }
}

/// Completes a compact link with its inflated text.
pub fn finish(mut rest: Shared, inflated: Vec<u8>) -> Result<Shared, ShareError> {
    if inflated.len() > MAX_TEXT {
        return Err(ShareError::InflatesTooLarge);
    }
    rest.text = String::from_utf8(inflated).map_err(|_| ShareError::BadUtf8)?;
    Scenario::parse(&rest.text).map_err(ShareError::Scenario)?;
    Ok(rest)
}

/// The native codec, with miniz_oxide's deflate (the `deflate` feature, on by default). The
/// playground's wasm leaves it out and uses the browser's `CompressionStream` instead, which
/// keeps ~30 KB gzipped out of the download.
#[cfg(feature = "deflate")]
mod native {
    use super::*;

    /// Raw deflate at the best compression.
    pub fn deflate(text: &str) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 10)
    }

    /// Raw inflate, refusing output beyond [`MAX_TEXT`].
    pub fn inflate(deflated: &[u8]) -> Result<Vec<u8>, ShareError> {
        miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, MAX_TEXT).map_err(|e| match e
            .status
        {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::InflatesTooLarge,
            _ => ShareError::BadDeflate,
        })
    }

    /// The two candidate bodies for a text: (readable `s=` value, compact `z=` value).
    pub fn bodies(text: &str) -> (String, String) {
        (readable_body(text), compact_body(&deflate(text)))
    }

    /// Encodes a state as a fragment (without `#`), and says which form it chose.
    pub fn encode_with_form(state: &Shared) -> (String, Form) {
        encode_choosing(state, Some(&compact_body(&deflate(&state.text))))
    }

    /// Encodes a state as a fragment (without `#`).
    pub fn encode(state: &Shared) -> String {
        encode_with_form(state).0
    }

    /// Decodes a fragment (with or without the leading `#`). The text is checked to be a
    /// valid scenario, so a link that decodes always loads.
    pub fn decode(fragment: &str) -> Result<Shared, ShareError> {
        match decode_start(fragment)? {
            Decoded::Ready(s) => Ok(s),
            Decoded::NeedsInflate { deflated, rest } => finish(rest, inflate(&deflated)?),
        }
    }

    /// A full link: `base` (e.g. `https://example.org/freepgt/`) + `#` + fragment.
    pub fn link(base: &str, state: &Shared) -> String {
        format!("{base}#{}", encode(state))
    }
}

#[cfg(feature = "deflate")]
pub use native::{bodies, decode, deflate, encode, encode_with_form, inflate, link};

#[cfg(all(test, feature = "deflate"))]
mod tests {
    use super::*;

    fn state(text: &str) -> Shared {
        Shared {
            text: text.to_string(),
            ..Shared::default()
        }
    }

    #[test]
    fn short_scenarios_stay_readable() {
        let s = state("arch x86_64\nvma 0x400000 0x401000\n");
        let (frag, form) = encode_with_form(&s);
        assert_eq!(form, Form::Readable);
        assert_eq!(frag, "v=1&s=arch%20x86_64%0Avma%200x400000%200x401000%0A");
        assert_eq!(decode(&frag).unwrap(), s);
    }

    #[test]
    fn long_scenarios_compress_and_round_trip() {
        let text = presets::find("large").unwrap().text();
        let s = Shared {
            text: text.clone(),
            step: Some(StepRef {
                command: 7,
                event: Some(12),
            }),
            compare: true,
            embed: true,
            example: None,
        };
        let (frag, form) = encode_with_form(&s);
        assert_eq!(form, Form::Compact);
        assert!(frag.ends_with("&step=7.12&compare=1&embed=1"));
        assert_eq!(decode(&format!("#{frag}")).unwrap(), s);
    }

    #[test]
    fn example_links_load_presets() {
        let s = decode("#example/gather&step=3").unwrap();
        assert_eq!(s.text, presets::find("gather").unwrap().text());
        assert_eq!(
            s.step,
            Some(StepRef {
                command: 3,
                event: None
            })
        );
        assert_eq!(
            decode("#example/nope"),
            Err(ShareError::UnknownExample("nope".into()))
        );
    }

    #[test]
    fn hostile_fragments_are_typed_errors() {
        assert_eq!(decode("s=arch%20x86_64"), Err(ShareError::MissingVersion));
        assert_eq!(
            decode("v=9&s=arch%20x86_64"),
            Err(ShareError::UnsupportedVersion("9".into()))
        );
        assert_eq!(decode("v=1"), Err(ShareError::MissingScenario));
        assert_eq!(decode("v=1&z=***"), Err(ShareError::BadBase64));
        assert_eq!(decode("v=1&z=AAAA"), Err(ShareError::BadDeflate));
        assert_eq!(decode("v=1&s=%FF"), Err(ShareError::BadUtf8));
        assert_eq!(
            decode("v=1&s=a&s=b"),
            Err(ShareError::Duplicate("s".into()))
        );
        assert_eq!(
            decode("v=1&s=a&z=b"),
            Err(ShareError::Duplicate("s/z".into()))
        );
        assert_eq!(
            decode("v=1&s=arch%20x86_64&step=x"),
            Err(ShareError::BadStep("x".into()))
        );
        assert!(matches!(
            decode("v=1&s=arch%20vax"),
            Err(ShareError::Scenario(_))
        ));
        let long = "v=1&s=".to_string() + &"a".repeat(MAX_FRAGMENT);
        assert!(matches!(decode(&long), Err(ShareError::TooLong { .. })));
        // A deflate bomb: 64 MiB of spaces compresses to a few KB and must be refused.
        let bomb = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(
            &vec![b' '; 64 << 20],
            10,
        ));
        assert!(bomb.len() < MAX_FRAGMENT);
        assert_eq!(
            decode(&format!("v=1&z={bomb}")),
            Err(ShareError::InflatesTooLarge)
        );
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let s = decode("v=1&s=arch%20sparc64&theme=dark").unwrap();
        assert_eq!(s.text, "arch sparc64");
    }
}
