//! The commit message's cases: sparc64's flush cost at PMD vs PGDIR granularity, and which
//! preset a scenario is.

use crate::state::Sim;
use freepgt::flush::flush_at_granularity;
use freepgt::{Arch, Event, FlushCall, Level};

/// Each `flush_tlb_pgtables` call of an op (in kernel order) at PMD granularity (what 2.6.12
/// does) and at PGDIR granularity (the commit message's question).
pub fn flush_granularities(arch: &Arch, events: &[Event]) -> Vec<(FlushCall, FlushCall)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Flush(c) => Some((
                flush_at_granularity(arch, c.start, c.end, Level::Pmd),
                flush_at_granularity(arch, c.start, c.end, Level::Pgd),
            )),
            _ => None,
        })
        .collect()
}

/// The preset this sim is, if its canonical text equals a preset's.
///
/// Called on every scenario change, so it must be cheap on a big scenario: each preset's
/// command count and canonical text are computed once per page and cached, and only presets
/// with as many commands as the sim are compared.
pub fn preset_of(sim: &Sim) -> Option<&'static freepgt::presets::Preset> {
    use std::cell::RefCell;
    /// Per preset: its text's command count, and its canonical text once it was needed.
    type Entry = (usize, String, Option<String>);
    thread_local! {
        static CACHE: RefCell<Vec<Option<Entry>>> = const { RefCell::new(Vec::new()) };
    }
    let commands = sim.header_lines() + sim.ops.len();
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.resize(freepgt::presets::ALL.len(), None);
        freepgt::presets::ALL.iter().enumerate().find_map(|(i, p)| {
            let (n, text, canonical) = c[i].get_or_insert_with(|| {
                let text = p.text();
                let n = text
                    .lines()
                    .filter(|l| !l.split('#').next().unwrap_or("").trim().is_empty())
                    .count();
                (n, text, None)
            });
            if *n != commands {
                return None;
            }
            let canonical = canonical.get_or_insert_with(|| {
                freepgt::Scenario::parse(text).map_or(String::new(), |s| s.to_text())
            });
            (*canonical == sim.text).then_some(p)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_recognised_and_sparc64_flushes_compare_granularities() {
        let sim =
            Sim::from_text(&freepgt::presets::find("sparc64-hole-edge").unwrap().text()).unwrap();
        assert_eq!(preset_of(&sim).map(|p| p.id), Some("sparc64-hole-edge"));
        let arch = sim.arch().unwrap();
        let any_swap = sim.outcomes.iter().any(|o| {
            flush_granularities(arch, &o.events)
                .iter()
                .any(|(p, _)| p.vpte.unwrap().swapped)
        });
        assert!(any_swap);
        assert!(preset_of(&Sim::from_text("arch x86_64\n").unwrap()).is_none());
    }
}
