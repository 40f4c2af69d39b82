//! The vma list with per-vma actions: populate, remove (munmap), select.

use crate::model::human_size;
use crate::state::{Action, SimRef};
use crate::web::{send, Dispatch};
use freepgt::{Op, Vma};
use yew::prelude::*;

/// At most this many vmas are listed (the scenario text has them all).
const SHOWN: usize = 200;

/// The table's props.
#[derive(Properties, PartialEq)]
pub struct VmaTableProps {
    /// The scenario.
    pub sim: SimRef,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// One row's props: a row re-renders only when its vma, or whether it is the first, changed.
#[derive(Properties, PartialEq)]
struct VmaRowProps {
    vma: Vma,
    first: bool,
    dispatch: Dispatch,
}

#[function_component(VmaRow)]
fn vma_row(p: &VmaRowProps) -> Html {
    let (d, v) = (&p.dispatch, &p.vma);
    let r = v.range();
    let label = v.name.as_deref().unwrap_or("—");
    html! { <tr>
        <td>{ label }</td><td class="hex">{ v.start.to_string() }</td><td class="hex">{ v.end.to_string() }</td>
        <td>{ human_size((v.end.as_u64() - v.start.as_u64()) as u128) }</td>
        <td class="actions">
            <button type="button" data-rove="" data-col="populate" tabindex={crate::web::rove::tabindex(p.first)} aria-label={format!("populate {label} {r}")} onclick={send(d, Action::Push(Op::TouchRange { range: r }))}>{ "populate" }</button>
            <button type="button" data-rove="" data-col="remove" tabindex="-1" aria-label={format!("remove (munmap) {label} {r}")} onclick={send(d, Action::Push(Op::Munmap { range: r }))}>{ "remove" }</button>
            <button type="button" data-rove="" data-col="select" tabindex="-1" aria-label={format!("select {label}")} onclick={send(d, Action::Select(Some(r)))}>{ "select" }</button>
        </td>
    </tr> }
}

#[function_component(VmaTable)]
pub fn vma_table(p: &VmaTableProps) -> Html {
    let d = &p.dispatch;
    let Some(mm) = p.sim.mm.as_ref() else {
        return html! { <h3>{ "vmas (0)" }</h3> };
    };
    let n = mm.vmas().len();
    // Keyed by start: removing a vma removes its row instead of rewriting the rows after it;
    // a component per row: an op re-renders the rows of the vmas it changed, not all 200.
    let rows = mm.vmas().iter().take(SHOWN).enumerate().map(|(i, v)| {
        html! { <VmaRow key={v.start.as_u64()} vma={v.clone()} first={i == 0} dispatch={d.clone()} /> }
    });
    html! { <>
        <h3>{ format!("vmas ({n})") }</h3>
        <div class="scroll">
        <table class="vmas" id="vma-list" data-rove-grid="" aria-label="vmas (arrow keys move between the buttons)"
            data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}>
            <thead><tr><th scope="col">{ "name" }</th><th scope="col">{ "start" }</th><th scope="col">{ "end" }</th><th scope="col">{ "size" }</th><th scope="col">{ "actions" }</th></tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
        </div>
        if n > SHOWN { <p class="muted">{ format!("… and {} more (see the scenario text)", n - SHOWN) }</p> }
    </> }
}
