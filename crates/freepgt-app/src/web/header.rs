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
    /// The mm the picture shows (after the selected operation), whose figures the header shows.
    pub view: SimRef,
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

/// Shows `value` in the selector: no selector ever shows what the page is not showing.
fn show_value(r: &NodeRef, value: &str) {
    if let Some(sel) = r.cast::<HtmlSelectElement>() {
        if sel.value() != value {
            sel.set_value(value);
        }
    }
}

/// A change handler that puts the selector back to `shown` (the state's value) and then
/// dispatches what `make` makes of the chosen value: if the reducer takes it, the next render
/// shows the new value; if it refuses (a notice, nothing else changes, so nothing here
/// re-renders), the selector never lied.
fn on_select(
    d: &Dispatch,
    r: &NodeRef,
    shown: &str,
    make: fn(&str) -> Option<Action>,
) -> Callback<web_sys::Event> {
    let (d, r, shown) = (d.clone(), r.clone(), shown.to_string());
    Callback::from(move |e: web_sys::Event| {
        let chosen = select_value(&e);
        show_value(&r, &shown);
        if let Some(a) = make(&chosen) {
            d.dispatch(a);
        }
    })
}

#[function_component(Header)]
pub fn header(p: &HeaderProps) -> Html {
    let d = &p.dispatch;
    let (arch_ref, kernel_ref, preset_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    let arch = p.sim.header.arch;
    let kernel = p.sim.kernel();
    let preset = *use_memo(p.sim.clone(), |sim| {
        crate::model::preset_of(sim).map(|p| p.id)
    });
    let preset_value = preset.unwrap_or("custom");
    let arch_value = arch.map_or("", |a| a.name());
    // After every render, the selectors show the state.
    {
        let (a, k, pr) = (arch_ref.clone(), kernel_ref.clone(), preset_ref.clone());
        let (av, kv, pv) = (arch_value, kernel.name(), preset_value);
        use_effect(move || {
            show_value(&a, av);
            show_value(&k, kv);
            show_value(&pr, pv);
        });
    }
    let on_arch = on_select(d, &arch_ref, arch_value, |v| {
        v.parse::<ArchId>().ok().map(Action::SetArch)
    });
    let on_kernel = on_select(d, &kernel_ref, kernel.name(), |v| {
        v.parse::<Kernel>().ok().map(Action::SetKernel)
    });
    let on_preset = on_select(d, &preset_ref, preset_value, |v| {
        (v != "custom").then(|| Action::LoadPreset(v.to_string()))
    });
    let on_reload = {
        let d = d.clone();
        Callback::from(move |_| {
            if let Some(id) = preset {
                d.dispatch(Action::LoadPreset(id.to_string()));
            }
        })
    };
    // The figures are those of the mm the picture shows: after the selected operation.
    let v = &p.view;
    let c = crate::model::counts(v.mm.as_deref());
    let folded_pud = p.sim.arch().is_some_and(|a| a.folded(Level::Pud));
    let folded_pmd = p.sim.arch().is_some_and(|a| a.folded(Level::Pmd));
    let pgd_pmds = p.sim.arch().is_some_and(|a| a.pgd_owns_pmds);
    let earlier = v.ops.len() < p.sim.ops.len();
    let at = match v.ops.last() {
        Some(op) if earlier => format!("after line {}: {op}", v.header_lines() + v.ops.len()),
        Some(_) => "after the last operation".to_string(),
        None => "no operation yet".to_string(),
    };
    html! {
        <header class="topbar">
            <h1>{ "freepgt playground" }<small>{ " · free_pgtables use vma list (2.6.12)" }</small></h1>
            <div class="controls">
                <label>{ "arch " }
                    <select id="arch" ref={arch_ref} onchange={on_arch}>
                        { for ArchId::ALL.iter().map(|a| html! {
                            <option value={a.name()} selected={arch == Some(*a)}>{ a.name() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "kernel " }
                    <select id="kernel" ref={kernel_ref} onchange={on_kernel}>
                        { for Kernel::ALL.iter().map(|k| html! {
                            <option value={k.name()} selected={kernel == *k}>{ k.name() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "preset " }
                    <select id="preset" ref={preset_ref} onchange={on_preset} title="Choosing a preset loads it (Undo brings your scenario back)">
                        <option value="custom" disabled=true selected={preset.is_none()}>{ "custom (your scenario)" }</option>
                        { for freepgt::presets::ALL.iter().map(|pr| html! {
                            <option value={pr.id} title={pr.summary} selected={preset == Some(pr.id)}>{ pr.title }</option>
                        }) }
                    </select>
                </label>
                <button type="button" id="load-preset" disabled={preset.is_none()} onclick={on_reload}
                    title="Start this preset over (Undo brings your state back)">{ "↺ Reload" }</button>
                <button type="button" id="undo" disabled={!p.can_undo} title="Undo (Ctrl+Z)"
                    onclick={send(d, Action::Undo)}>{ "↶ Undo" }</button>
                <button type="button" id="redo" disabled={!p.can_redo} title="Redo (Ctrl+Shift+Z)"
                    onclick={send(d, Action::Redo)}>{ "↷ Redo" }</button>
            </div>
            <dl class="counts" id="counts" aria-label={format!("live page tables and vmas, {at}")}>
                <div><dt>{ "pte tables" }</dt><dd id="count-pte">{ c.pte }</dd></div>
                <div><dt title={ pgd_pmds.then_some("i386 PAE: the pmd tables are allocated with the pgd and never freed by free_pgtables") }>{ if pgd_pmds { "pmd tables (the pgd's)" } else { "pmd tables" } }</dt><dd id="count-pmd">{ if folded_pmd { "folded".to_string() } else { c.pmd.to_string() } }</dd></div>
                <div><dt>{ "pud tables" }</dt><dd id="count-pud">{ if folded_pud { "folded".to_string() } else { c.pud.to_string() } }</dd></div>
                <div><dt>{ "vmas" }</dt><dd id="count-vmas">{ v.mm.as_ref().map_or(0, |m| m.vmas().len()) }</dd></div>
                <div class="counts-at" id="counts-at"><dt class="sr-only">{ "as of" }</dt><dd class={classes!(earlier.then_some("earlier"))}>{ at.clone() }</dd></div>
                <div><dt>{ "ops" }</dt><dd>{ p.sim.ops.len() }</dd></div>
            </dl>
        </header>
    }
}
