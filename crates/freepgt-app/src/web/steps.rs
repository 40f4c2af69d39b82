//! Step-through: one op's trace in kernel order, stepped with buttons or ←/→, each decision
//! spelled out with its values; the bounds in force drawn on the axis; the commit message's
//! cases (the preset's summary, sparc64's PMD vs PGDIR flush cost, is_hugepage_only_range).

use super::axis::px;
use super::Props;
use crate::model::{human_size, Axis};
use crate::model_steps::{
    cursor, flush_granularities, markers, nav, preset_of, spell, table_of, Nav,
};
use crate::state::{Action, State, TableKey};
use freepgt::share::StepRef;
use freepgt::{Event, Level};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Events drawn around the current one (an exit of a big mm has tens of thousands).
const WINDOW: usize = 200;

/// The table the current step is about (highlighted in the tree and on the axis).
pub fn current_table(s: &State) -> Option<TableKey> {
    let c = cursor(&s.sim, s.step)?;
    table_of(s.sim.outcomes[c.op].events.get(c.event?)?)
}

fn x_of(ax: &Axis, a: u128, top: bool) -> Option<f64> {
    if top {
        let right = ax
            .segments
            .iter()
            .map(|s| s.x1)
            .chain(ax.breaks.iter().map(|b| b.x1));
        return Some(right.fold(0.0, f64::max));
    }
    if let Some(s) = ax.segments.iter().find(|s| s.start <= a && a <= s.end) {
        return Some(s.x(a));
    }
    ax.breaks
        .iter()
        .find(|b| b.start <= a && a < b.end)
        .map(|b| (b.x0 + b.x1) / 2.0)
}

/// The step's bounds and table, drawn over the axis: a dashed line per bound with its name,
/// and an outline around the table the step is about.
pub fn overlay(
    s: &State,
    ax: &Axis,
    gutter: f64,
    row_y: &dyn Fn(Level) -> Option<f64>,
    row_h: f64,
) -> Html {
    let Some(c) = cursor(&s.sim, s.step) else {
        return Html::default();
    };
    let Some(i) = c.event else {
        return Html::default();
    };
    let events = &s.sim.outcomes[c.op].events;
    let mut out = Vec::new();
    for (k, m) in markers(events, i).iter().enumerate() {
        let Some(x) = x_of(ax, m.addr as u128, m.is_top()) else {
            continue;
        };
        let x = x + gutter;
        let y = 124.0 + (k % 2) as f64 * 9.0;
        let anchor = if x > 900.0 { "end" } else { "start" };
        let tx = if anchor == "end" { x - 2.0 } else { x + 2.0 };
        out.push(html! { <g class={classes!("marker", format!("mk-{}", m.name))} data-name={m.name} data-addr={format!("{:#x}", m.addr)}>
            <line x1={px(x)} x2={px(x)} y1="16" y2={px(y)} />
            <text x={px(tx)} y={px(y + 7.0)} text-anchor={anchor}>{ format!("{} {:#x}", m.name, m.addr) }</text>
            <title>{ m.label() }</title>
        </g> });
    }
    if let (Some((level, base)), Some(arch)) = (table_of(&events[i]), s.sim.header.arch) {
        if let Some(y) = row_y(level) {
            let span = arch.arch().table_span(level) as u128;
            for (x0, x1) in ax.pieces(base as u128, base as u128 + span) {
                out.push(html! { <rect class="step-hl" x={px(x0 + gutter - 1.5)} y={px(y - 2.0)} width={px((x1 - x0).max(1.0) + 3.0)} height={px(row_h + 4.0)}>
                    <title>{ format!("this step: {level} table {base:#x}") }</title></rect> });
            }
        }
    }
    html! { <g class="step-overlay">{ for out }</g> }
}

/// Focus in a field (or a scrollable text block) keeps ←/→ for the caret or scrolling.
fn is_typing(e: &web_sys::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(
                el.tag_name().as_str(),
                "TEXTAREA" | "INPUT" | "SELECT" | "PRE"
            ) || el.get_attribute("contenteditable").is_some()
        })
}

