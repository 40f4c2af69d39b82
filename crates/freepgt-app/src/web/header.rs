//! The header bar: title, arch / kernel / preset selectors, undo / redo, live table counts.

use super::{send, Dispatch};
use crate::state::{Action, SimRef};
use freepgt::{ArchId, Kernel, Level};
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The header's props.
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// The scenario.
    pub sim: SimRef,
    /// Undo has something to undo.
    pub can_undo: bool,
    /// Redo has something to redo.
    pub can_redo: bool,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// The value of the `<select>` an event came from.
pub fn select_value(e: &web_sys::Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
        .map(|s| s.value())
        .unwrap_or_default()
}

/// A change handler that dispatches what `parse` makes of the selected value.
fn on_select<T: std::str::FromStr + 'static>(
    d: &Dispatch,
    make: fn(T) -> Action,
) -> Callback<web_sys::Event> {
    let d = d.clone();
    Callback::from(move |e: web_sys::Event| {
        if let Ok(v) = select_value(&e).parse::<T>() {
            d.dispatch(make(v));
        }
    })
}

#[function_component(Header)]
pub fn header(p: &HeaderProps) -> Html {
    let d = &p.dispatch;
    let preset = use_node_ref();
    let arch = p.sim.header.arch;
    let kernel = p.sim.kernel();
    let on_load = {
        let (d, preset) = (d.clone(), preset.clone());
        Callback::from(move |_| {
            if let Some(sel) = preset.cast::<HtmlSelectElement>() {
                d.dispatch(Action::LoadPreset(sel.value()));
            }
        })
    };
    let c = crate::model::counts(p.sim.mm.as_ref());
    let folded_pud = p.sim.arch().is_some_and(|a| a.folded(Level::Pud));
    let folded_pmd = p.sim.arch().is_some_and(|a| a.folded(Level::Pmd));
    let pgd_pmds = p.sim.arch().is_some_and(|a| a.pgd_owns_pmds);
    html! {
        <header class="topbar">
            <h1>{ "freepgt playground" }<small>{ " · free_pgtables use vma list (2.6.12)" }</small></h1>
            <div class="controls">
                <label>{ "arch " }
                    <select id="arch" onchange={on_select(d, Action::SetArch)}>
                        { for ArchId::ALL.iter().map(|a| html! {
                            <option value={a.name()} selected={arch == Some(*a)}>{ a.name() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "kernel " }
                    <select id="kernel" onchange={on_select(d, Action::SetKernel)}>
                        { for Kernel::ALL.iter().map(|k| html! {
                            <option value={k.name()} selected={kernel == *k}>{ k.name() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "preset " }
                    <select id="preset" ref={preset}>
                        { for freepgt::presets::ALL.iter().map(|pr| html! {
                            <option value={pr.id} title={pr.summary}>{ pr.title }</option>
                        }) }
                    </select>
                </label>
                <button type="button" id="load-preset" onclick={on_load}>{ "Load" }</button>
                <button type="button" id="undo" disabled={!p.can_undo} title="Undo (Ctrl+Z)"
                    onclick={send(d, Action::Undo)}>{ "↶ Undo" }</button>
                <button type="button" id="redo" disabled={!p.can_redo} title="Redo (Ctrl+Shift+Z)"
                    onclick={send(d, Action::Redo)}>{ "↷ Redo" }</button>
            </div>
            <dl class="counts" id="counts" aria-label="live page tables">
                <div><dt>{ "pte tables" }</dt><dd id="count-pte">{ c.pte }</dd></div>
                <div><dt title={ pgd_pmds.then_some("i386 PAE: the pmd tables are allocated with the pgd and never freed by free_pgtables") }>{ if pgd_pmds { "pmd tables (the pgd's)" } else { "pmd tables" } }</dt><dd id="count-pmd">{ if folded_pmd { "folded".to_string() } else { c.pmd.to_string() } }</dd></div>
                <div><dt>{ "pud tables" }</dt><dd id="count-pud">{ if folded_pud { "folded".to_string() } else { c.pud.to_string() } }</dd></div>
                <div><dt>{ "vmas" }</dt><dd id="count-vmas">{ p.sim.mm.as_ref().map_or(0, |m| m.vmas().len()) }</dd></div>
                <div><dt>{ "ops" }</dt><dd>{ p.sim.ops.len() }</dd></div>
            </dl>
        </header>
    }
}
