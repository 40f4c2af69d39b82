//! The op's events around the current one (click one to go there), beside its detail.

use super::controls::{go, AtProps};
use super::detail::detail;
use freepgt::share::StepRef;
use freepgt::Event;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Events drawn around the current one (an exit of a big mm has tens of thousands).
const WINDOW: usize = 200;

fn kind(e: &Event) -> &'static str {
    match e {
        Event::TableFreed { .. } => "ev-freed",
        Event::TableKept { .. } => "ev-kept",
        Event::EarlyReturn { .. } => "ev-return",
        Event::Bug(_) => "ev-bug",
        Event::Flush(_) => "ev-flush",
        _ => "",
    }
}

#[function_component(Timeline)]
pub fn timeline(p: &AtProps) -> Html {
    let (sim, c) = (&p.sim, p.at);
    let list = use_node_ref();
    crate::web::rove::use_rove_stop(list.clone());
    // Keep the current event in view inside the list only (never scroll the page: an embed
    // must not move its host page).
    {
        let list = list.clone();
        use_effect_with(c, move |_| {
            let Some(ol) = list.cast::<web_sys::HtmlElement>() else {
                return;
            };
            let Some(li) = ol
                .query_selector("li.current")
                .ok()
                .flatten()
                .and_then(|li| li.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                return;
            };
            let (top, h, view) = (li.offset_top(), li.offset_height(), ol.client_height());
            if top < ol.scroll_top() || top + h > ol.scroll_top() + view {
                ol.set_scroll_top((top - view / 3).max(0));
            }
        });
    }
    let events = &sim.outcomes[c.op].events;
    let command = sim.header_lines() + c.op;
    let (lo, hi) = match c.event {
        Some(i) => (i.saturating_sub(WINDOW), (i + WINDOW + 1).min(events.len())),
        None => (0, events.len().min(2 * WINDOW)),
    };
    let items = events[lo..hi].iter().enumerate().map(|(k, e)| {
        let i = lo + k;
        let current = c.event == Some(i);
        let to = Some(StepRef { command, event: Some(i) });
        // Keyed by event: a step moves the window by one event, and yew then adds and drops
        // an item at its ends instead of rewriting every item's text.
        html! { <li key={i} class={classes!(current.then_some("current"), kind(e), format!("depth-{}", e.depth()))} data-event={i.to_string()} aria-current={current.then_some("step")}>
            <button type="button" class="linkish" data-rove="" tabindex={crate::web::rove::tabindex(current)} onclick={go(&p.dispatch, to)}>{ e.to_string() }</button></li> }
    });
    html! { <>
        <div class="step-cols">
            <ol class="step-timeline" id="step-timeline" ref={list} start={(lo + 1).to_string()}
                aria-label="the operation's trace events (↑/↓ move, Enter shows one)"
                data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}>{ for items }</ol>
            <div>{ detail(sim, c) }</div>
        </div>
        if lo > 0 || hi < events.len() { <p class="muted small">{ format!("Showing events {}–{} of {}.", lo + 1, hi, events.len()) }</p> }
    </> }
}
