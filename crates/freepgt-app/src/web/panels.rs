//! The header bar, the edit forms, the last-operation panel and the report.

use super::Props;
use crate::model::{self, human_size, parse_addr, parse_size};
use crate::state::{Action, State};
use freepgt::report::{bug_lines, flushes, freed_tables};
use freepgt::{AddrRange, ArchId, Event, Kernel, Op, VirtAddr};

type DomEvent = web_sys::Event;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
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

/// The header's props: the state (controls), and the view (the mm after the selected
/// operation, whose figures the header shows).
#[derive(Properties, Clone)]
pub struct HeaderProps {
    pub state: Rc<State>,
    pub view: Rc<State>,
    pub dispatch: super::Dispatch,
}

impl PartialEq for HeaderProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.state, &o.state) && Rc::ptr_eq(&self.view.sim, &o.view.sim)
    }
}

/// The value a selector must show for the state: a refused change (the reducer kept the old
/// value) puts the selector back, so no selector ever shows what the page is not showing.
fn show_value(r: &NodeRef, value: &str) {
    if let Some(sel) = r.cast::<HtmlSelectElement>() {
        if sel.value() != value {
            sel.set_value(value);
        }
    }
}

#[function_component(Header)]
pub fn header(p: &HeaderProps) -> Html {
    let s = &p.state;
    let d = p.dispatch.clone();
    let (arch_ref, kernel_ref, preset_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    let arch = s.sim.header.arch;
    let kernel = s.sim.header.kernel();
    let preset = {
        let sim = s.sim.clone();
        *use_memo(s.revision, move |_| {
            crate::model_steps::preset_of(&sim).map(|p| p.id)
        })
    };
    let preset_value = preset.unwrap_or("custom");
    let arch_value = arch.map_or("", |a| a.name());
    // After every render (a refused change renders a notice): selectors show the state.
    {
        let (a, k, pr) = (arch_ref.clone(), kernel_ref.clone(), preset_ref.clone());
        let (av, kv, pv) = (arch_value.to_string(), kernel.name(), preset_value);
        use_effect(move || {
            show_value(&a, &av);
            show_value(&k, kv);
            show_value(&pr, pv);
        });
    }
    // A change is dispatched with the selector already put back: if the reducer takes it, the
    // next render shows the new value; if it refuses, the selector never lied.
    let on_select = |r: &NodeRef, shown: String, make: fn(&str) -> Option<Action>| {
        let (d, r) = (d.clone(), r.clone());
        Callback::from(move |e: DomEvent| {
            let chosen = select_value(&e);
            show_value(&r, &shown);
            if let Some(a) = make(&chosen) {
                d.dispatch(a);
            }
        })
    };
    let on_arch = on_select(&arch_ref, arch_value.to_string(), |v| {
        v.parse::<ArchId>().ok().map(Action::SetArch)
    });
    let on_kernel = on_select(&kernel_ref, kernel.name().to_string(), |v| {
        v.parse::<Kernel>().ok().map(Action::SetKernel)
    });
    let on_preset = on_select(&preset_ref, preset_value.to_string(), |v| {
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
    let c = model::counts(v.sim.mm.as_ref());
    let folded_pud = arch.is_some_and(|a| a.arch().folded(freepgt::Level::Pud));
    let earlier = v.sim.ops.len() < s.sim.ops.len();
    let at = match v.sim.ops.last() {
        Some(op) if earlier => format!(
            "after line {}: {op}",
            v.sim.header_lines() + v.sim.ops.len()
        ),
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
                    <select id="preset" ref={preset_ref} onchange={on_preset} title="Loading a preset replaces the scenario (Undo brings it back)">
                        <option value="custom" disabled=true selected={preset.is_none()}>{ "custom (your scenario)" }</option>
                        { for freepgt::presets::ALL.iter().map(|pr| html! {
                            <option value={pr.id} title={pr.summary} selected={preset == Some(pr.id)}>{ pr.title }</option>
                        }) }
                    </select>
                </label>
                <button type="button" id="load-preset" disabled={preset.is_none()} onclick={on_reload}
                    title="Start this preset over (Undo brings your state back)">{ "↺ Reload" }</button>
                <button type="button" id="undo" disabled={s.undo.is_empty()} title="Undo (Ctrl+Z)"
                    onclick={ let d = d.clone(); move |_| d.dispatch(Action::Undo) }>{ "↶ Undo" }</button>
                <button type="button" id="redo" disabled={s.redo.is_empty()} title="Redo (Ctrl+Shift+Z)"
                    onclick={ let d = d.clone(); move |_| d.dispatch(Action::Redo) }>{ "↷ Redo" }</button>
            </div>
            <dl class="counts" id="counts" aria-label={format!("live page tables and vmas, {at}")}>
                <div><dt>{ "pte tables" }</dt><dd id="count-pte">{ c.pte }</dd></div>
                <div><dt>{ "pmd tables" }</dt><dd id="count-pmd">{ c.pmd }</dd></div>
                <div><dt>{ "pud tables" }</dt><dd id="count-pud">{ if folded_pud { "folded".to_string() } else { c.pud.to_string() } }</dd></div>
                <div><dt>{ "vmas" }</dt><dd id="count-vmas">{ v.sim.mm.as_ref().map_or(0, |m| m.vmas().len()) }</dd></div>
                <div class="counts-at" id="counts-at"><dt class="sr-only">{ "as of" }</dt><dd class={classes!(earlier.then_some("earlier"))}>{ at.clone() }</dd></div>
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
    let grid = use_node_ref();
    super::rove::use_rove_stop(grid.clone());
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
            <table class="vmas" id="vma-list" ref={grid} data-rove-grid="" aria-label="vmas (arrow keys move between the buttons)"
                onkeydown={super::rove::keydown()} onfocusin={super::rove::focusin()}>
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
                            <button type="button" data-rove="" data-col="populate" tabindex="-1" aria-label={format!("populate {label} {}", r)} onclick={move |_| d1.dispatch(Action::Push(Op::TouchRange { range: r }))}>{ "populate" }</button>
                            <button type="button" data-rove="" data-col="remove" tabindex="-1" aria-label={format!("remove (munmap) {label} {}", r)} onclick={move |_| d2.dispatch(Action::Push(Op::Munmap { range: r }))}>{ "remove" }</button>
                            <button type="button" data-rove="" data-col="select" tabindex="-1" aria-label={format!("select {label}")} onclick={move |_| d3.dispatch(Action::Select(Some((r.start.as_u64(), r.end.as_u64()))))}>{ "select" }</button>
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
    let (freed_ref, kept_ref, orphan_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    super::rove::use_rove_stop(freed_ref.clone());
    super::rove::use_rove_stop(kept_ref.clone());
    super::rove::use_rove_stop(orphan_ref.clone());
    let rk = super::rove::keydown;
    let rf = super::rove::focusin;
    html! {
        <section class="panel" id="last-op" aria-labelledby="last-h">
            <h2 id="last-h">{ "Last operation: " }<code>{ last.op.to_string() }</code></h2>
            if !bugs.is_empty() {
                <ul class="bugs" id="bugs">{ for bugs.iter().map(|b| html! { <li>{ "⚠ " }<code>{ b }</code></li> }) }</ul>
            }
            if last.op.frees() {
                <h3>{ format!("Freed tables ({})", freed.len()) }</h3>
                if freed.is_empty() { <p class="muted">{ "none" }</p> }
                <ul class="tables" id="freed-list" ref={freed_ref} onkeydown={rk()} onfocusin={rf()}>
                    { for freed.iter().map(|(l, b)| html! {
                        <li class="st-freed"><button type="button" class="linkish" data-rove="" tabindex="-1" onclick={inspect((*l, b.as_u64()))}>
                            <span class="icon" aria-hidden="true">{ "✕" }</span>{ format!("free {l} {b}") }</button></li>
                    }) }
                </ul>
                if !kept.is_empty() {
                    <h3>{ format!("Walked but kept ({})", kept.len()) }</h3>
                    <ul class="tables" id="kept-list" ref={kept_ref} onkeydown={rk()} onfocusin={rf()}>
                        { for kept.iter().filter_map(|e| match e { Event::TableKept { level, base, .. } => Some(html! {
                            <li class="st-kept"><button type="button" class="linkish" data-rove="" tabindex="-1" onclick={inspect((*level, base.as_u64()))}>
                                <span class="icon" aria-hidden="true">{ "●" }</span>{ e.to_string() }</button></li>
                        }), _ => None }) }
                    </ul>
                }
                <h3>{ format!("flush_tlb_pgtables calls ({})", fl.len()) }</h3>
                if matches!(last.op, Op::Exit) { <p class="muted">{ "exit_mmap is full-mm: no flush_tlb_pgtables." }</p> }
                <ul class="flushes" id="flush-list">
                    { for fl.iter().map(|f| html! { <li>
                        <code>{ format!("flush {} {}", f.start, f.end) }</code>
                        { match f.vpte { Some(c) => html! { <span class="vpte">{ format!(" — VPTE [{}, {}){}: {} page(s), {} batch(es)", c.vs, c.ve, if c.swapped { " (straddle swap fired)" } else { "" }, c.pages, c.batches) }</span> }, None => html! {} } }
                    </li> }) }
                </ul>
                if vpte {
                    { { let (pg, bt) = freepgt::report::vpte_totals(last.outcome); html! {
                        <p id="vpte-total"><code>{ format!("vpte_pages {pg} batches {bt}") }</code>
                        <small class="muted">{ " — sparc64 demaps the VPTE pages of each flushed PMD block; each tlb batch holds 192. Modelling choice: the batch is assumed empty on entry." }</small></p>
                    } } }
                }
                <p class="muted">{ format!("walk loop visits: pgd={} pud={} pmd={}", last.outcome.visits.pgd, last.outcome.visits.pud, last.outcome.visits.pmd) }</p>
            } else {
                <ul class="trace-short">{ for last.outcome.events.iter().map(|e| html! { <li><code>{ e.to_string() }</code></li> }) }</ul>
            }
            if !orphans.is_empty() {
                <h3>{ format!("Orphan tables ({}) — linked, but no vma leads free_pgtables to them", orphans.len()) }</h3>
                <ul class="tables" id="orphan-list" ref={orphan_ref} onkeydown={rk()} onfocusin={rf()}>
                    { for orphans.iter().take(100).map(|t| html! {
                        <li class="st-orphan"><button type="button" class="linkish" data-rove="" tabindex="-1" onclick={inspect((t.level, t.base.as_u64()))}>
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
