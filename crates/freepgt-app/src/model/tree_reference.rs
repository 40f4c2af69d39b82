//! The tree and the event-exact picture as first written, with B-tree maps of every table:
//! slow on big address spaces, plain to read. The tests check the fast ones against it on
//! every preset, after every op and at every event of it.

use super::tree::{Node, Status, Tree};
use crate::state::Sim;
use freepgt::report::freed_tables;
use freepgt::{Arch, Event, Level, Mm, TableKey};
use std::collections::{BTreeMap, BTreeSet};

fn live_nodes(mm: &Mm, new: &BTreeSet<TableKey>) -> BTreeMap<TableKey, Node> {
    let orphans: BTreeSet<TableKey> = mm
        .orphans()
        .iter()
        .map(|t| TableKey {
            level: t.level,
            base: t.base,
        })
        .collect();
    mm.page_tables()
        .all_live()
        .into_iter()
        .map(|t| {
            let key = TableKey {
                level: t.level,
                base: t.base,
            };
            let status = if !t.reachable {
                Status::Leaked
            } else if orphans.contains(&key) {
                Status::Orphan
            } else if new.contains(&key) {
                Status::New
            } else {
                Status::Live
            };
            let node = Node {
                level: t.level,
                base: t.base,
                span: t.span,
                used: t.used,
                entries: t.entries,
                status,
                owned_by_pgd: t.owned_by_pgd,
                parent: t.parent,
                children: Vec::new(),
            };
            (key, node)
        })
        .collect()
}

fn gone(arch: &Arch, key: TableKey, status: Status) -> Node {
    super::tree::gone(arch, key, status)
}

/// The tree of the current mm plus the tables the last op freed.
pub fn tree(sim: &Sim) -> Tree {
    let Some(mm) = &sim.mm else {
        return Tree::default();
    };
    let arch = mm.arch();
    let (freed, new) = match sim.last() {
        Some(last) => (
            freed_tables(last.outcome),
            last.outcome
                .events
                .iter()
                .filter(|e| matches!(e, Event::TableAllocated { .. }))
                .filter_map(Event::table)
                .collect(),
        ),
        None => (Vec::new(), BTreeSet::new()),
    };
    let mut nodes = live_nodes(mm, &new);
    for (level, base) in freed {
        let key = TableKey { level, base };
        nodes
            .entry(key)
            .or_insert_with(|| gone(arch, key, Status::Freed));
    }
    assemble(arch, nodes)
}

fn assemble(arch: &Arch, nodes: BTreeMap<TableKey, Node>) -> Tree {
    let mut order: Vec<TableKey> = nodes.keys().copied().collect();
    order.sort_by_key(|k| (u8::MAX - k.level as u8, k.base));
    let mut by_key = nodes;
    let mut out = Tree::default();
    for k in order {
        let Some(node) = by_key.remove(&k) else {
            continue;
        };
        let by_address = || {
            let pl = arch.parent_level(node.level).filter(|l| *l != Level::Pgd)?;
            Some(TableKey {
                level: pl,
                base: node.base.mask(arch.table_mask(pl)),
            })
        };
        let parent_key = match node.status {
            Status::Freed | Status::Leaked => by_address(),
            _ => node.parent,
        };
        let attached = match parent_key.and_then(|pk| by_key.get_mut(&pk)) {
            Some(parent) if node.status != Status::Leaked || parent.status == Status::Freed => {
                parent.children.push(node);
                None
            }
            _ => Some(node),
        };
        if let Some(node) = attached {
            if node.status == Status::Leaked {
                out.leaked.push(node);
            } else {
                out.roots.push(node);
            }
        }
    }
    fn sort(v: &mut [Node]) {
        v.sort_by_key(|n| n.base);
        for n in v.iter_mut() {
            sort(&mut n.children);
        }
    }
    sort(&mut out.roots);
    sort(&mut out.leaked);
    out
}