#[function_component(Steps)]
pub fn steps(p: &Props) -> Html {
    let s = &p.state;
    let d = p.dispatch.clone();
    let list = use_node_ref();
    super::rove::use_rove_stop(list.clone());
    let cur = cursor(&s.sim, s.step);
    // ←/→ step, except while typing or with a modifier (Alt+← is the browser's back).
    {
        let (d, sim) = (d.clone(), s.sim.clone());
        use_effect_with((s.revision, cur), move |(_, cur)| {
            let cur = *cur;
            let listener = web_sys::window().map(|w| {
                let opts = gloo::events::EventListenerOptions::enable_prevent_default();
                gloo::events::EventListener::new_with_options(&w, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    let Some(at) = cur else { return };
                    if e.alt_key() || e.ctrl_key() || e.meta_key() || e.shift_key() || is_typing(e)
                    {
                        return;
                    }
                    let how = match e.key().as_str() {
                        "ArrowRight" => Nav::Next,
                        "ArrowLeft" => Nav::Prev,
                        _ => return,
                    };
                    e.prevent_default();
                    if let Some(to) = nav(&sim, at, how) {
                        d.dispatch(Action::SetStep(Some(to)));
                    }
                })
            });
            move || drop(listener)
        });
    }
    // Keep the current event in view inside the list only (never scroll the page: an embed
    // must not move its host page).
    {
        let list = list.clone();
        use_effect_with(cur, move |_| {
            let Some(ol) = list.cast::<web_sys::HtmlElement>() else {
                return;
            };
            let Ok(Some(li)) = ol.query_selector("li.current") else {
                return;
            };
            let Ok(li) = li.dyn_into::<web_sys::HtmlElement>() else {
                return;
            };
            let (top, h, view) = (li.offset_top(), li.offset_height(), ol.client_height());
            if top < ol.scroll_top() || top + h > ol.scroll_top() + view {
                ol.set_scroll_top((top - view / 3).max(0));
            }
        });
    }
    let preset = {
        let sim = s.sim.clone();
        use_memo(s.revision, move |_| preset_of(&sim))
    };
    let preset_html = match *preset {
        Some(pr) => {
            html! { <p class="preset-note" id="preset-summary"><strong>{ format!("Preset “{}”: ", pr.title) }</strong>{ pr.summary }</p> }
        }
        None => Html::default(),
    };
    let Some(c) = cur else {
        return html! { <section class="panel" id="steps" aria-labelledby="steps-h"><h2 id="steps-h">{ "Step through" }</h2>
        { preset_html }<p class="muted">{ "No operation yet: add one to step through what the kernel does." }</p></section> };
    };
    let sim = &s.sim;
    let arch = sim
        .header
        .arch
        .map(|a| a.arch())
        .unwrap_or(&freepgt::arch::X86_64);
    let events = &sim.outcomes[c.op].events;
    let hl = sim.header_lines();
    let go = |to: Option<StepRef>| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(to) = to {
                d.dispatch(Action::SetStep(Some(to)));
            }
        })
    };
    let btn = |id: &'static str, label: &'static str, title: &'static str, how: Nav| {
        let to = nav(sim, c, how);
        html! { <button type="button" id={id} title={title} aria-label={title} disabled={to.is_none()} onclick={go(to)}>{ label }</button> }
    };
    // The op selector: every op, or for big scenarios the freeing ops and the current one.
    let many = sim.ops.len() > 300;
    let options = sim.ops.iter().enumerate().filter(|(i, op)| !many || op.frees() || *i == c.op).map(|(i, op)| {
        html! { <option value={i.to_string()} selected={i == c.op}>{ format!("line {}: {op}", hl + i + 1) }</option> }
    }).collect::<Html>();
    let on_op = {
        let d = d.clone();
        Callback::from(move |e: web_sys::Event| {
            let v = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .map(|s| s.value());
            if let Some(i) = v.and_then(|v| v.parse::<usize>().ok()) {
                d.dispatch(Action::SetStep(Some(StepRef {
                    command: hl + i,
                    event: None,
                })));
            }
        })
    };
    let (lo, hi) = match c.event {
        Some(i) => (i.saturating_sub(WINDOW), (i + WINDOW + 1).min(events.len())),
        None => (0, events.len().min(2 * WINDOW)),
    };
    let timeline = events[lo..hi].iter().enumerate().map(|(k, e)| {
        let i = lo + k;
        let current = c.event == Some(i);
        let to = Some(StepRef { command: hl + c.op, event: Some(i) });
        let kind = match e {
            Event::TableFreed { .. } => "ev-freed",
            Event::TableKept { .. } => "ev-kept",
            Event::EarlyReturn { .. } => "ev-return",
            Event::Bug(_) => "ev-bug",
            Event::Flush(_) => "ev-flush",
            _ => "",
        };
        html! { <li class={classes!(current.then_some("current"), kind, format!("depth-{}", e.depth()))} data-event={i.to_string()} aria-current={current.then_some("step")}>
            <button type="button" class="linkish" data-rove="" tabindex={super::rove::tabindex(current)} onclick={go(to)}>{ e.to_string() }</button></li> }
    }).collect::<Html>();
    let detail = match c.event.and_then(|i| events.get(i).map(|e| (i, e))) {
        Some((i, e)) => {
            let why = spell(arch, events, i);
            let ms = markers(events, i);
            html! { <div class="step-detail" aria-live="polite">
                <p class="step-pos">{ format!("Event {} of {}", i + 1, events.len()) }</p>
                <pre id="step-current">{ e.to_string() }</pre>
                if !why.is_empty() { <p id="step-why">{ why }</p> }
                if !ms.is_empty() {
                    <ul class="step-markers" id="step-markers" aria-label="bounds at this step (marked on the axis)">
                        { for ms.iter().map(|m| html! { <li class={format!("mk-{}", m.name)}><code>{ m.label() }</code></li> }) }
                    </ul>
                }
            </div> }
        }
        None => {
            html! { <p class="muted step-detail">{ format!("{} event(s). Step forward (next ▶ or →) to go through them one by one, or click one.", events.len()) }</p> }
        }
    };
    let not_last = c.op + 1 != sim.ops.len();
    html! {
        <section class="panel wide" id="steps" aria-labelledby="steps-h">
            <h2 id="steps-h">{ "Step through" }</h2>
            { preset_html }
            <div class="step-tools" role="group" aria-label="step controls">
                <label>{ "operation " }<select id="step-op" onchange={on_op}>{ options }</select></label>
                { btn("step-prev-op", "◀◀ op", "previous operation", Nav::PrevOp) }
                { btn("step-next-op", "op ▶▶", "next operation", Nav::NextOp) }
                <span class="sep" />
                { btn("step-start", "|◀ start", "first event of this operation", Nav::Start) }
                { btn("step-back", "◀ back", "previous event (←)", Nav::Prev) }
                { btn("step-fwd", "next ▶", "next event (→)", Nav::Next) }
                { btn("step-end", "end ▶|", "last event of this operation", Nav::End) }
                <small class="muted">{ " ←/→ step when focus is not in a text field" }</small>
            </div>
            if not_last { <p class="muted small">{ "The axis and the page-table tree show the mm right after this operation (the scenario replayed up to it); edits still append to the end of the scenario." }</p> }
            <div class="step-cols">
                <ol class="step-timeline" id="step-timeline" ref={list} start={(lo + 1).to_string()}
                    aria-label="the operation's trace events (↑/↓ move, Enter shows one)"
                    onkeydown={super::rove::keydown()} onfocusin={super::rove::focusin()}>{ timeline }</ol>
                <div>{ detail }</div>
            </div>
            if lo > 0 || hi < events.len() { <p class="muted small">{ format!("Showing events {}–{} of {}.", lo + 1, hi, events.len()) }</p> }
            <Cases state={s.clone()} dispatch={d.clone()} />
        </section>
    }
}

