//! The header bar, the edit forms, the last-operation panel, the scenario text and the report.

use super::Props;
use crate::model::{self, human_size, parse_addr, parse_size};
use crate::state::{Action, State};
use freepgt::report::{bug_lines, flushes, freed_tables};
use freepgt::{AddrRange, ArchId, Event, Kernel, Op, VirtAddr};

type DomEvent = web_sys::Event;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

fn input_value(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

fn select_value(e: &DomEvent) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
        .map(|s| s.value())
        .unwrap_or_default()
}

fn range(a: u64, b: u64) -> AddrRange {
    AddrRange::new(VirtAddr::new(a), VirtAddr::new(b))
}

#[function_component(Header)]
pub fn header(p: &Props) -> Html {
    let s = &p.state;
    let d = p.dispatch.clone();
    let preset = use_node_ref();
    let arch = s.sim.header.arch;
    let kernel = s.sim.header.kernel();
    let on_arch = {
        let d = d.clone();
        Callback::from(move |e: DomEvent| {
            if let Ok(a) = select_value(&e).parse::<ArchId>() {
                d.dispatch(Action::SetArch(a));
            }
        })
    };
    let on_kernel = {
        let d = d.clone();
        Callback::from(move |e: DomEvent| {
            if let Ok(k) = select_value(&e).parse::<Kernel>() {
                d.dispatch(Action::SetKernel(k));
            }
        })
    };
    let on_load = {
        let d = d.clone();
        let preset = preset.clone();
        Callback::from(move |_| {
            if let Some(sel) = preset.cast::<HtmlSelectElement>() {
                d.dispatch(Action::LoadPreset(sel.value()));
            }
        })
    };
    let c = model::counts(s.sim.mm.as_ref());
    let folded_pud = arch.is_some_and(|a| a.arch().folded(freepgt::Level::Pud));
    let folded_pmd = arch.is_some_and(|a| a.arch().folded(freepgt::Level::Pmd));
    let pgd_pmds = arch.is_some_and(|a| a.arch().pgd_owns_pmds);
    html! {
        <header class="topbar">
            <h1>{ "freepgt playground" }<small>{ " · free_pgtables use vma list (2.6.12)" }</small></h1>
            <div class="controls">
                <label>{ "arch " }
                    <select id="arch" onchange={on_arch}>
                        { for ArchId::ALL.iter().map(|a| html! {
                            <option value={a.name()} selected={arch == Some(*a)}>{ a.name() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "kernel " }
                    <select id="kernel" onchange={on_kernel}>
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
                <button type="button" id="undo" disabled={s.undo.is_empty()} title="Undo (Ctrl+Z)"
                    onclick={ let d = d.clone(); move |_| d.dispatch(Action::Undo) }>{ "↶ Undo" }</button>
                <button type="button" id="redo" disabled={s.redo.is_empty()} title="Redo (Ctrl+Shift+Z)"
                    onclick={ let d = d.clone(); move |_| d.dispatch(Action::Redo) }>{ "↷ Redo" }</button>
            </div>
            <dl class="counts" id="counts" aria-label="live page tables">
                <div><dt>{ "pte tables" }</dt><dd id="count-pte">{ c.pte }</dd></div>
                <div><dt title={ pgd_pmds.then_some("i386 PAE: the pmd tables are allocated with the pgd and never freed by free_pgtables") }>{ if pgd_pmds { "pmd tables (the pgd's)" } else { "pmd tables" } }</dt><dd id="count-pmd">{ if folded_pmd { "folded".to_string() } else { c.pmd.to_string() } }</dd></div>
                <div><dt>{ "pud tables" }</dt><dd id="count-pud">{ if folded_pud { "folded".to_string() } else { c.pud.to_string() } }</dd></div>
                <div><dt>{ "vmas" }</dt><dd id="count-vmas">{ s.sim.mm.as_ref().map_or(0, |m| m.vmas().len()) }</dd></div>
                <div><dt>{ "ops" }</dt><dd>{ s.sim.ops.len() }</dd></div>
            </dl>
        </header>
    }
}

#[function_component(Edit)]
pub fn edit(p: &Props) -> Html {
    let s = &p.state;
    let d = p.dispatch.clone();
    let (vstart, vsize, vname) = (use_node_ref(), use_node_ref(), use_node_ref());
    let (rstart, rend) = (use_node_ref(), use_node_ref());
    let faddr = use_node_ref();
    let local_err = use_state(|| None::<String>);
    let page = s.sim.mm.as_ref().map_or(4096, |m| m.arch().page_size());

    let add_vma = {
        let (d, vstart, vsize, vname, err) = (
            d.clone(),
            vstart.clone(),
            vsize.clone(),
            vname.clone(),
            local_err.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let parsed = (|| {
                let start = parse_addr(&input_value(&vstart))?;
                let size = parse_size(&input_value(&vsize))?;
                let end = start.checked_add(size).ok_or("start + size overflows")?;
                let name = input_value(&vname).trim().to_string();
                Ok::<_, String>(Op::Vma {
                    range: range(start, end),
                    name: (!name.is_empty()).then_some(name),
                })
            })();
            match parsed {
                Ok(op) => {
                    err.set(None);
                    d.dispatch(Action::Push(op));
                }
                Err(m) => err.set(Some(m)),
            }
        })
    };
    let range_op = |make: fn(AddrRange) -> Op| {
        let (d, rstart, rend, err) = (d.clone(), rstart.clone(), rend.clone(), local_err.clone());
        Callback::from(move |_: MouseEvent| {
            match (
                parse_addr(&input_value(&rstart)),
                parse_addr(&input_value(&rend)),
            ) {
                (Ok(a), Ok(b)) => {
                    err.set(None);
                    d.dispatch(Action::Push(make(range(a, b))));
                }
                (Err(m), _) | (_, Err(m)) => err.set(Some(m)),
            }
        })
    };
    let fault = {
        let (d, faddr, err) = (d.clone(), faddr.clone(), local_err.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match parse_addr(&input_value(&faddr)) {
                Ok(a) => {
                    err.set(None);
                    d.dispatch(Action::Push(Op::Touch {
                        addr: VirtAddr::new(a),
                    }));
                }
                Err(m) => err.set(Some(m)),
            }
        })
    };
    let sel = s.selection;
    let hex = |v: Option<u64>| v.map(|v| format!("{v:#x}")).unwrap_or_default();
    let vmas: Vec<freepgt::Vma> = s
        .sim
        .mm
        .as_ref()
        .map(|m| m.vmas().iter().cloned().collect())
        .unwrap_or_default();
    let shown = vmas.len().min(200);
    html! {
        <section class="panel" aria-labelledby="edit-h">
            <h2 id="edit-h">{ "Edit" }</h2>
            if let Some(e) = &*local_err { <p class="error" role="alert">{ e }</p> }
            <form class="form" id="add-vma-form" onsubmit={add_vma}>
                <fieldset><legend>{ "Map a vma" }</legend>
                    <label>{ "start (hex)" }<input id="vma-start" ref={vstart} placeholder="0x400000" autocomplete="off" /></label>
                    <label>{ "size" }<input id="vma-size" ref={vsize} placeholder="8K, 2M, 1G or hex" autocomplete="off" /></label>
                    <label>{ "name" }<input id="vma-name" ref={vname} placeholder="heap" autocomplete="off" /></label>
                    <button type="submit" id="vma-add">{ "Add vma" }</button>
                </fieldset>
            </form>
            <form class="form" id="fault-form" onsubmit={fault}>
                <fieldset><legend>{ "Fault one page" }</legend>
                    <label>{ "address (hex)" }<input id="fault-addr" ref={faddr} placeholder="0x400000" autocomplete="off" /></label>
                    <button type="submit" id="fault-go">{ "touch" }</button>
                </fieldset>
            </form>
            <div class="form" id="range-form">
                <fieldset><legend>{ "Range [start, end)" }<small>{ " — or drag on the axis in select mode" }</small></legend>
                    <label>{ "start (hex)" }<input id="range-start" ref={rstart.clone()} value={hex(sel.map(|s| s.0))} autocomplete="off" /></label>
                    <label>{ "end (hex)" }<input id="range-end" ref={rend.clone()} value={hex(sel.map(|s| s.1))} autocomplete="off" /></label>
                    <div class="buttons">
                        <button type="button" id="range-touch" title="touch START END: fault every page" onclick={range_op(|r| Op::TouchRange { range: r })}>{ "populate (touch)" }</button>
                        <button type="button" id="range-munmap" onclick={range_op(|r| Op::Munmap { range: r })}>{ "munmap" }</button>
                        <button type="button" id="range-mmapfail" title="driver faults the range in, then ->mmap() fails" onclick={range_op(|r| Op::MmapFail { range: r })}>{ "mmapfail" }</button>
                        <button type="button" id="range-zapfail" title="the same, but the old zap_page_range path" onclick={range_op(|r| Op::ZapFail { range: r })}>{ "zapfail" }</button>
                    </div>
                </fieldset>
            </div>
            <p><button type="button" id="exit" onclick={ let d = d.clone(); move |_| d.dispatch(Action::Push(Op::Exit)) }>{ "exit (exit_mmap)" }</button>
               <small>{ format!(" page size {}", human_size(page as u128)) }</small></p>
            <h3>{ format!("vmas ({})", vmas.len()) }</h3>
            <div class="scroll">
            <table class="vmas" id="vma-list">
                <thead><tr><th scope="col">{ "name" }</th><th scope="col">{ "start" }</th><th scope="col">{ "end" }</th><th scope="col">{ "size" }</th><th scope="col">{ "actions" }</th></tr></thead>
                <tbody>
                { for vmas.iter().take(shown).map(|v| {
                    let r = v.range();
                    let label = v.name.clone().unwrap_or_else(|| "—".into());
                    let d1 = d.clone(); let d2 = d.clone(); let d3 = d.clone();
                    html! { <tr>
                        <td>{ &label }</td><td class="hex">{ v.start.to_string() }</td><td class="hex">{ v.end.to_string() }</td>
                        <td>{ human_size((v.end.as_u64() - v.start.as_u64()) as u128) }</td>
                        <td class="actions">
                            <button type="button" aria-label={format!("populate {label} {}", r)} onclick={move |_| d1.dispatch(Action::Push(Op::TouchRange { range: r }))}>{ "populate" }</button>
                            <button type="button" aria-label={format!("remove (munmap) {label} {}", r)} onclick={move |_| d2.dispatch(Action::Push(Op::Munmap { range: r }))}>{ "remove" }</button>
                            <button type="button" aria-label={format!("select {label}")} onclick={move |_| d3.dispatch(Action::Select(Some((r.start.as_u64(), r.end.as_u64()))))}>{ "select" }</button>
                        </td>
                    </tr> }
                }) }
                </tbody>
            </table>
            </div>
            if shown < vmas.len() { <p class="muted">{ format!("… and {} more (see the scenario text)", vmas.len() - shown) }</p> }
        </section>
    }
}

#[function_component(LastOp)]
pub fn last_op(p: &Props) -> Html {
    let s = &p.state;
    let d = &p.dispatch;
    let Some(last) = s.sim.last() else {
        return html! { <section class="panel" id="last-op" aria-labelledby="last-h"><h2 id="last-h">{ "Last operation" }</h2><p class="muted">{ "No operation yet." }</p></section> };
    };
    let freed = freed_tables(last.outcome);
    let kept: Vec<&Event> = last
        .outcome
        .events
        .iter()
        .filter(|e| matches!(e, Event::TableKept { .. }))
        .collect();
    let fl = flushes(last.outcome);
    let bugs = bug_lines(last.outcome);
    let vpte = s.sim.mm.as_ref().is_some_and(|m| m.arch().vpte.is_some());
    let inspect = |k: crate::state::TableKey| {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Action::Inspect(Some(k))))
    };
    let orphans = s.sim.mm.as_ref().map(|m| m.orphans()).unwrap_or_default();
    html! {
        <section class="panel" id="last-op" aria-labelledby="last-h">
            <h2 id="last-h">{ "Last operation: " }<code>{ last.op.to_string() }</code></h2>
            if !bugs.is_empty() {
                <ul class="bugs" id="bugs">{ for bugs.iter().map(|b| html! { <li>{ "⚠ " }<code>{ b }</code></li> }) }</ul>
            }
            if last.op.frees() {
                <h3>{ format!("Freed tables ({})", freed.len()) }</h3>
                if freed.is_empty() { <p class="muted">{ "none" }</p> }
                <ul class="tables" id="freed-list">
                    { for freed.iter().map(|(l, b)| html! {
                        <li class="st-freed"><button type="button" class="linkish" onclick={inspect((*l, b.as_u64()))}>
                            <span class="icon" aria-hidden="true">{ "✕" }</span>{ format!("free {l} {b}") }</button></li>
                    }) }
                </ul>
                if !kept.is_empty() {
                    <h3>{ format!("Walked but kept ({})", kept.len()) }</h3>
                    <ul class="tables" id="kept-list">
                        { for kept.iter().filter_map(|e| match e { Event::TableKept { level, base, .. } => Some(html! {
                            <li class="st-kept"><button type="button" class="linkish" onclick={inspect((*level, base.as_u64()))}>
                                <span class="icon" aria-hidden="true">{ "●" }</span>{ e.to_string() }</button></li>
                        }), _ => None }) }
                    </ul>
                }
                <h3>{ format!("flush_tlb_pgtables calls ({})", fl.len()) }</h3>
                if matches!(last.op, Op::Exit) { <p class="muted">{ "exit_mmap is full-mm: no flush_tlb_pgtables." }</p> }
                <ul class="flushes" id="flush-list">
                    { for fl.iter().map(|f| html! { <li>
                        <code>{ format!("flush {} {}", f.start, f.end) }</code>
                        { match f.vpte { Some(c) => html! { <span class="vpte">{ format!(" — VPTE [{}, {}){}: {} page(s) after {} queued pte(s), {} batch(es)", c.vs, c.ve, if c.swapped { " (straddle swap fired)" } else { "" }, c.pages, c.queued, c.batches) }</span> }, None => html! {} } }
                    </li> }) }
                </ul>
                if vpte {
                    { { let (pg, bt) = freepgt::report::vpte_totals(last.outcome); html! {
                        <p id="vpte-total"><code>{ format!("vpte_pages {pg} batches {bt}") }</code>
                        <small class="muted">{ " — sparc64 demaps the VPTE pages of each flushed PMD block; each tlb batch holds 192, and the first flush shares its batch with the ptes the zap left queued (ZAP_BLOCK_SIZE from the config header)." }</small></p>
                    } } }
                }
                <p class="muted">{ format!("walk loop visits: pgd={} pud={} pmd={}", last.outcome.visits.pgd, last.outcome.visits.pud, last.outcome.visits.pmd) }</p>
            } else {
                <ul class="trace-short">{ for last.outcome.events.iter().map(|e| html! { <li><code>{ e.to_string() }</code></li> }) }</ul>
            }
            if !orphans.is_empty() {
                <h3>{ format!("Orphan tables ({}) — linked, but no vma leads free_pgtables to them", orphans.len()) }</h3>
                <ul class="tables" id="orphan-list">
                    { for orphans.iter().take(100).map(|t| html! {
                        <li class="st-orphan"><button type="button" class="linkish" onclick={inspect((t.level, t.base.as_u64()))}>
                            <span class="icon" aria-hidden="true">{ "⚠" }</span>{ format!("orphan {} {}", t.level, t.base) }</button></li>
                    }) }
                </ul>
            }
            <Explain state={s.clone()} dispatch={d.clone()} />
            <details class="trace"><summary>{ format!("Full trace of this operation ({} events)", last.outcome.events.len()) }</summary>
                <pre id="trace">{ freepgt::tracefmt::render_trace(&last.outcome.events) }</pre>
            </details>
        </section>
    }
}