/// The tree as of event `upto` of `events`, the trace of the op that ran on `before` and
/// left `after`.
pub fn tree_at(before: &Mm, after: &Mm, events: &[Event], upto: usize) -> Tree {
    let arch = before.arch();
    let mut nodes = live_nodes(before, &BTreeSet::new());
    let now = live_nodes(after, &BTreeSet::new());
    let linked = |s: Status| matches!(s, Status::Live | Status::Orphan);
    for (key, n) in nodes.iter_mut() {
        match now.get(key) {
            Some(a) if linked(a.status) && linked(n.status) => n.status = a.status,
            _ => {}
        }
    }
    for e in events.iter().take(upto.saturating_add(1)) {
        let Some(key) = e.table() else { continue };
        let status = match e {
            Event::TableAllocated { .. } => Status::New,
            Event::TableFreed { .. } => Status::Freed,
            Event::TableKept { .. } | Event::FreeOwnedByPgd { .. } => Status::Kept,
            _ => continue,
        };
        match (nodes.get_mut(&key), status) {
            (Some(n), Status::Freed) => {
                n.status = Status::Freed;
                n.used = 0;
            }
            (Some(n), Status::Kept) if n.status == Status::Live => n.status = Status::Kept,
            (Some(_), _) => {}
            (None, Status::New) => {
                let node = match now.get(&key) {
                    Some(n) if n.status == Status::Live => Node {
                        status: Status::New,
                        ..n.clone()
                    },
                    Some(n) => n.clone(),
                    None => gone(arch, key, Status::New),
                };
                nodes.insert(key, node);
            }
            (None, status) => {
                nodes.insert(key, gone(arch, key, status));
            }
        }
    }
    let freed: BTreeSet<TableKey> = nodes
        .iter()
        .filter(|(_, n)| n.status == Status::Freed)
        .map(|(k, _)| *k)
        .collect();
    for (key, node) in nodes.iter_mut() {
        if freed.is_empty() || node.status == Status::Freed {
            continue;
        }
        let mut level = key.level;
        while let Some(up) = arch.parent_level(level) {
            let parent = TableKey {
                level: up,
                base: key.base.mask(arch.table_mask(up)),
            };
            if freed.contains(&parent) {
                node.status = Status::Leaked;
                break;
            }
            level = up;
        }
    }
    assemble(arch, nodes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::picture::Around;
    use std::rc::Rc;

    /// Every preset (those with leaked and orphan tables, on each arch), the large one with
    /// 60 vmas instead of 3,000.
    fn scenarios() -> Vec<Sim> {
        let mut v: Vec<Sim> = freepgt::presets::ALL
            .iter()
            .filter(|p| p.id != "large")
            .map(|p| Sim::from_text(&p.text()).unwrap())
            .collect();
        v.push(Sim::from_text(&freepgt::presets::large_process(60)).unwrap());
        v
    }

    #[test]
    fn the_tree_is_the_reference_tree_after_every_op() {
        let mut trees = 0;
        for sim in scenarios() {
            for n in 0..=sim.ops.len() {
                let p = sim.prefix(n).unwrap();
                assert_eq!(crate::model::tree(&p), tree(&p), "{}", p.text);
                trees += 1;
            }
        }
        assert!(trees > 100, "{trees}");
    }

    #[test]
    fn the_picture_is_the_reference_picture_at_every_event() {
        let mut pictures = 0;
        let mut leaked = 0;
        for sim in scenarios() {
            for op in 0..sim.ops.len() {
                let before = sim.prefix(op).unwrap();
                let after = sim.prefix(op + 1).unwrap();
                let (b, a): (&Rc<Mm>, &Rc<Mm>) =
                    (before.mm.as_ref().unwrap(), after.mm.as_ref().unwrap());
                let around = Around::new(b, a);
                let events = &sim.outcomes[op].events;
                for i in 0..events.len() {
                    let want = tree_at(b, a, events, i);
                    leaked += want.leaked.len();
                    assert_eq!(around.at(events, i), want, "{} op {op} event {i}", sim.text);
                    pictures += 1;
                }
            }
        }
        assert!(pictures > 1000, "{pictures}");
        assert!(leaked > 0, "some picture has leaked tables");
    }
}
