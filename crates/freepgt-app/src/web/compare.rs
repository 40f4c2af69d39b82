//! Compare mode: the scenario under 2.6.11 and 2.6.12 side by side, from
//! `freepgt::compare::compare`; differences marked with ≠ and bold, not colour alone.

use super::axis::px;
use super::{send, Dispatch};
use crate::state::{Action, SimRef};
use freepgt::compare::{compare, Side, StepComparison, Totals};
use freepgt::share::StepRef;
use yew::prelude::*;

fn list<T>(v: &[T], f: impl Fn(&T) -> String, max: usize) -> String {
    let mut s: Vec<String> = v.iter().take(max).map(f).collect();
    if v.len() > max {
        s.push(format!("… +{}", v.len() - max));
    }
    s.join(", ")
}

/// A step is shown if either kernel walked, freed, flushed or BUGged, or they differ.
fn interesting(st: &StepComparison) -> bool {
    let busy = |s: &Side| {
        s.visits.total() > 0 || !s.freed.is_empty() || !s.flushes.is_empty() || !s.bugs.is_empty()
    };
    busy(&st.old) || busy(&st.new) || st.differs()
}

fn cells(me: &Side, other: &Side, vpte: bool) -> Html {
    let td = |differs: bool, text: String| {
        html! { <td class={classes!(differs.then_some("diff"))}>
        if differs { <span class="diff-mark" title="differs from the other kernel">{ "≠ " }</span> }{ text }</td> }
    };
    let v = me.visits;
    html! { <>
        { td(me.freed != other.freed, if me.freed.is_empty() { "0".into() } else { format!("{}: {}", me.freed.len(), list(&me.freed, |(l, b)| format!("{l} {b}"), 6)) }) }
        { td(me.visits != other.visits, format!("{} = {}/{}/{}", v.total(), v.pgd, v.pud, v.pmd)) }
        { td(me.flushes != other.flushes, if me.flushes.is_empty() { "none".into() } else { list(&me.flushes, |f| format!("{}–{}", f.start, f.end), 4) }) }
        if vpte { { td(me.vpte != other.vpte, format!("{} / {}", me.vpte.pages, me.vpte.batches)) } }
        { td(me.orphans != other.orphans, if me.orphans.is_empty() { "0".into() } else { format!("{}: {}", me.orphans.len(), list(&me.orphans, |o| o.clone(), 3)) }) }
        { td(me.bugs != other.bugs, if me.bugs.is_empty() { "0".into() } else { me.bugs.join("; ") }) }
    </> }
}

/// The summary figure: total walk visits, tables freed and (sparc64) VPTE pages per kernel,
/// as pairs of bars labelled with their numbers.
fn chart(t: &Totals, vpte: bool) -> Html {
    let mut rows: Vec<(&str, u128, u128)> = vec![
        (
            "walk visits (pgd+pud+pmd)",
            t.old_visits.total() as u128,
            t.new_visits.total() as u128,
        ),
        ("tables freed", t.old_freed as u128, t.new_freed as u128),
    ];
    if vpte {
        rows.push(("VPTE pages flushed", t.old_vpte_pages, t.new_vpte_pages));
    }
    let (w, label_w, bar_h) = (600.0, 60.0, 14.0);
    let h = rows.len() as f64 * 54.0 + 4.0;
    let body = rows.iter().enumerate().map(|(i, (name, old, new))| {
        let max = (*old).max(*new).max(1) as f64;
        let y = 16.0 + i as f64 * 54.0;
        let bar = |k: usize, v: u128, who: &str| {
            let len = ((w - label_w - 140.0) * v as f64 / max).max(if v > 0 { 1.5 } else { 0.0 });
            let yy = y + k as f64 * (bar_h + 3.0);
            html! { <g class={classes!("bar", if k == 0 { "old" } else { "new" })}>
                <text class="who" x={px(label_w - 6.0)} y={px(yy + 11.0)} text-anchor="end">{ who }</text>
                <rect x={px(label_w)} y={px(yy)} width={px(len)} height={px(bar_h)} />
                <text class="num" x={px(label_w + len + 4.0)} y={px(yy + 11.0)}>{ v.to_string() }</text>
            </g> }
        };
        html! { <g>
            <text class="metric" x="0" y={px(y - 4.0)}>{ *name }</text>
            { bar(0, *old, "2.6.11") }{ bar(1, *new, "2.6.12") }
        </g> }
    }).collect::<Html>();
    html! {
        <svg id="compare-chart" viewBox={format!("0 0 {} {}", w as u32, h as u32)} role="img"
            aria-label={format!("totals: walk visits 2.6.11 {}, 2.6.12 {}; tables freed {} and {}", t.old_visits.total(), t.new_visits.total(), t.old_freed, t.new_freed)}>
            <defs><pattern id="hatch-old" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)">
                <rect width="5" height="5" class="hatch-bg" /><line x1="0" y1="0" x2="0" y2="5" class="hatch-line" /></pattern></defs>
            { body }
        </svg>
    }
}

