//! The address-space view: one SVG axis with empty stretches collapsed.

use super::Props;
use crate::model::{cluster, human_size, interesting, last_flushes, ticks, Axis, Node, Status};
use crate::state::{Action, Mode};
use freepgt::{AddrRange, Level, Op, VirtAddr};
use yew::prelude::*;

/// View width in SVG units.
const W: f64 = 1000.0;
/// Left gutter for row labels.
const GUTTER: f64 = 40.0;
const H: f64 = 150.0;
const Y_VMA: f64 = 30.0;
const H_VMA: f64 = 34.0;
const Y_ROWS: f64 = 72.0;
const ROW_H: f64 = 10.0;

/// An SVG coordinate with one decimal, formatted with integer arithmetic: `f64`'s `Display`
/// pulls ~12 KB of float-formatting code into the wasm.
pub(crate) fn px(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.unsigned_abs();
    format!("{sign}{}.{}", t / 10, t % 10)
}

fn hex(a: u128) -> String {
    if a > u64::MAX as u128 {
        "2^64".to_string()
    } else {
        format!("{a:#x}")
    }
}

fn flatten<'a>(nodes: &'a [Node], out: &mut Vec<&'a Node>) {
    for n in nodes {
        out.push(n);
        flatten(&n.children, out);
    }
}

