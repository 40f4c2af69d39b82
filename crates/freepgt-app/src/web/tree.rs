//! The page-table tree: pgd → pud → pmd → pte, or fewer levels where the arch folds some
//! (from its data), runs merged.

use super::Dispatch;
use crate::model::{human_size, rows, Node, Row, Status, Tree};
use crate::state::Action;
use freepgt::TableKey;
use std::rc::Rc;
use yew::prelude::*;

/// Runs at least this long are merged into one row.
const MIN_RUN: usize = 4;
/// At most this many rows of an expanded run are drawn.
const MAX_EXPANDED: usize = 512;

/// The tree's props.
#[derive(Properties, PartialEq)]
pub struct TreeProps {
    /// The tree drawn.
    pub tree: Rc<Tree>,
    /// The arch, whose data says which levels hold tables.
    pub arch: Option<freepgt::ArchId>,
    /// The table whose explanation is shown.
    pub inspected: Option<TableKey>,
    /// Expanded runs (by their first table).
    pub expanded: Vec<TableKey>,
    /// The table the current step is about.
    pub step_table: Option<TableKey>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

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

fn run_row(run: &[Node], p: &TreeProps) -> Html {
    let (first, last) = (&run[0], &run[run.len() - 1]);
    let key = first.key();
    let open = p.expanded.contains(&key);
    let (umin, umax) = run
        .iter()
        .fold((u32::MAX, 0), |(a, b), n| (a.min(n.used), b.max(n.used)));
    let used = if umin == umax {
        umin.to_string()
    } else {
        format!("{umin}–{umax}")
    };
    let summary = format!(
        "{} × {} tables [{:#x}, {}) each span {}, used {}/{}",
        run.len(),
        first.level,
        first.base,
        last.base.wrapping_add(last.span),
        human_size(first.span as u128),
        used,
        first.entries
    );
    html! {
        <li class={classes!("run", format!("st-{}", first.status.word()))}>
            <button type="button" class="run-toggle" data-rove="" tabindex="-1" aria-expanded={open.to_string()}
                onclick={super::send(&p.dispatch, Action::ToggleRun(key))}>
                <span aria-hidden="true">{ if open { "▾ " } else { "▸ " } }</span>
                <span class="icon" aria-hidden="true">{ first.status.icon() }</span>
                { summary }
                <span class="badge">{ first.status.word() }</span>
            </button>
            if open {
                <ul>
                    { for run.iter().take(MAX_EXPANDED).map(|n| node(n, p)) }
                    if run.len() > MAX_EXPANDED { <li class="muted">{ format!("… {} more", run.len() - MAX_EXPANDED) }</li> }
                </ul>
            }
        </li>
    }
}

fn nodes(ns: &[Node], p: &TreeProps) -> Html {
    rows(ns, MIN_RUN)
        .into_iter()
        .map(|row| match row {
            Row::One(n) => node(n, p),
            Row::Run(run) => run_row(run, p),
        })
        .collect()
}

fn node(n: &Node, p: &TreeProps) -> Html {
    let key = n.key();
    let selected = p.inspected == Some(key);
    let step_here = p.step_table == Some(key);
    html! {
        <li class={classes!(format!("st-{}", n.status.word()), selected.then_some("selected"), step_here.then_some("step-current"))}>
            <button type="button" class="tbl-btn" data-rove="" tabindex={crate::web::rove::tabindex(selected || step_here)} data-level={n.level.name()} data-base={format!("{:#x}", n.base)}
                aria-pressed={selected.to_string()}
                onclick={super::send(&p.dispatch, Action::Inspect(Some(key)))}>
                <span class="icon" aria-hidden="true">{ n.status.icon() }</span>
                <code>{ node_line(n) }</code>
                if n.status != Status::Live { <span class="badge">{ n.status.word() }</span> }
                if n.owned_by_pgd { <span class="badge pgd-owned" title="allocated by pgd_alloc with the mm, freed by pgd_free; pud_clear and pmd_free_tlb do nothing">{ "part of the pgd" }</span> }
            </button>
            if !n.children.is_empty() {
                <ul>{ nodes(&n.children, p) }</ul>
            }
        </li>
    }
}

/// The levels that hold tables, from the arch's data: "pgd → pmd → pte (pud folded)" and so
/// on, saying which levels are folded and when the pmd tables belong to the pgd.
fn level_path(a: &freepgt::Arch) -> String {
    use freepgt::Level;
    let mut path = vec!["pgd"];
    path.extend(a.real_levels().map(|l| l.name()));
    let folded: Vec<&str> = [Level::Pud, Level::Pmd]
        .into_iter()
        .filter(|l| a.folded(*l))
        .map(|l| l.name())
        .collect();
    let mut notes = Vec::new();
    if !folded.is_empty() {
        notes.push(format!("{} folded", folded.join(" and ")));
    }
    if a.pgd_owns_pmds {
        notes.push(format!(
            "the {} user pmd tables are part of the pgd: allocated with it, never freed by a walk",
            a.user_ptrs_per_pgd()
        ));
    }
    let mut s = path.join(" → ");
    if !notes.is_empty() {
        s.push_str(&format!(" ({})", notes.join("; ")));
    }
    s
}

#[function_component(TreeView)]
pub fn tree_view(p: &TreeProps) -> Html {
    let t = &p.tree;
    let (roots_ref, leaked_ref) = (use_node_ref(), use_node_ref());
    crate::web::rove::use_rove_stop(roots_ref.clone());
    crate::web::rove::use_rove_stop(leaked_ref.clone());
    let path = p.arch.map_or_else(
        || "pgd → pud → pmd → pte".to_string(),
        |a| level_path(a.arch()),
    );
    html! {
        <section class="panel" id="tree" aria-labelledby="tree-h">
            <h2 id="tree-h">{ "Page tables" }</h2>
            <p class="muted">{ format!("{path}. Tables freed by the last operation stay listed (✕) until the next one. Runs of {MIN_RUN}+ contiguous similar tables are merged; click to expand.") }</p>
            <ul class="tree" role="list" ref={roots_ref} aria-label="page-table tree (↑/↓ move, Enter opens)"
                data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}>
                <li><code>{ "pgd (one per mm, not counted)" }</code>
                    if t.roots.is_empty() { <p class="muted">{ "no lower tables" }</p> }
                    <ul>{ nodes(&t.roots, p) }</ul>
                </li>
            </ul>
            if !t.leaked.is_empty() {
                <h3 class="leaked-h">{ "☠ Leaked: still allocated, unreachable (their parent was freed under them)" }</h3>
                <ul class="tree" id="leaked" ref={leaked_ref} data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}>{ nodes(&t.leaked, p) }</ul>
            }
        </section>
    }
}
