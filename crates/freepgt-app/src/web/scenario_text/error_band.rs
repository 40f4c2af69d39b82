//! The band marking a refused text's error line on the textarea. It sits under the text at
//! the line's place and follows the textarea's scroll through the wrapper's `--scroll`
//! (the textarea cannot style one of its lines).

use super::{INSET_PX, LINE_PX};
use yew::prelude::*;

/// The band's props.
#[derive(Properties, PartialEq)]
pub struct BandProps {
    /// The error's line in the whole text (1-based).
    pub line: usize,
    /// The same line on the page shown (1-based).
    pub local: usize,
}

#[function_component(ErrorBand)]
pub fn error_band(p: &BandProps) -> Html {
    let top = (p.local as i32 - 1) * LINE_PX;
    html! {
        <div class="err-line" id="err-line" data-line={p.line.to_string()} aria-hidden="true"
            style={format!("top: calc({INSET_PX}px + {top}px - var(--scroll, 0px))")}>
            <span>{ format!("⚠ line {}", p.line) }</span>
        </div>
    }
}
