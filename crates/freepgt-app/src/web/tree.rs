//! The page-table tree: pgd → pud → pmd → pte (sparc64: pgd → pmd → pte), runs merged.

use super::{Dispatch, Props};
use crate::model::{human_size, rows, Node, Row};
use crate::state::{Action, State};
use freepgt::VirtAddr;
use yew::prelude::*;

/// Runs at least this long are merged into one row.
const MIN_RUN: usize = 4;
/// At most this many rows of an expanded run are drawn.
const MAX_EXPANDED: usize = 512;

fn node_line(n: &Node) -> String {
    format!(
        "{} {:#x}  span {}  used {}/{}",
        n.level,
        n.base,
        human_size(n.span as u128),
        n.used,
        n.entries
    )
}

fn render(nodes: &[Node], s: &State, d: &Dispatch) -> Html {
    rows(nodes, MIN_RUN)
        .into_iter()
        .map(|row| match row {
            Row::One(n) => render_node(n, s, d),
            Row::Run(run) => {
                let first = &run[0];
                let last = &run[run.len() - 1];
                let key = first.key();
                let open = s.expanded.contains(&key);
                let (umin, umax) = run
                    .iter()
                    .fold((u32::MAX, 0), |(a, b), n| (a.min(n.used), b.max(n.used)));
                let used = if umin == umax { umin.to_string() } else { format!("{umin}–{umax}") };
                let d2 = d.clone();
                let summary = format!(
                    "{} × {} tables [{:#x}, {}) each span {}, used {}/{}",
                    run.len(),
                    first.level,
                    first.base,
                    VirtAddr::new(last.base.wrapping_add(last.span)),
                    human_size(first.span as u128),
                    used,
                    first.entries
                );
                html! {
                    <li class={classes!("run", format!("st-{}", first.status.word()))}>
                        <button type="button" class="run-toggle" data-rove="" tabindex="-1" aria-expanded={open.to_string()}
                            onclick={move |_| d2.dispatch(Action::ToggleRun(key))}>
                            <span aria-hidden="true">{ if open { "▾ " } else { "▸ " } }</span>
                            <span class="icon" aria-hidden="true">{ first.status.icon() }</span>
                            { summary }
                            <span class="badge">{ first.status.word() }</span>
                        </button>
                        if open {
                            <ul>
                                { for run.iter().take(MAX_EXPANDED).map(|n| render_node(n, s, d)) }
                                if run.len() > MAX_EXPANDED { <li class="muted">{ format!("… {} more", run.len() - MAX_EXPANDED) }</li> }
                            </ul>
                        }
                    </li>
                }
            }
        })
        .collect()
}

fn render_node(n: &Node, s: &State, d: &Dispatch) -> Html {
    let key = n.key();
    let d2 = d.clone();
    let selected = s.inspected == Some(key);
    let step_here = super::steps::current_table(s) == Some(key);
    html! {
        <li class={classes!(format!("st-{}", n.status.word()), selected.then_some("selected"), step_here.then_some("step-current"))}>
            <button type="button" class="tbl-btn" data-rove="" tabindex={super::rove::tabindex(selected || step_here)} data-level={n.level.name()} data-base={format!("{:#x}", n.base)}
                aria-pressed={selected.to_string()}
                onclick={move |_| d2.dispatch(Action::Inspect(Some(key)))}>
                <span class="icon" aria-hidden="true">{ n.status.icon() }</span>
                <code>{ node_line(n) }</code>
                if n.status != crate::model::Status::Live { <span class="badge">{ n.status.word() }</span> }
            </button>
            if !n.children.is_empty() {
                <ul>{ render(&n.children, s, d) }</ul>
            }
        </li>
    }
}

#[function_component(TreeView)]
pub fn tree_view(p: &Props) -> Html {
    let s = &p.state;
    let (roots_ref, leaked_ref) = (use_node_ref(), use_node_ref());
    super::rove::use_rove_stop(roots_ref.clone());
    super::rove::use_rove_stop(leaked_ref.clone());
    let sim = s.sim.clone();
    let t = super::tree_of(&sim);
    let arch = s.sim.mm.as_ref().map(|m| m.arch());
    let path = match arch {
        Some(a) if a.folded(freepgt::Level::Pud) => "pgd → pmd → pte (pud folded)",
        _ => "pgd → pud → pmd → pte",
    };
    html! {
        <section class="panel" id="tree" aria-labelledby="tree-h">
            <h2 id="tree-h">{ "Page tables" }</h2>
            <p class="muted">{ format!("{path}. Tables freed by the last operation stay listed (✕) until the next one. Runs of {MIN_RUN}+ contiguous similar tables are merged; click to expand.") }</p>
            <ul class="tree" role="list" ref={roots_ref} aria-label="page-table tree (↑/↓ move, Enter opens)"
                onkeydown={super::rove::keydown()} onfocusin={super::rove::focusin()}>
                <li><code>{ "pgd (one per mm, not counted)" }</code>
                    if t.roots.is_empty() { <p class="muted">{ "no lower tables" }</p> }
                    <ul>{ render(&t.roots, s, &p.dispatch) }</ul>
                </li>
            </ul>
            if !t.leaked.is_empty() {
                <h3 class="leaked-h">{ "☠ Leaked: still allocated, unreachable (their parent was freed under them)" }</h3>
                <ul class="tree" id="leaked" ref={leaked_ref} onkeydown={super::rove::keydown()} onfocusin={super::rove::focusin()}>{ render(&t.leaked, s, &p.dispatch) }</ul>
            }
        </section>
    }
}