#[function_component(AxisView)]
pub fn axis_view(p: &Props) -> Html {
    let s = &p.state;
    let d = p.dispatch.clone();
    let svg_ref = use_node_ref();
    let drag = use_state(|| None::<(f64, f64)>);
    let Some(mm) = &s.sim.mm else {
        return html! { <p class="muted">{ "Empty scenario: choose an arch to start." }</p> };
    };
    let arch = mm.arch();
    let page = arch.page_size() as u128;
    let top = arch.task_size as u128;
    let (lo, hi) = s.zoom.map_or((0, top), |(a, b)| (a as u128, b as u128));
    let hole = arch.hole.map(|(a, b)| (a as u128, b as u128));
    let rev = s.revision;
    let sel = s.selection;
    let sim = s.sim.clone();
    let axis = use_memo((rev, s.zoom, sel), move |_| {
        let mut iv = interesting(&sim, sel);
        if s_zoomed(lo, hi, top) {
            // Zoomed: the whole zoom range is interesting.
            iv = vec![(lo, hi)];
        }
        Axis::layout(&iv, lo, hi, hole, W - GUTTER)
    });
    let sim = s.sim.clone();
    let tables = super::tree_of(&sim);
    let ax: &Axis = &axis;
    let xs = |x: f64| x + GUTTER;

    // Mouse: view x from a client x.
    let to_view_x = {
        let svg_ref = svg_ref.clone();
        move |client_x: i32| -> Option<f64> {
            let el = svg_ref.cast::<web_sys::Element>()?;
            let r = el.get_bounding_client_rect();
            if r.width() <= 0.0 {
                return None;
            }
            Some((client_x as f64 - r.left()) / r.width() * W - GUTTER)
        }
    };
    let onmousedown = {
        let (drag, to_view_x) = (drag.clone(), to_view_x.clone());
        Callback::from(move |e: MouseEvent| {
            if e.button() != 0 {
                return;
            }
            if let Some(x) = to_view_x(e.client_x()) {
                e.prevent_default();
                drag.set(Some((x, x)));
            }
        })
    };
    let onmousemove = {
        let (drag, to_view_x) = (drag.clone(), to_view_x.clone());
        Callback::from(move |e: MouseEvent| {
            if let (Some((x0, _)), Some(x)) = (*drag, to_view_x(e.client_x())) {
                drag.set(Some((x0, x)));
            }
        })
    };
    let onmouseleave = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| drag.set(None))
    };
    let onmouseup = {
        let (drag, d, axis, mode) = (drag.clone(), d.clone(), axis.clone(), s.mode);
        Callback::from(move |e: MouseEvent| {
            let Some((x0, _)) = *drag else { return };
            drag.set(None);
            let Some(x1) = to_view_x(e.client_x()) else {
                return;
            };
            let (xa, xb) = if x0 <= x1 { (x0, x1) } else { (x1, x0) };
            let (Some(a), Some(b)) = (axis.addr_at(xa), axis.addr_at(xb)) else {
                return;
            };
            let start = a / page * page;
            let end = (b.div_ceil(page) * page).max(start + page);
            if end > u64::MAX as u128 {
                return;
            }
            let (start, end) = (start as u64, end as u64);
            let range = AddrRange::new(VirtAddr::new(start), VirtAddr::new(end));
            match mode {
                Mode::AddVma => d.dispatch(Action::Push(Op::Vma { range, name: None })),
                Mode::Fault => d.dispatch(Action::Push(Op::Touch {
                    addr: VirtAddr::new(start),
                })),
                Mode::Select => d.dispatch(Action::Select(Some((start, end)))),
                Mode::Zoom => {
                    // Round out to PMD blocks so the ticks stay meaningful.
                    let pmd = arch.size(Level::Pmd);
                    let zs = start / pmd * pmd;
                    let ze = end.div_ceil(pmd).saturating_mul(pmd).min(arch.task_size);
                    d.dispatch(Action::Zoom(Some((zs, ze))))
                }
            }
        })
    };

    // Segments: backgrounds, ticks, edge labels.
    let mut seg_html = Vec::new();
    for (i, sg) in ax.segments.iter().enumerate() {
        seg_html.push(html! {
            <rect class="seg" data-start={hex(sg.start)} data-end={hex(sg.end)} data-index={i.to_string()}
                x={px(xs(sg.x0))} y="18" width={px((sg.x1 - sg.x0).max(0.5))} height={px(H - 36.0)} />
        });
        for (level, at) in ticks(arch, sg.start, sg.end, 48) {
            let (h, cls) = match level {
                Level::Pgd => (20.0, "tick pgd"),
                Level::Pud => (14.0, "tick pud"),
                _ => (8.0, "tick pmd"),
            };
            // Skip ticks closer than 2 units (they would be a grey smear).
            let spacing =
                (sg.x1 - sg.x0) * (arch.size(level) as f64) / ((sg.end - sg.start) as f64);
            if spacing < 2.0 && level == Level::Pmd {
                continue;
            }
            for a in at {
                let x = xs(sg.x(a));
                seg_html.push(html! { <line class={cls} x1={px(x)} x2={px(x)} y1={px(Y_VMA - h)} y2={px(Y_VMA + H_VMA)}>
                    <title>{ format!("{} boundary {:#x}", crate::model::level_size_name(level), a) }</title></line> });
            }
        }
        let label_y = H - 6.0;
        seg_html.push(
            html! { <text class="edge" x={px(xs(sg.x0 + 1.0))} y="12">{ hex(sg.start) }</text> },
        );
        if sg.x1 - sg.x0 > 90.0 || i + 1 == ax.segments.len() {
            seg_html.push(html! { <text class="edge" text-anchor="end" x={px(xs(sg.x1 - 1.0))} y={px(label_y)}>{ hex(sg.end) }</text> });
        }
    }
    let breaks = ax.breaks.iter().map(|b| {
        let x = xs(b.x0);
        let w = b.x1 - b.x0;
        let label = if b.hole { "VA hole".to_string() } else { format!("⋯ {}", human_size(b.end - b.start)) };
        html! { <g class={classes!("break", b.hole.then_some("hole"))}>
            <rect x={px(x)} y="18" width={px(w)} height={px(H - 36.0)} />
            <path d={format!("M{} 20 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 M{} 20 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8", px(x + w / 2.0 - 5.0), px(x + w / 2.0 + 1.0))} />
            <text x={px(x + w / 2.0)} y={px(H - 20.0)} text-anchor="middle" class="break-label">{ label.clone() }</text>
            <title>{ format!("{} [{}, {}) collapsed ({})", if b.hole { "the sparc64 VA hole" } else { "empty" }, hex(b.start), hex(b.end), human_size(b.end - b.start)) }</title>
        </g> }
    }).collect::<Html>();

    // Vmas, clustered when too small to draw one by one.
    let vmas: Vec<&freepgt::Vma> = mm.vmas().iter().collect();
    let mut pieces = Vec::new();
    for (i, v) in vmas.iter().enumerate() {
        for (x0, x1) in ax.pieces(v.start.as_u64() as u128, v.end.as_u64() as u128) {
            pieces.push((x0, x1, i));
        }
    }
    let vma_html = cluster(pieces, 1.0).into_iter().map(|(x0, x1, n, i)| {
        let w = (x1 - x0).max(1.0);
        if n > 1 {
            return html! { <g class="vma cluster"><rect x={px(xs(x0))} y={px(Y_VMA)} width={px(w)} height={px(H_VMA)} />
                <title>{ format!("{n} vmas from {}", vmas[i].start) }</title>
                if w > 60.0 { <text x={px(xs(x0 + 3.0))} y={px(Y_VMA + 13.0)}>{ format!("{n} vmas") }</text> }
            </g> };
        }
        let v = vmas[i];
        let name = v.name.clone().unwrap_or_default();
        let tip = format!("vma {} [{}, {}) {}", name, v.start, v.end, human_size((v.end.as_u64() - v.start.as_u64()) as u128));
        html! { <g class="vma"><rect x={px(xs(x0))} y={px(Y_VMA)} width={px(w)} height={px(H_VMA)} />
            <title>{ tip }</title>
            if w > 34.0 { <text x={px(xs(x0 + 2.0))} y={px(Y_VMA + 12.0)}>{ if name.is_empty() { "vma".to_string() } else { name.clone() } }</text> }
            if w > 70.0 { <text class="bounds" x={px(xs(x0 + 2.0))} y={px(Y_VMA + 23.0)}>{ v.start.to_string() }</text>
                         <text class="bounds" x={px(xs(x0 + 2.0))} y={px(Y_VMA + 31.0)}>{ format!("– {}", v.end) }</text> }
        </g> }
    }).collect::<Html>();

    // Page tables by level as bars under the vmas.
    let mut all = Vec::new();
    flatten(&tables.roots, &mut all);
    flatten(&tables.leaked, &mut all);
    let levels: Vec<Level> = arch.real_levels().filter(|l| *l != Level::Pgd).collect();
    let mut row_html = Vec::new();
    for (ri, level) in levels.iter().enumerate() {
        let y = Y_ROWS + ri as f64 * (ROW_H + 3.0);
        row_html
            .push(html! { <text class="row-label" x="2" y={px(y + 8.0)}>{ level.name() }</text> });
        for status in [
            Status::Live,
            Status::New,
            Status::Orphan,
            Status::Leaked,
            Status::Freed,
        ] {
            let mut pieces = Vec::new();
            for (i, t) in all
                .iter()
                .enumerate()
                .filter(|(_, t)| t.level == *level && t.status == status)
            {
                for (x0, x1) in ax.pieces(t.base as u128, t.base as u128 + t.span as u128) {
                    pieces.push((x0, x1, i));
                }
            }
            for (x0, x1, n, i) in cluster(pieces, 0.5) {
                let t = all[i];
                let key = (t.level, t.base);
                let d = d.clone();
                let tip = if n > 1 {
                    format!("{n} {} {} tables from {:#x}", status.word(), level, t.base)
                } else {
                    format!(
                        "{} {} table {:#x}, span {}, used {}/{}",
                        status.word(),
                        level,
                        t.base,
                        human_size(t.span as u128),
                        t.used,
                        t.entries
                    )
                };
                row_html.push(html! { <rect class={classes!("tbl", format!("st-{}", status.word()))} x={px(xs(x0))} y={px(y)}
                    width={px((x1 - x0).max(1.0))} height={px(ROW_H)}
                    onclick={move |e: MouseEvent| { e.stop_propagation(); d.dispatch(Action::Inspect(Some(key))) }}
                    onmousedown={|e: MouseEvent| e.stop_propagation()}
                ><title>{ tip }</title></rect> });
            }
        }
    }

    // Flush ranges of the last op.
    let fy = Y_ROWS + levels.len() as f64 * (ROW_H + 3.0) + 2.0;
    let flush_html = last_flushes(&s.sim)
        .iter()
        .flat_map(|f| {
            let (a, b) = (f.start.as_u64() as u128, f.end.as_u64() as u128);
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            ax.pieces(a, b).into_iter().map(move |(x0, x1)| html! {
            <rect class="flush" x={px(xs(x0))} y={px(fy)} width={px((x1 - x0).max(1.5))} height="7">
                <title>{ format!("flush_tlb_pgtables({}, {})", f.start, f.end) }</title></rect>
        })
        })
        .collect::<Html>();

    let sel_html = sel.map(|(a, b)| ax.pieces(a as u128, b as u128).into_iter().map(|(x0, x1)| html! {
        <rect class="selection" x={px(xs(x0))} y="16" width={px((x1 - x0).max(1.0))} height={px(H - 30.0)} />
    }).collect::<Html>()).unwrap_or_default();
    let drag_html = (*drag).map(|(a, b)| {
        let (x0, x1) = if a <= b { (a, b) } else { (b, a) };
        html! { <rect class="drag" x={px(xs(x0))} y="16" width={px((x1 - x0).max(1.0))} height={px(H - 30.0)} /> }
    }).unwrap_or_default();

    let mode_buttons = Mode::ALL.iter().map(|m| {
        let d = d.clone();
        let m = *m;
        html! { <label class="mode"><input type="radio" name="axis-mode" id={format!("mode-{}", m.id())} checked={s.mode == m}
            onchange={move |_| d.dispatch(Action::SetMode(m))} />{ m.label() }</label> }
    }).collect::<Html>();
    let zoomed = s.zoom.is_some();
    html! {
        <div class="axis-wrap">
            <div class="axis-tools" role="group" aria-label="axis mode">
                { mode_buttons }
                <button type="button" id="zoom-selection" disabled={sel.is_none()}
                    onclick={ let d = d.clone(); move |_| d.dispatch(Action::Zoom(sel)) }>{ "zoom to selection" }</button>
                <button type="button" id="zoom-out" disabled={!zoomed}
                    onclick={ let d = d.clone(); move |_| d.dispatch(Action::Zoom(None)) }>{ "whole address space" }</button>
                if sel.is_some() { <button type="button" id="clear-selection" onclick={ let d = d.clone(); move |_| d.dispatch(Action::Select(None)) }>{ "clear selection" }</button> }
            </div>
            <p class="muted small">{ format!("Showing [{}, {}){}. Grey stretches are drawn to scale; ⋯ breaks collapse empty space. Ticks: PMD_SIZE ({}){}, PGDIR_SIZE ({}).",
                hex(lo), hex(hi), if zoomed { " (zoomed)" } else { "" },
                human_size(arch.size(Level::Pmd) as u128),
                if arch.folded(Level::Pud) { String::new() } else { format!(", PUD_SIZE ({})", human_size(arch.size(Level::Pud) as u128)) },
                human_size(arch.size(Level::Pgd) as u128)) }</p>
            <div class="axis-scroll">
            <svg id="axis" ref={svg_ref} viewBox={format!("0 0 {} {}", px(W), px(H))} role="img" aria-label="address space axis: vmas, page tables by level and flush ranges"
                class={classes!(format!("mode-{}", s.mode.id()))}
                {onmousedown} {onmousemove} {onmouseup} {onmouseleave}>
                <defs>
                    <pattern id="hatch" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="4" class="hatch-line" />
                    </pattern>
                </defs>
                { for seg_html }
                { breaks }
                { sel_html }
                { vma_html }
                { for row_html }
                <text class="row-label" x="2" y={px(fy + 7.0)}>{ "flush" }</text>
                { flush_html }
                { super::steps::overlay(s, ax, GUTTER, &|l| levels.iter().position(|x| *x == l).map(|ri| Y_ROWS + ri as f64 * (ROW_H + 3.0)), ROW_H) }
                { drag_html }
            </svg>
            </div>
            <ul class="legend" aria-label="legend">
                <li><span class="sw vma"></span>{ "vma" }</li>
                <li><span class="sw st-live"></span>{ "■ live table" }</li>
                <li><span class="sw st-new"></span>{ "+ new (this op)" }</li>
                <li><span class="sw st-freed"></span>{ "✕ freed by this op" }</li>
                <li><span class="sw st-orphan"></span>{ "⚠ orphan (no vma)" }</li>
                <li><span class="sw st-leaked"></span>{ "☠ leaked (parent freed)" }</li>
                <li><span class="sw flush"></span>{ "flush_tlb_pgtables range" }</li>
                <li><span class="sw sel"></span>{ "selection" }</li>
                <li><span class="sw step"></span>{ "table of this step" }</li>
                <li><span class="sw marker"></span>{ "floor / ceiling / addr / end at this step" }</li>
            </ul>
        </div>
    }
}

fn s_zoomed(lo: u128, hi: u128, top: u128) -> bool {
    lo != 0 || hi != top
}
