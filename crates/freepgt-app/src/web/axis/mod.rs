//! The address-space picture: one SVG axis with empty stretches collapsed, vmas, a row of
//! tables per level, flush ranges, and the current step's bounds and table.

mod layers;
mod overlay;
mod tools;

use super::hooks::use_drag;
use super::Dispatch;
use crate::model::{interesting, Axis, Cursor, Tree};
use crate::state::{Action, Mode, SimRef};
use freepgt::{AddrRange, Arch, Op, VirtAddr};
use layers::Rows;
use std::rc::Rc;
use yew::prelude::*;

/// View width in SVG units.
pub(super) const W: f64 = 1000.0;
/// Left gutter for row labels.
const GUTTER: f64 = 40.0;
const H: f64 = 150.0;

pub(crate) use layers::px;

/// The axis's props: the scenario drawn (up to the op stepped into), its table tree, the
/// step, and the axis's own UI state.
#[derive(Properties, PartialEq)]
pub struct AxisProps {
    /// The scenario drawn.
    pub sim: SimRef,
    /// Its table tree.
    pub tree: Rc<Tree>,
    /// The step shown (its bounds and table are drawn over the axis).
    pub at: Option<Cursor>,
    /// What a drag does.
    pub mode: Mode,
    /// The zoomed range.
    pub zoom: Option<AddrRange>,
    /// The selected range.
    pub selection: Option<AddrRange>,
    /// Dispatches actions.
    pub dispatch: Dispatch,
}

/// `[start, end)` of a range as axis coordinates.
fn span(r: AddrRange) -> (u128, u128) {
    (r.start.as_u64() as u128, r.end.as_u64() as u128)
}

/// What a drag from address `a` to `b` does in `mode`.
fn drop_action(arch: &Arch, mode: Mode, a: u128, b: u128) -> Option<Action> {
    let page = arch.page_size() as u128;
    let start = a / page * page;
    let end = (b.div_ceil(page) * page).max(start + page);
    let end = u64::try_from(end).ok()?;
    let range = AddrRange::new(VirtAddr::new(start as u64), VirtAddr::new(end));
    Some(match mode {
        Mode::AddVma => Action::Push(Op::Vma { range, name: None }),
        Mode::Fault => Action::Push(Op::Touch { addr: range.start }),
        Mode::Select => Action::Select(Some(range)),
        // Zoom goes down to a single page: a 4 KiB vma can fill the picture.
        Mode::Zoom => Action::Zoom(Some(AddrRange::new(
            range.start,
            VirtAddr::new(end.min(arch.task_size)),
        ))),
    })
}

#[function_component(AxisView)]
pub fn axis_view(p: &AxisProps) -> Html {
    let svg_ref = use_node_ref();
    crate::web::rove::use_rove_stop(svg_ref.clone());
    let arch = p.sim.arch();
    let axis = use_memo(
        (p.sim.clone(), p.zoom, p.selection),
        move |(sim, zoom, sel)| {
            let Some(arch) = arch else {
                return Axis::default();
            };
            let top = arch.task_size as u128;
            let hole = arch.hole.map(|(a, b)| (a as u128, b as u128));
            match zoom {
                // Zoomed: the whole zoom range is interesting.
                Some(z) => Axis::layout(&[span(*z)], span(*z).0, span(*z).1, hole, W - GUTTER),
                None => Axis::layout(&interesting(sim, *sel), 0, top, hole, W - GUTTER),
            }
        },
    );
    let on_drop = {
        let (axis, d, mode) = (axis.clone(), p.dispatch.clone(), p.mode);
        Callback::from(move |(xa, xb): (f64, f64)| {
            let (Some(arch), Some(a), Some(b)) = (arch, axis.addr_at(xa), axis.addr_at(xb)) else {
                return;
            };
            if let Some(action) = drop_action(arch, mode, a, b) {
                d.dispatch(action);
            }
        })
    };
    let drag = use_drag(svg_ref.clone(), W, GUTTER, on_drop);
    let (Some(arch), Some(mm)) = (arch, p.sim.mm.as_ref()) else {
        return html! { <p class="muted">{ "Empty scenario: choose an arch to start." }</p> };
    };
    let (lo, hi) = p.zoom.map_or((0, arch.task_size as u128), span);
    let rows = Rows::new(arch);
    let band = |(x0, x1): (f64, f64), class: &'static str| {
        html! { <rect class={class} x={px(x0 + GUTTER)} y="16" width={px((x1 - x0).max(1.0))} height={px(H - 30.0)} /> }
    };
    let sel_html: Html = p
        .selection
        .map(|r| {
            let (a, b) = span(r);
            axis.pieces(a, b)
                .into_iter()
                .map(|x| band(x, "selection"))
                .collect()
        })
        .unwrap_or_default();
    html! {
        <div class="axis-wrap">
            <tools::AxisTools mode={p.mode} zoom={p.zoom} selection={p.selection} dispatch={p.dispatch.clone()} />
            { tools::caption(arch, lo, hi, p.zoom.is_some()) }
            <div class="axis-scroll">
            <svg id="axis" ref={svg_ref} viewBox={format!("0 0 {} {}", px(W), px(H))} role="group" aria-label="address space axis: vmas, page tables by level and flush ranges (↑/↓ move between vmas and tables, each labelled with its bounds)"
                data-rove-list="" onkeydown={crate::web::rove::keydown()} onfocusin={crate::web::rove::focusin()}
                class={classes!(format!("mode-{}", p.mode.id()))}
                onmousedown={drag.onmousedown} onmousemove={drag.onmousemove}
                onmouseup={drag.onmouseup} onmouseleave={drag.onmouseleave}>
                <defs>
                    <pattern id="hatch" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="4" class="hatch-line" />
                    </pattern>
                </defs>
                { layers::segments(arch, &axis) }
                { layers::breaks(&axis) }
                { sel_html }
                { layers::vmas(mm, &axis) }
                { layers::tables(&rows, &p.tree, &axis, &p.dispatch) }
                { layers::flushes(&rows, &p.sim, p.at.and_then(|c| c.event), &axis) }
                { overlay::overlay(&p.sim, p.at, &axis, &rows) }
                { drag.span.map(|x| band(x, "drag")).unwrap_or_default() }
            </svg>
            </div>
            { tools::legend() }
        </div>
    }
}
