//! The step controls: the op selector and the move buttons.

use crate::model::{nav, Cursor, Nav};
use crate::state::{Action, SimRef};
use crate::web::hooks::{use_player, SPEEDS};
use crate::web::Dispatch;
use freepgt::share::StepRef;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Props of the parts of step-through that follow the cursor.
#[derive(Properties, PartialEq)]
pub struct AtProps {
    /// The scenario.
    pub sim: SimRef,
    /// The step shown.
    pub at: Cursor,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// A click that goes to `to` (if anywhere).
pub fn go(d: &Dispatch, to: Option<StepRef>) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |_| {
        if let Some(to) = to {
            d.dispatch(Action::SetStep(Some(to)));
        }
    })
}

/// Play / pause and the speed.
#[function_component(PlayControls)]
fn play_controls(p: &AtProps) -> Html {
    let player = use_player(p.sim.clone(), p.at, p.dispatch.clone());
    let on_speed = {
        let set = player.set_delay.clone();
        Callback::from(move |e: web_sys::Event| {
            if let Ok(ms) = crate::web::header::select_value(&e).parse::<u32>() {
                set.emit(ms);
            }
        })
    };
    let (label, title) = match player.playing {
        true => ("⏸ pause", "pause"),
        false => ("▶ play", "play this operation's events one by one"),
    };
    html! { <>
        <button type="button" id="step-play" title={title} aria-pressed={player.playing.to_string()}
            onclick={player.toggle}>{ label }</button>
        <label>{ "speed " }<select id="step-speed" onchange={on_speed}>
            { for SPEEDS.iter().map(|(ms, name)| html! {
                <option value={ms.to_string()} selected={*ms == player.delay}>{ *name }</option>
            }) }
        </select></label>
    </> }
}

#[function_component(StepControls)]
pub fn step_controls(p: &AtProps) -> Html {
    let (sim, c, d) = (&p.sim, p.at, &p.dispatch);
    let hl = sim.header_lines();
    let btn = |id: &'static str, label: &'static str, title: &'static str, how: Nav| {
        let to = nav(sim, c, how);
        html! { <button type="button" id={id} title={title} aria-label={title} disabled={to.is_none()} onclick={go(d, to)}>{ label }</button> }
    };
    // The op selector: every op, or for big scenarios the freeing ops and the current one.
    let many = sim.ops.len() > 300;
    let options = sim.ops.iter().enumerate().filter(|(i, op)| !many || op.reports_frees() || *i == c.op).map(|(i, op)| {
        html! { <option value={i.to_string()} selected={i == c.op}>{ format!("line {}: {op}", hl + i + 1) }</option> }
    }).collect::<Html>();
    let on_op = {
        let d = d.clone();
        Callback::from(move |e: web_sys::Event| {
            let v = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|s| s.value());
            if let Some(i) = v.and_then(|v| v.parse::<usize>().ok()) {
                d.dispatch(Action::SetStep(Some(StepRef {
                    command: hl + i,
                    event: None,
                })));
            }
        })
    };
    html! {
        <div class="step-tools" role="group" aria-label="step controls">
            <label>{ "operation " }<select id="step-op" onchange={on_op}>{ options }</select></label>
            { btn("step-prev-op", "◀◀ op", "previous operation", Nav::PrevOp) }
            { btn("step-next-op", "op ▶▶", "next operation", Nav::NextOp) }
            <span class="sep" />
            { btn("step-start", "|◀ start", "first event of this operation", Nav::Start) }
            { btn("step-back", "◀ back", "previous event (←)", Nav::Prev) }
            { btn("step-fwd", "next ▶", "next event (→)", Nav::Next) }
            { btn("step-end", "end ▶|", "last event of this operation", Nav::End) }
            <span class="sep" />
            <PlayControls sim={p.sim.clone()} at={c} dispatch={d.clone()} />
            <small class="muted">{ " ←/→ step when focus is not in a text field" }</small>
        </div>
    }
}
