//! The picture's layers, bottom to top: segments with ticks and edge labels, breaks, vmas,
//! a row of tables per level, flush ranges. Each is a pure function of the model.

use super::{GUTTER, H};
use crate::model::{cluster, human_size, level_size_name, ticks, Axis, Node, Status, Tree};
use crate::state::{Action, Sim};
use crate::web::Dispatch;
use freepgt::{Arch, Event, Level, Mm};
use yew::prelude::*;

const Y_VMA: f64 = 30.0;
const H_VMA: f64 = 34.0;
const Y_ROWS: f64 = 72.0;
/// Height of a table row.
pub const ROW_H: f64 = 10.0;

/// An SVG coordinate with one decimal, formatted with integer arithmetic: `f64`'s `Display`
/// pulls ~12 KB of float-formatting code into the wasm.
pub(crate) fn px(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.unsigned_abs();
    format!("{sign}{}.{}", t / 10, t % 10)
}

/// An axis address in hex; the end of the highest block is 2^64.
pub(crate) fn hex(a: u128) -> String {
    if a > u64::MAX as u128 {
        "2^64".to_string()
    } else {
        format!("{a:#x}")
    }
}

fn xs(x: f64) -> f64 {
    x + GUTTER
}

/// The table rows: one per real level below the pgd, top to bottom.
pub struct Rows {
    /// The levels, in row order.
    pub levels: Vec<Level>,
}

impl Rows {
    /// The rows of an arch.
    pub fn new(arch: &Arch) -> Self {
        Rows {
            levels: arch.real_levels().filter(|l| *l != Level::Pgd).collect(),
        }
    }

    /// The top of a level's row.
    pub fn y(&self, level: Level) -> Option<f64> {
        let i = self.levels.iter().position(|l| *l == level)?;
        Some(Y_ROWS + i as f64 * (ROW_H + 3.0))
    }

    /// The top of the flush row, under the table rows.
    pub fn flush_y(&self) -> f64 {
        Y_ROWS + self.levels.len() as f64 * (ROW_H + 3.0) + 2.0
    }
}

/// Segment backgrounds, level ticks and edge labels.
pub fn segments(arch: &Arch, ax: &Axis) -> Html {
    let mut out = Vec::new();
    for (i, sg) in ax.segments.iter().enumerate() {
        out.push(html! {
            <rect class="seg" data-start={hex(sg.start)} data-end={hex(sg.end)} data-index={i.to_string()}
                x={px(xs(sg.x0))} y="18" width={px((sg.x1 - sg.x0).max(0.5))} height={px(H - 36.0)} />
        });
        for (level, at) in ticks(arch, sg.start, sg.end, 48) {
            let (h, cls) = match level {
                Level::Pgd => (20.0, "tick pgd"),
                Level::Pud => (14.0, "tick pud"),
                _ => (8.0, "tick pmd"),
            };
            // Skip PMD ticks closer than 2 units (they would be a grey smear).
            let spacing =
                (sg.x1 - sg.x0) * (arch.size(level) as f64) / ((sg.end - sg.start) as f64);
            if spacing < 2.0 && level == Level::Pmd {
                continue;
            }
            for a in at {
                let x = xs(sg.x(a));
                out.push(html! { <line class={cls} x1={px(x)} x2={px(x)} y1={px(Y_VMA - h)} y2={px(Y_VMA + H_VMA)}>
                    <title>{ format!("{} boundary {:#x}", level_size_name(level), a) }</title></line> });
            }
        }
        out.push(
            html! { <text class="edge" x={px(xs(sg.x0 + 1.0))} y="12">{ hex(sg.start) }</text> },
        );
        if sg.x1 - sg.x0 > 90.0 || i + 1 == ax.segments.len() {
            out.push(html! { <text class="edge" text-anchor="end" x={px(xs(sg.x1 - 1.0))} y={px(H - 6.0)}>{ hex(sg.end) }</text> });
        }
    }
    out.into_iter().collect()
}

