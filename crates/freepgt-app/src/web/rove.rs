//! One Tab stop per list (a roving tabindex): a list is marked `data-rove-list`; the rows of a list (the trace, the table tree,
//! the vma list, the freed and kept lists) are elements marked `data-rove`; one of them has
//! tabindex 0, the others -1. ↑/↓ move inside the list, Home/End jump to its ends, and in a
//! grid (`data-rove-grid` on the list, `data-col` on each cell) ←/→ move along a row while
//! ↑/↓ keep the column. ←/→ are left alone elsewhere: they step the walk.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, SvgElement};
use yew::prelude::*;

// Rows are HTML buttons or SVG marks (the axis), so they are handled as `Element`s.
fn is_stop(e: &Element) -> bool {
    e.get_attribute("tabindex").as_deref() == Some("0")
}

fn set_stop(e: &Element, stop: bool) {
    let _ = e.set_attribute("tabindex", tabindex(stop));
}

fn focus(e: &Element) {
    if let Some(h) = e.dyn_ref::<HtmlElement>() {
        let _ = h.focus();
    } else if let Some(s) = e.dyn_ref::<SvgElement>() {
        let _ = s.focus();
    }
}

/// The tabindex a row renders with: 0 for the list's stop, -1 for the others.
pub fn tabindex(stop: bool) -> &'static str {
    if stop {
        "0"
    } else {
        "-1"
    }
}

fn items(list: &Element) -> Vec<Element> {
    let Ok(nodes) = list.query_selector_all("[data-rove]") else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|i| nodes.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

fn move_stop(items: &[Element], to: &Element) {
    for it in items {
        if it != to && is_stop(it) {
            set_stop(it, false);
        }
    }
    set_stop(to, true);
}

/// The row an event came from and its list (marked `data-rove-list`). Yew delegates events
/// to its root, so `currentTarget` is not the list: the list is the row's closest one.
fn row_and_list(e: &web_sys::Event) -> Option<(Element, Element)> {
    let target = e.target()?.dyn_into::<Element>().ok()?;
    let row = target.closest("[data-rove]").ok()??;
    let list = row.closest("[data-rove-list]").ok()??;
    Some((row, list))
}

/// The list's keydown handler.
pub fn keydown() -> Callback<KeyboardEvent> {
    Callback::from(|e: KeyboardEvent| {
        if e.alt_key() || e.ctrl_key() || e.meta_key() {
            return;
        }
        let Some((target, list)) = row_and_list(&e) else {
            return;
        };
        let all = items(&list);
        let Some(at) = all.iter().position(|i| *i == target) else {
            return;
        };
        let grid = list.has_attribute("data-rove-grid");
        let col = target.get_attribute("data-col");
        let same_col = |i: &Element| col.is_none() || i.get_attribute("data-col") == col;
        let to = match e.key().as_str() {
            "ArrowDown" => all.iter().skip(at + 1).find(|i| same_col(i)),
            "ArrowUp" => all[..at].iter().rev().find(|i| same_col(i)),
            "ArrowRight" if grid => all.get(at + 1),
            "ArrowLeft" if grid => at.checked_sub(1).and_then(|k| all.get(k)),
            "Home" => all.first(),
            "End" => all.last(),
            _ => return,
        };
        e.prevent_default();
        e.stop_propagation();
        if let Some(to) = to {
            move_stop(&all, to);
            focus(to);
        }
    })
}

/// The list's focusin handler: a row focused by click or by code becomes the list's stop.
pub fn focusin() -> Callback<FocusEvent> {
    Callback::from(|e: FocusEvent| {
        let Some((target, list)) = row_and_list(&e) else {
            return;
        };
        if !is_stop(&target) {
            move_stop(&items(&list), &target);
        }
    })
}

/// After every render: a list whose stop is not drawn (a collapsed run, a window of the
/// trace) makes its first row the stop, so every list stays reachable with Tab.
#[hook]
pub fn use_rove_stop(list: NodeRef) {
    use_effect(move || {
        if let Some(l) = list.cast::<Element>() {
            let all = items(&l);
            if !all.is_empty() && !all.iter().any(is_stop) {
                set_stop(&all[0], true);
            }
        }
    });
}
