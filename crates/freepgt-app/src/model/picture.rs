//! The event-exact picture: the page tables as of one event of an op's trace. Derived from
//! the mm before the op and the trace's events up to that one (no second simulation): the
//! tables the trace has allocated so far are new, those it has freed so far are freed, those
//! it walked and kept are kept, and a table whose parent is freed while it still hangs there
//! is leaked; a table freed at a later event is still drawn live.

use super::tree::{assemble, gone, live_base, Node, Nodes, Status, Tree};
use crate::sort::CollectBTree;
use freepgt::{Event, Mm, TableKey};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// The tables around one op, computed once per op so that each event's picture only applies
/// the events up to it: every table live before the op (with the status the op leaves a
/// still-linked table in) and every table live after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Around {
    arch: &'static freepgt::Arch,
    before: Nodes,
    after: Rc<Nodes>,
}

impl Around {
    /// The tables around the op that ran on `before` and left `after`.
    pub fn new(before: &Rc<Mm>, after: &Rc<Mm>) -> Self {
        let mut nodes = (*live_base(before)).clone();
        let now = live_base(after);
        // An op maps or detaches its vmas before it frees anything: a table it leaves
        // orphaned (or gives a vma again) is so from its first event on.
        let linked = |s: Status| matches!(s, Status::Live | Status::Orphan);
        for n in nodes.iter_mut() {
            match now.get(&n.key()) {
                Some(a) if linked(a.status) && linked(n.status) => n.status = a.status,
                _ => {}
            }
        }
        Around {
            arch: before.arch(),
            before: nodes,
            after: now,
        }
    }

    /// The tree as of event `upto` of `events` (the op's trace).
    pub fn at(&self, events: &[Event], upto: usize) -> Tree {
        let arch = self.arch;
        let mut nodes = self.before.clone();
        // Tables the trace allocates (or names) that were not there before the op.
        let mut added: BTreeMap<TableKey, Node> = BTreeMap::new();
        for e in events.iter().take(upto.saturating_add(1)) {
            let Some(key) = e.table() else { continue };
            let status = match e {
                Event::TableAllocated { .. } => Status::New,
                Event::TableFreed { .. } => Status::Freed,
                Event::TableKept { .. } | Event::FreeOwnedByPgd { .. } => Status::Kept,
                _ => continue,
            };
            let here = match nodes.get_mut(&key) {
                Some(n) => Some(n),
                None => added.get_mut(&key),
            };
            match (here, status) {
                (Some(n), Status::Freed) => {
                    n.status = Status::Freed;
                    n.used = 0;
                }
                // An orphan or leaked table walked and kept keeps its more telling status.
                (Some(n), Status::Kept) if n.status == Status::Live => n.status = Status::Kept,
                (Some(_), _) => {}
                (None, Status::New) => {
                    // As the op leaves it (an orphan or leaked table says so), else new.
                    let node = match self.after.get(&key) {
                        Some(n) if n.status == Status::Live => Node {
                            status: Status::New,
                            ..n.clone()
                        },
                        Some(n) => n.clone(),
                        None => gone(arch, key, Status::New),
                    };
                    added.insert(key, node);
                }
                (None, status) => {
                    added.insert(key, gone(arch, key, status));
                }
            }
        }
        nodes.add(added.into_values());
        leak_under_freed(arch, &mut nodes);
        assemble(arch, nodes)
    }
}

/// The tree as of event `upto` of `events`, the trace of the op that ran on `before` and left
/// `after` (whose used-entry counts a newly allocated table shows).
pub fn tree_at(before: &Rc<Mm>, after: &Rc<Mm>, events: &[Event], upto: usize) -> Tree {
    Around::new(before, after).at(events, upto)
}