/// The collapsed stretches, the sparc64 hole among them.
pub fn breaks(ax: &Axis) -> Html {
    ax.breaks.iter().map(|b| {
        let x = xs(b.x0);
        let w = b.x1 - b.x0;
        let label = if b.hole { "VA hole".to_string() } else { format!("⋯ {}", human_size(b.end - b.start)) };
        html! { <g class={classes!("break", b.hole.then_some("hole"))}>
            <rect x={px(x)} y="18" width={px(w)} height={px(H - 36.0)} />
            <path d={format!("M{} 20 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 M{} 20 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8 l6 8 l-6 8", px(x + w / 2.0 - 5.0), px(x + w / 2.0 + 1.0))} />
            <text x={px(x + w / 2.0)} y={px(H - 20.0)} text-anchor="middle" class="break-label">{ label }</text>
            <title>{ format!("{} [{}, {}) collapsed ({})", if b.hole { "the sparc64 VA hole" } else { "empty" }, hex(b.start), hex(b.end), human_size(b.end - b.start)) }</title>
        </g> }
    }).collect()
}

/// The smallest width a vma or a table is drawn with, in view units: a 4 KiB vma in a
/// 128 TiB space still shows as a mark.
const MIN_W: f64 = 3.0;

/// `(x0, width)` of a piece, widened about its middle to [`MIN_W`].
fn visible(x0: f64, x1: f64) -> (f64, f64) {
    let w = x1 - x0;
    if w >= MIN_W {
        (x0, w)
    } else {
        ((x0 + x1) / 2.0 - MIN_W / 2.0, MIN_W)
    }
}

/// The label a narrow vma or table shows on hover or keyboard focus: its bounds, above the
/// axis (style.css shows it for `:hover` and `:focus`).
fn focus_label(x: f64, text: &str) -> Html {
    let w = text.chars().count() as f64 * 5.6 + 8.0;
    // max/min, not f64::clamp: clamp's assert formats its bounds with Debug, and that alone
    // brought the float-formatting code (about 14 KB) into the wasm.
    let left = (x - w / 2.0).max(GUTTER).min((super::W - w).max(GUTTER));
    html! { <g class="focus-label" aria-hidden="true">
        <rect x={px(left)} y="1" width={px(w)} height="14" rx="2" />
        <text x={px(left + 4.0)} y="11">{ text.to_string() }</text>
    </g> }
}

/// The vmas, clustered where too small to draw one by one.
pub fn vmas(mm: &Mm, ax: &Axis) -> Html {
    let vmas: Vec<&freepgt::Vma> = mm.vmas().iter().collect();
    let mut pieces = Vec::new();
    for (i, v) in vmas.iter().enumerate() {
        for (x0, x1) in ax.pieces(v.start.as_u64() as u128, v.end.as_u64() as u128) {
            pieces.push((x0, x1, i));
        }
    }
    cluster(pieces, 1.0).into_iter().map(|(x0, x1, n, i)| {
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
        // Narrower than a few units: still a visible mark, centred on the vma.
        let (x0, w) = visible(x0, x1);
        html! { <g class="vma" data-rove="" tabindex="-1" aria-label={tip.clone()}>
            <rect x={px(xs(x0))} y={px(Y_VMA)} width={px(w)} height={px(H_VMA)} />
            <title>{ tip.clone() }</title>
            if w <= 70.0 { { focus_label(xs(x0 + w / 2.0), &tip) } }
            if w > 34.0 { <text x={px(xs(x0 + 2.0))} y={px(Y_VMA + 12.0)}>{ if name.is_empty() { "vma".to_string() } else { name.clone() } }</text> }
            if w > 70.0 { <text class="bounds" x={px(xs(x0 + 2.0))} y={px(Y_VMA + 23.0)}>{ v.start.to_string() }</text>
                         <text class="bounds" x={px(xs(x0 + 2.0))} y={px(Y_VMA + 31.0)}>{ format!("– {}", v.end) }</text> }
        </g> }
    }).collect()
}

fn flatten<'a>(nodes: &'a [Node], out: &mut Vec<&'a Node>) {
    for n in nodes {
        out.push(n);
        flatten(&n.children, out);
    }
}