/// Compare mode's props.
#[derive(Properties, PartialEq)]
pub struct CompareProps {
    /// The scenario.
    pub sim: SimRef,
    /// Compare mode is on.
    pub on: bool,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// The per-step table: a row per kernel for each step either kernel was busy in.
fn table(steps: &[StepComparison], vpte: bool, d: &Dispatch) -> Html {
    let shown: Vec<&StepComparison> = steps.iter().filter(|st| interesting(st)).collect();
    let hidden = steps.len() - shown.len();
    let rows = shown.iter().enumerate().map(|(i, st)| {
        let differs = st.differs();
        let open = send(d, Action::SetStep(Some(StepRef { command: st.line.saturating_sub(1), event: None })));
        html! { <>
            <tr class={classes!("old", differs.then_some("differs"))} data-line={st.line.to_string()}>
                <th scope="rowgroup" rowspan="2" class="cmd">
                    if differs { <span class="diff-mark" title="the kernels differ in more than walk cost">{ "≠ " }</span> }
                    <button type="button" class="linkish" data-rove="" tabindex={super::rove::tabindex(i == 0)} title="step through this operation" onclick={open}>{ format!("line {}: {}", st.line, st.command) }</button></th>
                <th scope="row">{ "2.6.11" }</th>{ cells(&st.old, &st.new, vpte) }</tr>
            <tr class={classes!("new", differs.then_some("differs"))}><th scope="row">{ "2.6.12" }</th>{ cells(&st.new, &st.old, vpte) }</tr>
        </> }
    });
    html! { <>
        <div class="scroll wide-scroll edge-shadows" id="compare-scroll">
        <table class="compare" id="compare-table" data-rove-list="" onkeydown={super::rove::keydown()} onfocusin={super::rove::focusin()}>
            <thead><tr><th scope="col">{ "step" }</th><th scope="col">{ "kernel" }</th><th scope="col">{ "tables freed" }</th>
                <th scope="col">{ "walk visits = pgd/pud/pmd" }</th><th scope="col">{ "flush_tlb_pgtables ranges" }</th>
                if vpte { <th scope="col">{ "VPTE pages / batches" }</th> }
                <th scope="col">{ "orphans after" }</th><th scope="col">{ "BUGs" }</th></tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
        </div>
        <p class="muted small">{ format!("≠ marks a value that differs between the kernels; a step marked ≠ differs in more than walk cost. {hidden} step(s) that free nothing under either kernel are not listed. Visits are iterations of the free walk's loops, the cost freepgt removed.") }</p>
    </> }
}

#[function_component(Compare)]
pub fn compare_view(p: &CompareProps) -> Html {
    let on = p.on;
    let result = use_memo((p.sim.clone(), on), |(sim, on)| {
        on.then(|| compare(&sim.scenario()))
    });
    let vpte = p.sim.arch().is_some_and(|a| a.vpte.is_some());
    let body = match &*result {
        Some((steps, totals, err)) => html! { <>
            if let Some(e) = err { <p class="error" role="alert">{ e.to_string() }</p> }
            { chart(totals, vpte) }
            <ul class="legend" id="compare-legend" aria-label="chart legend">
                <li><span class="sw k-old"></span>{ "2.6.11: clear_page_range over the hole" }</li>
                <li><span class="sw k-new"></span>{ "2.6.12: free_pgtables over the vma list" }</li>
                <li>{ "each bar is labelled with its kernel and value" }</li>
            </ul>
            <pre id="compare-totals">{ totals.to_string() }</pre>
            { table(steps, vpte, &p.dispatch) }
        </> },
        None => {
            html! { <p class="muted">{ "Run this scenario under 2.6.11 (clear_page_range over the whole hole) and 2.6.12 (free_pgtables over the vma list), step by step." }</p> }
        }
    };
    html! {
        <section class="panel wide" id="compare" aria-labelledby="compare-h">
            <h2 id="compare-h">{ "2.6.11 vs 2.6.12" }
                <label class="toggle"><input type="checkbox" id="compare-toggle" checked={on}
                    onchange={send(&p.dispatch, Action::SetCompare(!on))} />{ " compare mode" }</label></h2>
            { body }
        </section>
    }
}
