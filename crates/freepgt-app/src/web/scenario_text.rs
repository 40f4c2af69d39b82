//! The scenario editor: the author's own text (comments, blank lines and spelling survive
//! Apply), Apply and Revert, a refused text's error marked on its line, and the canonical form
//! (what the report echoes) on request.
//!
//! Built for big scenarios: the textarea is uncontrolled (yew never diffs its text), a
//! keystroke only sets a flag, and an operation that appends to the scenario appends one line
//! to the textarea instead of replacing 40,000 of them.

use super::Dispatch;
use crate::state::{Action, AppError, SimRef};
use std::cell::Cell;
use std::rc::Rc;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The editor's props.
#[derive(Properties, PartialEq)]
pub struct TextProps {
    /// The scenario.
    pub sim: SimRef,
    /// The author's text, when it says more than the canonical one (`State::source`).
    pub source: Option<Rc<str>>,
    /// A refused link's text (`State::draft`).
    pub draft: Option<Rc<str>>,
    /// A refused Apply's (or link's) error.
    pub error: Option<AppError>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// Line height and top inset of the textarea in CSS pixels (fixed in style.css, so the error
/// band can be placed on a line without measuring).
const LINE_PX: i32 = 18;
const INSET_PX: i32 = 7;

/// The line an `error line N: WHAT` names.
pub fn error_line(e: &str) -> Option<usize> {
    e.strip_prefix("error line ")?
        .split(':')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The UTF-16 offsets of line `n` (1-based) of `text`: what `setSelectionRange` takes.
fn line_span(text: &str, n: usize) -> Option<(u32, u32)> {
    let mut at = 0u32;
    for (i, line) in text.split('\n').enumerate() {
        let len = line.encode_utf16().count() as u32;
        if i + 1 == n {
            return Some((at, at + len));
        }
        at += len + 1;
    }
    None
}

/// Keeps the error band on its line while the textarea scrolls.
fn follow_scroll(area: &HtmlTextAreaElement, wrap: &NodeRef) {
    if let Some(w) = wrap.cast::<HtmlElement>() {
        let _ = w.set_attribute("style", &format!("--scroll: {}px", area.scroll_top()));
    }
}

/// Scrolls line `n` into the middle of the textarea (without focusing it).
fn scroll_to_line(area: &HtmlTextAreaElement, wrap: &NodeRef, n: usize) {
    let view = area.client_height().max(LINE_PX);
    let top = (n as i32 - 1) * LINE_PX - view / 2 + LINE_PX;
    area.set_scroll_top(top.max(0));
    follow_scroll(area, wrap);
}

/// Rc identity, for effect dependencies (comparing 600 KB texts per render would not do).
fn ptr(t: &Option<Rc<str>>) -> usize {
    t.as_ref()
        .map_or(0, |t| Rc::as_ptr(t) as *const u8 as usize)
}

#[function_component(ScenarioText)]
pub fn scenario_text(p: &TextProps) -> Html {
    let d = p.dispatch.clone();
    let area = use_node_ref();
    let wrap = use_node_ref();
    // The text the editor last took from the state, and whether the reader typed since.
    let shown = use_mut_ref(String::new);
    let dirty = use_mut_ref(|| Cell::new(false));
    let kept_draft = use_state(|| false);
    let canonical_open = use_state(|| false);
    let error = p.error.as_ref().map(|e| e.to_string());
    let err_line = error.as_deref().and_then(error_line);
    {
        let (area, wrap, shown, dirty, kept_draft) = (
            area.clone(),
            wrap.clone(),
            shown.clone(),
            dirty.clone(),
            kept_draft.clone(),
        );
        let (sim, source, draft, error) =
            (p.sim.clone(), p.source.clone(), p.draft.clone(), err_line);
        let deps = (p.sim.clone(), ptr(&p.source), ptr(&p.draft));
        use_effect_with(deps, move |_| {
            let Some(a) = area.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let want = draft.as_deref().or(source.as_deref()).unwrap_or(&sim.text);
            let mut shown = shown.borrow_mut();
            if dirty.borrow().get() {
                // The reader's unapplied edit is kept (never lose work), unless it is exactly
                // what the state now holds (it was just applied).
                if a.value() == want {
                    dirty.borrow().set(false);
                    kept_draft.set(false);
                    *shown = want.to_string();
                } else {
                    kept_draft.set(true);
                }
                return;
            }
            if shown.as_str() != want {
                match want.strip_prefix(shown.as_str()) {
                    // An op appended a line: append it, do not re-set 40,000 lines.
                    Some(tail) if !shown.is_empty() => {
                        let len = a.text_length();
                        let _ = a.set_range_text_with_start_and_end(tail, len, len);
                    }
                    _ => a.set_value(want),
                }
                *shown = want.to_string();
            }
            kept_draft.set(false);
            if draft.is_some() {
                // A refused link's text is an unapplied edit: a later change keeps it.
                dirty.borrow().set(true);
                if let Some(n) = error {
                    scroll_to_line(&a, &wrap, n);
                }
            }
        });
    }
    let oninput = {
        let dirty = dirty.clone();
        Callback::from(move |_: InputEvent| dirty.borrow().set(true))
    };
    let onscroll = {
        let (area, wrap) = (area.clone(), wrap.clone());
        Callback::from(move |_: Event| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                follow_scroll(&a, &wrap);
            }
        })
    };
    let apply = {
        let (d, area) = (d.clone(), area.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                d.dispatch(Action::ApplyText(a.value()));
            }
        })
    };
    let revert = {
        let (area, shown, dirty, kept_draft) = (
            area.clone(),
            shown.clone(),
            dirty.clone(),
            kept_draft.clone(),
        );
        let (sim, source) = (p.sim.clone(), p.source.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let text = source.as_deref().unwrap_or(&sim.text);
                a.set_value(text);
                *shown.borrow_mut() = text.to_string();
                dirty.borrow().set(false);
                kept_draft.set(false);
            }
        })
    };
    let goto = {
        let (area, wrap) = (area.clone(), wrap.clone());
        Callback::from(move |_| {
            let (Some(a), Some(n)) = (area.cast::<HtmlTextAreaElement>(), err_line) else {
                return;
            };
            let _ = a.focus();
            if let Some((from, to)) = line_span(&a.value(), n) {
                let _ = a.set_selection_range(from, to);
            }
            scroll_to_line(&a, &wrap, n);
        })
    };
    let on_canonical = {
        let open = canonical_open.clone();
        Callback::from(move |e: Event| {
            let is_open = e
                .target_dyn_into::<web_sys::HtmlDetailsElement>()
                .is_some_and(|d| d.open());
            open.set(is_open);
        })
    };
    html! {
        <section class="panel" id="editor" aria-labelledby="text-h">
            <h2 id="text-h"><label for="scenario-text">{ "Scenario text" }</label></h2>
            <p class="muted small">{ "Your text as you wrote it: comments (#) and blank lines are kept. Apply runs it; an error changes nothing and is marked on its line. Help › Scenario language lists the commands." }</p>
            if *kept_draft {
                <p class="notice small" id="draft-kept" role="status">{ "The scenario changed while this text had unapplied edits; your edits are kept. Apply them, or Revert to the current scenario." }</p>
            }
            <div class="editor" ref={wrap}>
                if let Some(n) = err_line {
                    <div class="err-line" id="err-line" data-line={n.to_string()} aria-hidden="true"
                        style={format!("top: calc({INSET_PX}px + {}px - var(--scroll, 0px))", (n as i32 - 1) * LINE_PX)}>
                        <span>{ format!("⚠ line {n}") }</span>
                    </div>
                }
                <textarea id="scenario-text" ref={area} spellcheck="false" autocomplete="off" wrap="off" rows="14"
                    aria-describedby="text-error" aria-invalid={err_line.is_some().to_string()} {oninput} {onscroll} />
            </div>
            <div class="buttons">
                <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                <button type="button" id="revert-text" onclick={revert}>{ "Revert" }</button>
                if let Some(n) = err_line {
                    <button type="button" id="goto-error" onclick={goto}>{ format!("Go to line {n}") }</button>
                }
            </div>
            <p id="text-error" class="error" role="alert">{ error.clone().unwrap_or_default() }</p>
            <details id="canonical-details" ontoggle={on_canonical}>
                <summary>{ "Canonical form (what the report echoes: one command per line, comments dropped)" }</summary>
                if *canonical_open { <pre id="canonical" class="report" tabindex="0">{ p.sim.text.clone() }</pre> }
            </details>
        </section>
    }
}
