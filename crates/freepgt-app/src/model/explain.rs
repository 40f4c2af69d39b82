//! Why a table was freed or kept: the trace events about it, with their context.

use crate::state::Sim;
use freepgt::{Event, Mm, TableKey};

/// Why the last operation freed or kept a table: the trace events about it, with the
/// `free_pgd_range` call (and its trims) that decided it. Lines carry their depth.
pub fn explain(sim: &Sim, key: TableKey) -> Vec<(usize, String)> {
    let Some(last) = sim.last() else {
        return vec![(0, "No operation yet.".into())];
    };
    let about = |e: &Event| e.table() == Some(key);
    let mut out = Vec::new();
    let mut context: Vec<&Event> = Vec::new();
    let mut shown_context = false;
    for e in &last.outcome.events {
        match e {
            Event::FreePgdRange { .. }
            | Event::ClearPageRange { .. }
            | Event::OldFreePgtables { .. } => {
                context.clear();
                context.push(e);
                shown_context = false;
            }
            Event::FloorTrim { .. }
            | Event::CeilingMasked { .. }
            | Event::CeilingTrim { .. }
            | Event::Walk { .. } => context.push(e),
            _ => {}
        }
        if about(e) {
            if !shown_context {
                out.extend(context.iter().map(|c| (c.depth(), c.to_string())));
                shown_context = true;
            }
            out.push((e.depth(), e.to_string()));
        }
    }
    if out.is_empty() {
        out.push((
            0,
            format!(
                "The last operation ({}) did not walk the {key}: it stays.",
                last.op,
            ),
        ));
    }
    out
}

/// The live table counts, or zeros.
pub fn counts(mm: Option<&Mm>) -> freepgt::TableCounts {
    mm.map(|m| m.counts()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use freepgt::{Level, VirtAddr};

    #[test]
    fn a_kept_table_is_explained_by_its_test_in_context() {
        let sim = Sim::from_text(&freepgt::presets::find("gather").unwrap().text()).unwrap();
        let why = explain(
            &sim,
            TableKey {
                level: Level::Pmd,
                base: VirtAddr::ZERO,
            },
        );
        assert!(why.iter().any(|(_, l)| l.contains("PUD_MASK")), "{why:?}");
        assert!(why[0].1.starts_with("free_pgd_range("), "{why:?}");
    }
}
