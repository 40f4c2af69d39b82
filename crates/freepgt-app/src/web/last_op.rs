//! What the last operation did: BUGs, tables freed and kept, flushes (with sparc64's VPTE
//! cost), walk visits, orphans; the explanation of a clicked table; the full trace.

use super::explain::Explain;
use super::{send, Dispatch};
use crate::state::{Action, LastOp, SimRef};
use freepgt::report::{bug_lines, flushes, freed_tables, vpte_totals};
use freepgt::{Arch, Event, Mm, Op, TableKey};
use yew::prelude::*;

/// The panel's props.
#[derive(Properties, PartialEq)]
pub struct LastOpProps {
    /// The scenario.
    pub sim: SimRef,
    /// The table whose explanation is shown.
    pub inspected: Option<TableKey>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

fn inspect(d: &Dispatch, key: TableKey) -> Callback<MouseEvent> {
    send(d, Action::Inspect(Some(key)))
}

/// Freed and kept tables, flush calls and visits of an op that frees.
fn frees(last: LastOp<'_>, arch: &Arch, d: &Dispatch) -> Html {
    let freed = freed_tables(last.outcome);
    let kept: Vec<(TableKey, &Event)> = last
        .outcome
        .events
        .iter()
        .filter(|e| matches!(e, Event::TableKept { .. }))
        .filter_map(|e| Some((e.table()?, e)))
        .collect();
    let fl = flushes(last.outcome);
    let v = last.outcome.visits;
    html! { <>
        <h3>{ format!("Freed tables ({})", freed.len()) }</h3>
        if freed.is_empty() { <p class="muted">{ "none" }</p> }
        <ul class="tables" id="freed-list" data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}>
            { for freed.iter().enumerate().map(|(i, &(level, base))| html! {
                <li class="st-freed"><button type="button" class="linkish" data-rove="" tabindex={crate::web::rove::tabindex(i == 0)} onclick={inspect(d, TableKey { level, base })}>
                    <span class="icon" aria-hidden="true">{ "✕" }</span>{ format!("free {level} {base}") }</button></li>
            }) }
        </ul>
        if !kept.is_empty() {
            <h3>{ format!("Walked but kept ({})", kept.len()) }</h3>
            <ul class="tables" id="kept-list" data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}>
                { for kept.iter().enumerate().map(|(i, (key, e))| html! {
                    <li class="st-kept"><button type="button" class="linkish" data-rove="" tabindex={crate::web::rove::tabindex(i == 0)} onclick={inspect(d, *key)}>
                        <span class="icon" aria-hidden="true">{ "●" }</span>{ e.to_string() }</button></li>
                }) }
            </ul>
        }
        <h3>{ format!("flush_tlb_pgtables calls ({})", fl.len()) }</h3>
        if matches!(last.op, Op::Exit) { <p class="muted">{ "exit_mmap is full-mm: no flush_tlb_pgtables." }</p> }
        <ul class="flushes" id="flush-list">
            { for fl.iter().map(|f| html! { <li>
                <code>{ format!("flush {} {}", f.start, f.end) }</code>
                if let Some(c) = f.vpte { <span class="vpte">{ format!(" — VPTE [{}, {}){}: {} page(s) after {} queued pte(s), {} batch(es)", c.vs, c.ve, if c.swapped { " (straddle swap fired)" } else { "" }, c.pages, c.queued, c.batches) }</span> }
            </li> }) }
        </ul>
        if let Some(spec) = arch.vpte {
            { { let (pg, bt) = vpte_totals(last.outcome); html! {
                <p id="vpte-total"><code>{ format!("vpte_pages {pg} batches {bt}") }</code>
                <small class="muted">{ format!(" — sparc64 demaps the VPTE pages of each flushed PMD block; each tlb batch holds {}, and the first flush shares its batch with the ptes the zap left queued (ZAP_BLOCK_SIZE from the config header).", spec.batch_nr) }</small></p>
            } } }
        }
        <p class="muted">{ format!("walk loop visits: pgd={} pud={} pmd={}", v.pgd, v.pud, v.pmd) }</p>
    </> }
}

fn orphans(mm: &Mm, d: &Dispatch) -> Html {
    let orphans = mm.orphans();
    if orphans.is_empty() {
        return Html::default();
    }
    html! { <>
        <h3>{ format!("Orphan tables ({}) — linked, but no vma leads free_pgtables to them", orphans.len()) }</h3>
        <ul class="tables" id="orphan-list" data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}>
            { for orphans.iter().take(100).enumerate().map(|(i, t)| html! {
                <li class="st-orphan"><button type="button" class="linkish" data-rove="" tabindex={crate::web::rove::tabindex(i == 0)} onclick={inspect(d, TableKey { level: t.level, base: t.base })}>
                    <span class="icon" aria-hidden="true">{ "⚠" }</span>{ format!("orphan {} {}", t.level, t.base) }</button></li>
            }) }
        </ul>
    </> }
}

#[function_component(LastOpPanel)]
pub fn last_op(p: &LastOpProps) -> Html {
    let d = &p.dispatch;
    let (Some(last), Some(mm)) = (p.sim.last(), p.sim.mm.as_ref()) else {
        return html! { <section class="panel" id="last-op" aria-labelledby="last-h"><h2 id="last-h">{ "Last operation" }</h2><p class="muted">{ "No operation yet." }</p></section> };
    };
    let bugs = bug_lines(last.outcome);
    html! {
        <section class="panel" id="last-op" aria-labelledby="last-h">
            <h2 id="last-h">{ "Last operation: " }<code>{ last.op.to_string() }</code></h2>
            if !bugs.is_empty() {
                <ul class="bugs" id="bugs">{ for bugs.iter().map(|b| html! { <li>{ "⚠ " }<code>{ b }</code></li> }) }</ul>
            }
            if last.op.reports_frees() {
                { frees(last, mm.arch(), d) }
            } else {
                <ul class="trace-short">{ for last.outcome.events.iter().map(|e| html! { <li><code>{ e.to_string() }</code></li> }) }</ul>
            }
            { orphans(mm, d) }
            if let Some(key) = p.inspected {
                <Explain sim={p.sim.clone()} table={key} dispatch={d.clone()} />
            } else {
                <p class="muted hint">{ "Click a table (here, in the tree or on the axis) to see the trace events that decided it." }</p>
            }
            <details class="trace"><summary>{ format!("Full trace of this operation ({} events)", last.outcome.events.len()) }</summary>
                <pre id="trace">{ freepgt::tracefmt::render_trace(&last.outcome.events) }</pre>
            </details>
        </section>
    }
}
