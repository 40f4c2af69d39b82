//! The scenario editor: the author's own text (comments, blank lines and spelling survive
//! Apply), Apply and Revert, a refused text's error marked on its line, and the canonical form
//! (what the report echoes) on request.
//!
//! Built for big scenarios: the textarea is uncontrolled (yew never diffs its text) and a
//! keystroke only sets a flag. A long text is edited a page at a time ([`crate::model::pages`]):
//! a browser lays out a textarea's whole text on every keystroke and every change of its
//! value, which for thousands of lines costs far more than a frame. A big paste is taken
//! from the clipboard event and spliced into the text directly, and Ctrl+A then paste,
//! delete or typing replaces the whole text, as in any editor ([`crate::model::editor`]).
//!
//! | part | what |
//! | --- | --- |
//! | [`use_editor`] | the document behind the textarea, kept in step with the state |
//! | [`pager`] | the page bar of a long text |
//! | [`text_area`], [`error_band`] | the textarea, and the band marking the error's line on it |
//! | [`canonical`] | the canonical form, rendered only while open |

mod canonical;
mod error_band;
mod pager;
mod text_area;
mod use_editor;

use super::Dispatch;
use crate::state::{Action, AppError, SimRef};
use std::rc::Rc;
use use_editor::{use_editor, Editor};
use yew::prelude::*;

/// Line height and top inset of the textarea in CSS pixels (fixed in style.css, so the error
/// band can be placed on a line without measuring).
const LINE_PX: i32 = 18;
const INSET_PX: i32 = 7;

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

/// A text compared by identity, for effect dependencies: comparing 600 KB texts per render
/// would not do, and holding the `Rc` (not its address) keeps the key alive, so a new text
/// allocated where a freed one stood can never pass for it.
#[derive(Clone)]
struct SameText(Option<Rc<str>>);

impl PartialEq for SameText {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

#[function_component(ScenarioText)]
pub fn scenario_text(p: &TextProps) -> Html {
    let err_line = p.error.as_ref().and_then(AppError::line);
    let ed = use_editor(&p.sim, &p.source, &p.draft, err_line);
    let apply = {
        let (d, ed) = (p.dispatch.clone(), ed.clone());
        Callback::from(move |_| {
            if let Some(text) = ed.text() {
                d.dispatch(Action::ApplyText(text));
            }
        })
    };
    let revert = {
        let (ed, sim, source) = (ed.clone(), p.sim.clone(), p.source.clone());
        Callback::from(move |_| ed.revert(source.as_deref().unwrap_or(&sim.text).to_string()))
    };
    let pager = ed.pager();
    // The error band, when its line is on the page shown.
    let band = err_line.and_then(|n| pager.local(n).map(|local| (n, local)));
    html! {
        <section class="panel" id="editor" aria-labelledby="text-h">
            <h2 id="text-h"><label for="scenario-text">{ "Scenario text" }</label></h2>
            <p class="muted small">{ "Your text as you wrote it: comments (#) and blank lines are kept. Apply runs it; an error changes nothing and is marked on its line. Help › Scenario language lists the commands." }</p>
            if ed.kept_draft() {
                <p class="notice small" id="draft-kept" role="status">{ "The scenario changed while this text had unapplied edits; your edits are kept. Apply them, or Revert to the current scenario." }</p>
            }
            if pager.pages > 1 {
                <pager::Pager view={pager} on_turn={ed.on(Editor::turn)} />
            }
            <div class="editor" ref={ed.wrap.clone()}>
                if let Some((line, local)) = band {
                    <error_band::ErrorBand {line} {local} />
                }
                <text_area::TextArea area={ed.area.clone()} invalid={err_line.is_some()}
                    oninput={ed.on(|ed, _: InputEvent| ed.typed())}
                    onscroll={ed.on(|ed, _: Event| ed.follow_scroll())}
                    onpaste={ed.on(|ed, e: Event| ed.paste(&e))}
                    onkeydown={ed.on(|ed, e: KeyboardEvent| ed.key(&e))}
                    onmousedown={ed.on(|ed, _: MouseEvent| ed.clicked())} />
            </div>
            <div class="buttons">
                <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                <button type="button" id="revert-text" onclick={revert}>{ "Revert" }</button>
                if let Some(n) = err_line {
                    <button type="button" id="goto-error" onclick={ed.on(move |ed, _| ed.go_to_line(n))}>{ format!("Go to line {n}") }</button>
                }
            </div>
            <p id="text-error" class="error" role="alert">{ p.error.as_ref().map(ToString::to_string).unwrap_or_default() }</p>
            <canonical::Canonical sim={p.sim.clone()} />
        </section>
    }
}
