//! The current event: its kernel expression, its decision in words, the bounds in force.

use crate::model::{bounds, spell, Cursor};
use crate::state::Sim;
use yew::prelude::*;

/// The detail of the event at `c` (or, for an op as a whole, how to step into it).
pub fn detail(sim: &Sim, c: Cursor) -> Html {
    let events = &sim.outcomes[c.op].events;
    let (Some(arch), Some((i, e))) = (
        sim.arch(),
        c.event.and_then(|i| events.get(i).map(|e| (i, e))),
    ) else {
        return html! { <p class="muted step-detail">{ format!("{} event(s). Step forward (next ▶ or →) to go through them one by one, or click one.", events.len()) }</p> };
    };
    let why = spell(arch, sim.kernel(), events, i);
    let bs = bounds(events, i);
    html! { <div class="step-detail" aria-live="polite">
        <p class="step-pos">{ format!("Event {} of {}", i + 1, events.len()) }</p>
        <pre id="step-current">{ e.to_string() }</pre>
        if !why.is_empty() { <p id="step-why">{ why }</p> }
        if !bs.is_empty() {
            <ul class="step-markers" id="step-markers" aria-label="bounds at this step (marked on the axis)">
                { for bs.iter().map(|b| html! { <li class={format!("mk-{}", b.name.name())}><code>{ b.to_string() }</code></li> }) }
            </ul>
        }
    </div> }
}
