//! Step-through: one op's trace in kernel order, stepped with buttons or ←/→, each decision
//! spelled out with its values; the bounds in force drawn on the axis; the commit message's
//! cases (the preset's summary, sparc64's PMD vs PGDIR flush cost, is_hugepage_only_range).

mod cases;
mod controls;
mod detail;
mod timeline;

use super::hooks::use_step_keys;
use super::Dispatch;
use crate::model::{cursor, preset_of};
use crate::state::SimRef;
use freepgt::share::StepRef;
use yew::prelude::*;

/// Step-through's props.
#[derive(Properties, PartialEq)]
pub struct StepsProps {
    /// The scenario.
    pub sim: SimRef,
    /// The step shown (`None`: the last op as a whole).
    pub step: Option<StepRef>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// The preset's title and summary, if the scenario is a preset.
#[function_component(PresetNote)]
fn preset_note(p: &super::SimProps) -> Html {
    let preset = use_memo(p.sim.clone(), |sim| preset_of(sim));
    match *preset {
        Some(pr) => html! { <p class="preset-note" id="preset-summary">
        <strong>{ format!("Preset “{}”: ", pr.title) }</strong>{ pr.summary }</p> },
        None => Html::default(),
    }
}

#[function_component(Steps)]
pub fn steps(p: &StepsProps) -> Html {
    let at = cursor(&p.sim, p.step);
    use_step_keys(p.sim.clone(), at, p.dispatch.clone());
    let Some(c) = at else {
        return html! { <section class="panel" id="steps" aria-labelledby="steps-h"><h2 id="steps-h">{ "Step through" }</h2>
        <PresetNote sim={p.sim.clone()} />
        <p class="muted">{ "No operation yet: add one to step through what the kernel does." }</p></section> };
    };
    let not_last = c.op + 1 != p.sim.ops.len();
    html! {
        <section class="panel wide" id="steps" aria-labelledby="steps-h">
            <h2 id="steps-h">{ "Step through" }</h2>
            <PresetNote sim={p.sim.clone()} />
            <controls::StepControls sim={p.sim.clone()} at={c} dispatch={p.dispatch.clone()} />
            if not_last { <p class="muted small">{ "The axis and the page-table tree show the mm right after this operation (the scenario replayed up to it); edits still append to the end of the scenario." }</p> }
            <timeline::Timeline sim={p.sim.clone()} at={c} dispatch={p.dispatch.clone()} />
            <cases::Cases sim={p.sim.clone()} op={c.op} />
        </section>
    }
}