fn pages(n: u64) -> String {
    if n >= 1 << 40 {
        // log2 rounded: 2^51 - 1 reads as ≈2^51.
        let k = 63 - n.leading_zeros();
        format!("{n} (≈2^{})", k + u32::from(n - (1 << k) >= 1 << (k - 1)))
    } else {
        n.to_string()
    }
}

/// The commit message's cases for the selected op: sparc64's flush cost at PMD vs PGDIR
/// granularity with the hole-edge swap flagged; the hugetlb branch that never runs here.
#[function_component(Cases)]
fn cases(p: &Props) -> Html {
    let s = &p.state;
    let Some(c) = cursor(&s.sim, s.step) else {
        return Html::default();
    };
    let Some(arch) = s.sim.header.arch.map(|a| a.arch()) else {
        return Html::default();
    };
    let rows = if arch.vpte.is_some() {
        flush_granularities(arch, &s.sim.outcomes[c.op].events)
    } else {
        Vec::new()
    };
    let swapped = rows
        .iter()
        .any(|(p, g)| p.vpte.is_some_and(|v| v.swapped) || g.vpte.is_some_and(|v| v.swapped));
    let cell = |f: &freepgt::FlushCall| match f.vpte {
        Some(v) => html! { <td class={classes!(v.swapped.then_some("swapped"))}>
            <code>{ format!("[{}, {})", v.s, v.e) }</code>{ format!(" {} page(s), {} batch(es)", pages(v.pages), pages(v.batches)) }
            if v.swapped { <strong>{ " ⚠ swap fired" }</strong> }
        </td> },
        None => html! { <td>{ "—" }</td> },
    };
    let (tp, tg) = rows.iter().fold((0u128, 0u128), |(a, b), (p, g)| {
        (
            a + p.vpte.map_or(0, |v| v.pages as u128),
            b + g.vpte.map_or(0, |v| v.pages as u128),
        )
    });
    html! {
        <div class="cases">
            if arch.vpte.is_some() {
                <h3>{ "sparc64: “do we really have to flush every PGDIR_SIZE ever partially occupied?”" }</h3>
                if rows.is_empty() { <p class="muted">{ "This operation makes no flush_tlb_pgtables call." }</p> } else {
                    <div class="hscroll"><table class="granularity" id="vpte-granularity">
                        <thead><tr><th scope="col">{ "flush_tlb_pgtables(start, end)" }</th>
                            <th scope="col">{ format!("PMD granularity ({}) — what 2.6.12 does", human_size(arch.size(Level::Pmd) as u128)) }</th>
                            <th scope="col">{ format!("PGDIR granularity ({})", human_size(arch.size(Level::Pgd) as u128)) }</th></tr></thead>
                        <tbody>{ for rows.iter().map(|(pm, pg)| html! { <tr><td><code>{ format!("({}, {})", pm.start, pm.end) }</code></td>{ cell(pm) }{ cell(pg) }</tr> }) }</tbody>
                        <tfoot><tr><th scope="row">{ "VPTE pages" }</th><td>{ tp.to_string() }</td><td>{ tg.to_string() }</td></tr></tfoot>
                    </table></div>
                    <p class="muted small">{ "One VPTE page per PMD block; 192 per tlb batch flush, batch assumed empty on entry (modelling choice). David Miller's answer: the PMD-sized range is enough." }</p>
                }
                if swapped {
                    <p class="derived" id="hole-edge"><strong>{ "⚠ Derived from the arithmetic, not observed: " }</strong>
                        { "e = (end + PMD_SIZE - 1) & PMD_MASK reaches 2^43 at the VA hole edge, so ve = VPTE_BASE + (e >> 10) wraps past 2^64 and ve < vs. The kernel's swap (\"straddles the VA space hole\") then demaps the complement: about 2^51 VPTE pages, one loop iteration each." }</p>
                }
            }
            <p class="muted small" id="hugepage-note">{ "is_hugepage_only_range() is the generic constant 0 on x86_64 and sparc64 (only ia64 and ppc64 define ARCH_HAS_HUGEPAGE_ONLY_RANGE), so free_pgtables' hugetlb_free_pgd_range branch never runs here and every vma may be gathered." }</p>
        </div>
    }
}