/// The tables, one row per level, coloured (and titled) by status; click to explain.
pub fn tables(rows: &Rows, tree: &Tree, ax: &Axis, d: &Dispatch) -> Html {
    let mut all = Vec::new();
    flatten(&tree.roots, &mut all);
    flatten(&tree.leaked, &mut all);
    // Each table's pieces, by row and status, in one pass over the (thousands of) tables.
    let mut by_row: Vec<[Vec<(f64, f64, usize)>; Status::ALL.len()]> =
        rows.levels.iter().map(|_| Default::default()).collect();
    for (i, t) in all.iter().enumerate() {
        let Some(li) = rows.levels.iter().position(|l| *l == t.level) else {
            continue;
        };
        let si = Status::ALL.iter().position(|s| *s == t.status).unwrap_or(0);
        let (a, b) = t.extent();
        by_row[li][si].extend(ax.pieces(a, b).into_iter().map(|(x0, x1)| (x0, x1, i)));
    }
    let mut out = Vec::new();
    for (li, level) in rows.levels.iter().enumerate() {
        let y = rows.y(*level).unwrap_or(Y_ROWS);
        // A level whose tables belong to the pgd (PAE's pmds) says so on its row.
        let owned = all.iter().any(|t| t.level == *level && t.owned_by_pgd);
        // The label column fits about six characters: the long form goes in the tooltip.
        let (label, title) = if owned {
            (
                format!("{}*", level.name()),
                Some(format!(
                    "{} tables: part of the pgd (allocated with it, never freed by free_pgtables)",
                    level.name()
                )),
            )
        } else {
            (level.name().to_string(), None)
        };
        out.push(html! { <text class="row-label" data-level={level.name()} x="2" y={px(y + 8.0)}>{ label }{ for title.map(|t| html! { <title>{ t }</title> }) }</text> });
        for (status, pieces) in Status::ALL.into_iter().zip(std::mem::take(&mut by_row[li])) {
            for (x0, x1, n, i) in cluster(pieces, 0.5) {
                let t = all[i];
                let key = t.key();
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
                let (x0, w) = visible(x0, x1);
                out.push(html! { <g class={classes!("tbl", format!("st-{}", status.word()))} data-rove="" tabindex="-1" aria-label={tip.clone()}
                    onclick={move |e: MouseEvent| { e.stop_propagation(); d.dispatch(Action::Inspect(Some(key))) }}
                    onmousedown={|e: MouseEvent| e.stop_propagation()}>
                    <rect x={px(xs(x0))} y={px(y)} width={px(w)} height={px(ROW_H)} />
                    <title>{ tip.clone() }</title>
                    if w <= 70.0 { { focus_label(xs(x0 + w / 2.0), &tip) } }
                </g> });
            }
        }
    }
    out.into_iter().collect()
}

/// The `flush_tlb_pgtables` ranges of the last op drawn (as of event `upto`: those made so
/// far).
pub fn flushes(rows: &Rows, sim: &Sim, upto: Option<usize>, ax: &Axis) -> Html {
    let fy = rows.flush_y();
    let events = sim.last().map_or(&[][..], |l| &l.outcome.events[..]);
    let n = upto.map_or(events.len(), |i| (i + 1).min(events.len()));
    let calls = events[..n].iter().filter_map(|e| match e {
        Event::Flush(f) => Some(*f),
        _ => None,
    });
    let bars = calls.flat_map(|f| {
        let (a, b) = (f.start.as_u64() as u128, f.end.as_u64() as u128);
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        ax.pieces(a, b).into_iter().map(move |(x0, x1)| html! {
            <rect class="flush" x={px(xs(x0))} y={px(fy)} width={px((x1 - x0).max(1.5))} height="7">
                <title>{ format!("flush_tlb_pgtables({}, {})", f.start, f.end) }</title></rect>
        })
    });
    html! { <>
        <text class="row-label" x="2" y={px(fy + 7.0)}>{ "flush" }</text>
        { for bars }
    </> }
}
