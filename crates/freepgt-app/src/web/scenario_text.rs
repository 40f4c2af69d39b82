//! The scenario text: the canonical form of the current state, editable; Apply replaces the
//! scenario (an error changes nothing), Revert drops an unapplied edit.

use super::Dispatch;
use crate::state::{Action, AppError, SimRef};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// The panel's props.
#[derive(Properties, PartialEq)]
pub struct TextProps {
    /// The scenario.
    pub sim: SimRef,
    /// A refused Apply's error.
    pub error: Option<AppError>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// Scenarios longer than this keep their text panel folded until asked: setting and laying
/// out a textarea of thousands of lines on every operation is most of a big scenario's
/// re-render.
const TEXT_FOLD_LINES: usize = 1500;

#[function_component(ScenarioText)]
pub fn scenario_text(p: &TextProps) -> Html {
    let d = p.dispatch.clone();
    let area = use_node_ref();
    let unfold = use_state(|| false);
    let lines = p.sim.header_lines() + p.sim.ops.len();
    let folded = lines > TEXT_FOLD_LINES && !*unfold;
    // Follow the scenario: when it changes, the textarea shows the new canonical text, unless
    // the reader has an unapplied edit in it, which is kept (never lose work) and flagged.
    // `shown` is the canonical text the panel last wrote; `applied` the text Apply sent, until
    // the reducer refuses it.
    let shown = use_mut_ref(String::new);
    let applied = use_mut_ref(|| None::<String>);
    let kept_draft = use_state(|| false);
    {
        let applied = applied.clone();
        use_effect_with(p.error.clone(), move |e| {
            if e.is_some() {
                *applied.borrow_mut() = None;
            }
        });
    }
    {
        let (area, shown, applied, kept_draft) = (
            area.clone(),
            shown.clone(),
            applied.clone(),
            kept_draft.clone(),
        );
        let text = p.sim.text.clone();
        use_effect_with((p.sim.clone(), folded), move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let value = a.value();
                let from_apply = applied.borrow_mut().take().as_ref() == Some(&value);
                let edited = !from_apply && !shown.borrow().is_empty() && value != *shown.borrow();
                if edited && value != text {
                    kept_draft.set(true);
                } else {
                    a.set_value(&text);
                    kept_draft.set(false);
                }
            }
            *shown.borrow_mut() = text;
        });
    }
    let apply = {
        let (d, area, applied) = (d.clone(), area.clone(), applied.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                *applied.borrow_mut() = Some(a.value());
                d.dispatch(Action::ApplyText(a.value()));
            }
        })
    };
    let revert = {
        let (area, text, kept_draft) = (area.clone(), p.sim.text.clone(), kept_draft.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                a.set_value(&text);
                kept_draft.set(false);
            }
        })
    };
    html! {
        <section class="panel" aria-labelledby="text-h">
            <h2 id="text-h"><label for="scenario-text">{ "Scenario text" }</label></h2>
            <p class="muted">{ "Canonical form of the current state. Edit and Apply to replace it; an error changes nothing." }</p>
            if folded {
                <p>{ format!("This scenario has {lines} lines; its text is folded so that each operation stays fast. Export › scenario downloads it. ") }
                    <button type="button" id="unfold-text" onclick={ let u = unfold.clone(); move |_| u.set(true) }>{ "Show and edit the text" }</button></p>
            } else {
                if *kept_draft {
                    <p class="notice small" id="draft-kept" role="status">{ "The scenario changed while this text had unapplied edits; your edits are kept. Apply them, or Revert to the current scenario." }</p>
                }
                <textarea id="scenario-text" ref={area} spellcheck="false" rows="14" aria-describedby="text-error" />
                <div class="buttons">
                    <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                    <button type="button" id="revert-text" onclick={revert}>{ "Revert" }</button>
                </div>
            }
            <p id="text-error" class="error" role="alert">{ p.error.as_ref().map(|e| e.to_string()).unwrap_or_default() }</p>
        </section>
    }
}