#[function_component(Explain)]
fn explain(p: &Props) -> Html {
    let Some(key) = p.state.inspected else {
        return html! { <p class="muted hint">{ "Click a table (here, in the tree or on the axis) to see the trace events that decided it." }</p> };
    };
    let lines = model::explain(&p.state.sim, key);
    let d = p.dispatch.clone();
    html! {
        <div class="explain" id="explain" aria-live="polite">
            <h3>{ format!("Why: {} table {}", key.0, VirtAddr::new(key.1)) }
                <button type="button" class="close" aria-label="close explanation" onclick={move |_| d.dispatch(Action::Inspect(None))}>{ "×" }</button></h3>
            <pre>{ for lines.iter().map(|(depth, l)| format!("{}{l}\n", "  ".repeat(*depth))) }</pre>
        </div>
    }
}

/// Scenarios longer than this keep their text panel folded until asked: setting and laying
/// out a textarea of thousands of lines on every operation is most of a big scenario's
/// re-render.
const TEXT_FOLD_LINES: usize = 1500;

#[function_component(ScenarioText)]
pub fn scenario_text(p: &Props) -> Html {
    let s = &p.state;
    let d = p.dispatch.clone();
    let area = use_node_ref();
    let unfold = use_state(|| false);
    let lines = s.sim.header_lines() + s.sim.ops.len();
    let folded = lines > TEXT_FOLD_LINES && !*unfold;
    // Follow the scenario: when it changes, the textarea shows the new canonical text, unless
    // the reader has an unapplied edit in it, which is kept (never lose work) and flagged.
    // `shown` is the canonical text the panel last wrote; `applied` the text Apply sent, until
    // the reducer refuses it.
    let shown = use_mut_ref(String::new);
    let applied = use_mut_ref(|| None::<String>);
    let kept_draft = use_state(|| false);
    {
        let applied = applied.clone();
        use_effect_with(s.text_error.clone(), move |e| {
            if e.is_some() {
                *applied.borrow_mut() = None;
            }
        });
    }
    {
        let (area, shown, applied, kept_draft) = (
            area.clone(),
            shown.clone(),
            applied.clone(),
            kept_draft.clone(),
        );
        let text = s.sim.text.clone();
        use_effect_with((s.revision, folded), move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                let value = a.value();
                let from_apply = applied.borrow_mut().take().as_ref() == Some(&value);
                let edited = !from_apply && !shown.borrow().is_empty() && value != *shown.borrow();
                if edited && value != text {
                    kept_draft.set(true);
                } else {
                    a.set_value(&text);
                    kept_draft.set(false);
                }
            }
            *shown.borrow_mut() = text;
        });
    }
    let apply = {
        let (d, area, applied) = (d.clone(), area.clone(), applied.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                *applied.borrow_mut() = Some(a.value());
                d.dispatch(Action::ApplyText(a.value()));
            }
        })
    };
    let revert = {
        let (area, text, kept_draft) = (area.clone(), s.sim.text.clone(), kept_draft.clone());
        Callback::from(move |_| {
            if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                a.set_value(&text);
                kept_draft.set(false);
            }
        })
    };
    html! {
        <section class="panel" aria-labelledby="text-h">
            <h2 id="text-h"><label for="scenario-text">{ "Scenario text" }</label></h2>
            <p class="muted">{ "Canonical form of the current state. Edit and Apply to replace it; an error changes nothing." }</p>
            if folded {
                <p>{ format!("This scenario has {lines} lines; its text is folded so that each operation stays fast. Export › scenario downloads it. ") }
                    <button type="button" id="unfold-text" onclick={ let u = unfold.clone(); move |_| u.set(true) }>{ "Show and edit the text" }</button></p>
            } else {
                if *kept_draft {
                    <p class="notice small" id="draft-kept" role="status">{ "The scenario changed while this text had unapplied edits; your edits are kept. Apply them, or Revert to the current scenario." }</p>
                }
                <textarea id="scenario-text" ref={area} spellcheck="false" rows="14" aria-describedby="text-error" />
                <div class="buttons">
                    <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                    <button type="button" id="revert-text" onclick={revert}>{ "Revert" }</button>
                </div>
            }
            <p id="text-error" class="error" role="alert">{ s.text_error.clone().unwrap_or_default() }</p>
        </section>
    }
}

