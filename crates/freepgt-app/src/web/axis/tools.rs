//! The axis's tools (drag mode, zoom, selection), its caption and its legend.

use super::layers::hex;
use crate::model::human_size;
use crate::state::{Action, Mode};
use crate::web::{send, Dispatch};
use freepgt::{AddrRange, Arch, Level};
use yew::prelude::*;

/// The tools' props.
#[derive(Properties, PartialEq)]
pub struct ToolsProps {
    /// What a drag does.
    pub mode: Mode,
    /// The zoomed range.
    pub zoom: Option<AddrRange>,
    /// The selected range.
    pub selection: Option<AddrRange>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// Drag mode radios, zoom to selection, whole address space, clear selection.
#[function_component(AxisTools)]
pub fn axis_tools(p: &ToolsProps) -> Html {
    let d = &p.dispatch;
    let modes = Mode::ALL.iter().map(|m| html! {
        <label class="mode"><input type="radio" name="axis-mode" id={format!("mode-{}", m.id())}
            checked={p.mode == *m} onchange={send(d, Action::SetMode(*m))} />{ m.label() }</label>
    });
    html! {
        <div class="axis-tools" role="group" aria-label="axis mode">
            { for modes }
            <button type="button" id="zoom-selection" disabled={p.selection.is_none()}
                onclick={send(d, Action::Zoom(p.selection))}>{ "zoom to selection" }</button>
            <button type="button" id="zoom-out" disabled={p.zoom.is_none()}
                onclick={send(d, Action::Zoom(None))}>{ "whole address space" }</button>
            if p.selection.is_some() {
                <button type="button" id="clear-selection" onclick={send(d, Action::Select(None))}>{ "clear selection" }</button>
            }
        </div>
    }
}

/// What the axis shows, and the sizes of its ticks (from the arch).
pub fn caption(arch: &Arch, lo: u128, hi: u128, zoomed: bool) -> Html {
    let size = |l: Level| human_size(arch.size(l) as u128);
    let pud = if arch.folded(Level::Pud) {
        String::new()
    } else {
        format!(", PUD_SIZE ({})", size(Level::Pud))
    };
    html! { <p class="muted small">{ format!(
    "Showing [{}, {}){}. Grey stretches are drawn to scale; ⋯ breaks collapse empty space. Ticks: PMD_SIZE ({}){pud}, PGDIR_SIZE ({}).",
    hex(lo), hex(hi), if zoomed { " (zoomed)" } else { "" }, size(Level::Pmd), size(Level::Pgd)) }</p> }
}

/// The legend: every colour with its icon and word.
pub fn legend() -> Html {
    html! {
        <ul class="legend" aria-label="legend">
            <li><span class="sw vma"></span>{ "vma" }</li>
            <li><span class="sw st-live"></span>{ "■ live table" }</li>
            <li><span class="sw st-new"></span>{ "+ new (this op)" }</li>
            <li><span class="sw st-freed"></span>{ "✕ freed by this op" }</li>
            <li><span class="sw st-kept"></span>{ "● walked and kept (at a step)" }</li>
            <li><span class="sw st-orphan"></span>{ "⚠ orphan (no vma)" }</li>
            <li><span class="sw st-leaked"></span>{ "☠ leaked (parent freed)" }</li>
            <li><span class="sw flush"></span>{ "flush_tlb_pgtables range" }</li>
            <li><span class="sw sel"></span>{ "selection" }</li>
            <li><span class="sw step"></span>{ "table of this step" }</li>
            <li><span class="sw marker"></span>{ "floor / ceiling / addr / end at this step" }</li>
        </ul>
    }
}
