//! The current step drawn over the axis: a dashed line per bound (floor, ceiling, addr, end)
//! with its name and value, and an outline around the table the step is about.

use super::layers::{px, Rows, ROW_H};
use super::GUTTER;
use crate::model::{bounds, Axis, Cursor};
use crate::state::Sim;
use yew::prelude::*;

/// Where a bound lies relative to the range drawn (a zoom may leave it outside).
#[derive(Clone, Copy, PartialEq)]
enum Side {
    In,
    Left,
    Right,
}

/// The x of address `a` (a top bound: the right edge; in a break: its middle). A bound left or
/// right of the zoomed range is pinned to that edge, so every bound of the step stays shown.
fn x_of(ax: &Axis, a: u128, top: bool) -> Option<(f64, Side)> {
    let right = ax
        .segments
        .iter()
        .map(|s| s.x1)
        .chain(ax.breaks.iter().map(|b| b.x1))
        .fold(0.0, f64::max);
    if top {
        return Some((right, Side::In));
    }
    if let Some(s) = ax.segments.iter().find(|s| s.start <= a && a <= s.end) {
        return Some((s.x(a), Side::In));
    }
    if let Some(b) = ax.breaks.iter().find(|b| b.start <= a && a < b.end) {
        return Some(((b.x0 + b.x1) / 2.0, Side::In));
    }
    let lo = ax.segments.iter().map(|s| s.start).min()?;
    Some(if a < lo {
        (0.0, Side::Left)
    } else {
        (right, Side::Right)
    })
}

/// The overlay for event `at` of `sim`'s trace (nothing for an op as a whole).
pub fn overlay(sim: &Sim, at: Option<Cursor>, ax: &Axis, rows: &Rows) -> Html {
    let (Some(c), Some(arch)) = (at, sim.arch()) else {
        return Html::default();
    };
    let (Some(i), Some(outcome)) = (c.event, sim.outcomes.get(c.op)) else {
        return Html::default();
    };
    let events = &outcome.events;
    let mut out = Vec::new();
    for (k, b) in bounds(events, i).iter().enumerate() {
        let Some((x, side)) = x_of(ax, b.addr.as_u64() as u128, b.is_top()) else {
            continue;
        };
        let x = x + GUTTER;
        let arrow = match side {
            Side::In => "",
            Side::Left => "◀ ",
            Side::Right => "▶ ",
        };
        let y = 124.0 + (k % 2) as f64 * 9.0;
        let anchor = if x > 900.0 { "end" } else { "start" };
        let tx = if anchor == "end" { x - 2.0 } else { x + 2.0 };
        let name = b.name.name();
        out.push(html! { <g class={classes!("marker", format!("mk-{name}"))} data-name={name} data-addr={format!("{:#x}", b.addr)}>
            <line x1={px(x)} x2={px(x)} y1="16" y2={px(y)} />
            <text x={px(tx)} y={px(y + 7.0)} text-anchor={anchor}>{ format!("{arrow}{name} {:#x}", b.addr) }</text>
            <title>{ b.to_string() }</title>
        </g> });
    }
    if let Some(key) = events.get(i).and_then(|e| e.table()) {
        if let Some(y) = rows.y(key.level) {
            let base = key.base.as_u64() as u128;
            let span = arch.table_span(key.level) as u128;
            for (x0, x1) in ax.pieces(base, base + span) {
                out.push(html! { <rect class="step-hl" x={px(x0 + GUTTER - 1.5)} y={px(y - 2.0)} width={px((x1 - x0).max(1.0) + 3.0)} height={px(ROW_H + 4.0)}>
                    <title>{ format!("this step: {key}") }</title></rect> });
            }
        }
    }
    html! { <g class="step-overlay">{ for out }</g> }
}