/// A table still hanging under a freed table is leaked from that moment (the kernel freed
/// its parent without looking at it).
fn leak_under_freed(arch: &freepgt::Arch, nodes: &mut Nodes) {
    let freed: BTreeSet<TableKey> = nodes
        .iter()
        .filter(|n| n.status == Status::Freed)
        .map(Node::key)
        .collect_btree();
    if freed.is_empty() {
        return;
    }
    for node in nodes.iter_mut() {
        if node.status == Status::Freed {
            continue;
        }
        let mut level = node.level;
        while let Some(up) = arch.parent_level(level) {
            let parent = TableKey {
                level: up,
                base: node.base.mask(arch.table_mask(up)),
            };
            if freed.contains(&parent) {
                node.status = Status::Leaked;
                break;
            }
            level = up;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tree::tree;
    use crate::state::Sim;
    use freepgt::{Level, VirtAddr};

    fn preset(id: &str) -> Sim {
        Sim::from_text(&freepgt::presets::find(id).unwrap().text()).unwrap()
    }

    fn flat(t: &Tree) -> BTreeMap<TableKey, Status> {
        fn walk(n: &Node, out: &mut BTreeMap<TableKey, Status>) {
            out.insert(n.key(), n.status);
            n.children.iter().for_each(|c| walk(c, out));
        }
        let mut out = BTreeMap::new();
        t.roots
            .iter()
            .chain(&t.leaked)
            .for_each(|n| walk(n, &mut out));
        out
    }

    fn key(level: Level, base: u64) -> TableKey {
        TableKey {
            level,
            base: VirtAddr::new(base),
        }
    }

    /// The tree at every event of `sim`'s op `op`.
    fn snapshots(sim: &Sim, op: usize) -> Vec<BTreeMap<TableKey, Status>> {
        let before = sim.prefix(op).unwrap();
        let after = sim.prefix(op + 1).unwrap();
        let events = &sim.outcomes[op].events;
        (0..events.len())
            .map(|i| {
                flat(&tree_at(
                    before.mm.as_ref().unwrap(),
                    after.mm.as_ref().unwrap(),
                    events,
                    i,
                ))
            })
            .collect()
    }

    #[test]
    fn at_keep_pmd_the_pmd_is_kept_and_the_later_pte_not_yet_freed() {
        let sim = preset("gather");
        let op = sim.ops.len() - 1;
        let events = &sim.outcomes[op].events;
        let i = events
            .iter()
            .position(|e| e.to_string().starts_with("keep pmd table 0x0"))
            .unwrap();
        let at = &snapshots(&sim, op)[i];
        assert_eq!(at[&key(Level::Pmd, 0)], Status::Kept);
        assert_eq!(at[&key(Level::Pte, 0x400000)], Status::Freed);
        assert_eq!(at[&key(Level::Pte, 0x600000)], Status::Freed);
        // Freed at a later event: still live here.
        assert_eq!(at[&key(Level::Pte, 0xa00000)], Status::Live);
        assert_eq!(at[&key(Level::Pud, 0)], Status::Live);
        // At the end everything is freed, as the op-as-a-whole tree says.
        let last = snapshots(&sim, op).pop().unwrap();
        assert_eq!(
            last.values().filter(|s| **s == Status::Freed).count(),
            5,
            "{last:?}"
        );
    }

    #[test]
    fn every_snapshot_frees_exactly_the_tables_freed_so_far() {
        for p in freepgt::presets::ALL.iter().filter(|p| p.id != "large") {
            let sim = preset(p.id);
            for op in 0..sim.ops.len() {
                let events = &sim.outcomes[op].events;
                let snaps = snapshots(&sim, op);
                let mut freed = BTreeSet::new();
                for (i, snap) in snaps.iter().enumerate() {
                    if let Event::TableFreed { .. } = events[i] {
                        freed.insert(events[i].table().unwrap());
                    }
                    let drawn: BTreeSet<TableKey> = snap
                        .iter()
                        .filter(|(_, s)| **s == Status::Freed)
                        .map(|(k, _)| *k)
                        .collect();
                    assert_eq!(drawn, freed, "{} op {op} event {i}", p.id);
                }
                // The last event's picture has the end state's statuses for every table
                // still allocated (kept ones aside, which the end state draws live).
                if let Some(last) = snaps.last() {
                    let end = flat(&tree(&sim.prefix(op + 1).unwrap()));
                    for (k, s) in &end {
                        let at = last.get(k).copied();
                        let same =
                            at == Some(*s) || (at == Some(Status::Kept) && *s == Status::Live);
                        assert!(same, "{} op {op}: {k} {at:?} vs {s:?}", p.id);
                    }
                }
            }
        }
    }
}