#[derive(Properties, Clone)]
pub struct ReportProps {
    pub state: Rc<State>,
}

impl PartialEq for ReportProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.state.sim, &o.state.sim)
    }
}

/// Reports longer than this show their tail until asked for all of it: laying out hundreds
/// of kilobytes of text on every operation would dominate the re-render of a big scenario.
const REPORT_TAIL: usize = 400;

#[function_component(Report)]
pub fn report(p: &ReportProps) -> Html {
    let all = use_state(|| false);
    let report = &p.state.sim.report;
    let lines = report.lines().count();
    let shown = if *all || lines <= REPORT_TAIL {
        report.clone()
    } else {
        let mut start = report.len();
        for _ in 0..REPORT_TAIL {
            start = report[..start.saturating_sub(1)]
                .rfind('\n')
                .map_or(0, |i| i + 1);
        }
        report[start..].to_string()
    };
    html! {
        <section class="panel" aria-labelledby="report-h">
            <h2 id="report-h">{ "Report" }</h2>
            <p class="muted">{ format!("Exactly what `freepgt run --visits --orphans` prints for this scenario ({lines} lines).") }</p>
            if lines > REPORT_TAIL {
                <p class="small">
                    { if *all { format!("All {lines} lines. ") } else { format!("The last {REPORT_TAIL} of {lines} lines. ") } }
                    <button type="button" id="report-all" onclick={ let all = all.clone(); move |_| all.set(!*all) }>
                        { if *all { "Show the tail only" } else { "Show all lines" } }</button>
                </p>
            }
            <pre id="report" class="report" tabindex="0">{ shown }</pre>
        </section>
    }
}
