//! The page-table tree: pgd → pud → pmd → pte with each table's status, and runs of similar
//! siblings merged as ptdump merges them.

use crate::state::Sim;
use freepgt::report::freed_tables;
use freepgt::{Arch, Event, Level, Mm, TableKey, VirtAddr};
// B-tree maps rather than hash maps: the core already links the B-tree code, and hashbrown
// would add ~15 KB to the wasm.
use crate::sort::CollectBTree;
use std::collections::{BTreeMap, BTreeSet};

/// What a table in the tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Linked and covering a vma.
    Live,
    /// Allocated by the last operation.
    New,
    /// Linked in the tree but its span meets no vma (`orphan` in the report).
    Orphan,
    /// Still allocated but no longer reachable: its parent was freed under it.
    Leaked,
    /// Freed by the last operation (shown until the next one).
    Freed,
    /// Walked by the operation stepped through and kept (by a floor or ceiling test).
    Kept,
}

impl Status {
    /// Every status, in the order the axis draws them (freed on top).
    pub const ALL: [Status; 6] = [
        Status::Live,
        Status::Kept,
        Status::New,
        Status::Orphan,
        Status::Leaked,
        Status::Freed,
    ];

    /// A short word that does not rely on colour.
    pub fn word(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::New => "new",
            Status::Orphan => "orphan",
            Status::Leaked => "leaked",
            Status::Freed => "freed",
            Status::Kept => "kept",
        }
    }

    /// An icon (besides colour and the word).
    pub fn icon(self) -> &'static str {
        match self {
            Status::Live => "■",
            Status::New => "+",
            Status::Orphan => "⚠",
            Status::Leaked => "☠",
            Status::Freed => "✕",
            Status::Kept => "●",
        }
    }
}

/// One table in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its level.
    pub level: Level,
    /// Its base.
    pub base: VirtAddr,
    /// What its parent entry maps.
    pub span: u64,
    /// Used entries (present ptes, or lower tables); 0 for a freed table.
    pub used: u32,
    /// Entries per table.
    pub entries: u64,
    /// Status.
    pub status: Status,
    /// Part of the pgd (i386 PAE's pmd tables: allocated with it, never freed by a walk).
    pub owned_by_pgd: bool,
    /// The table whose entry points at it, as the arena links it (`None` under the pgd, for a
    /// leaked table, and for a freed one, which is no longer linked).
    pub parent: Option<TableKey>,
    /// Lower tables, by base.
    pub children: Vec<Node>,
}

impl Node {
    /// Its key.
    pub fn key(&self) -> TableKey {
        TableKey {
            level: self.level,
            base: self.base,
        }
    }

    /// `[base, base + span)` as axis coordinates (the span of the highest table reaches 2^64).
    pub fn extent(&self) -> (u128, u128) {
        let b = self.base.as_u64() as u128;
        (b, b + self.span as u128)
    }
}

/// The tree: the pgd's children (pud tables, or pmd tables on sparc64), then the leaked
/// tables, whose parents are gone, as extra roots.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Tree {
    /// Tables under the pgd (with freed ones of the last op mixed in).
    pub roots: Vec<Node>,
    /// Unreachable tables.
    pub leaked: Vec<Node>,
}

/// The keys of the tables an op allocated (by a fault).
fn allocated(events: &[Event]) -> BTreeSet<TableKey> {
    events
        .iter()
        .filter(|e| matches!(e, Event::TableAllocated { .. }))
        .filter_map(Event::table)
        .collect_btree()
}

/// Every live table of `mm` as a node: leaked if unreachable, orphan if no vma leads to it,
/// new if in `new`, else live.
pub(crate) fn live_nodes(mm: &Mm, new: &BTreeSet<TableKey>) -> BTreeMap<TableKey, Node> {
    let orphans: BTreeSet<TableKey> = mm
        .orphans()
        .iter()
        .map(|t| TableKey {
            level: t.level,
            base: t.base,
        })
        .collect_btree();
    // all_live() is in key order: inserting one by one costs what collect()'s sort would.
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
        .collect_btree()
}

/// A node for a table the arena no longer has (freed): its span and size from the arch.
pub(crate) fn gone(arch: &Arch, key: TableKey, status: Status) -> Node {
    Node {
        level: key.level,
        base: key.base,
        span: arch.table_span(key.level),
        used: 0,
        entries: arch.ptrs(key.level),
        status,
        owned_by_pgd: false,
        parent: None,
        children: Vec::new(),
    }
}

/// Builds the tree of the current mm plus the tables the last op freed.
pub fn tree(sim: &Sim) -> Tree {
    let Some(mm) = &sim.mm else {
        return Tree::default();
    };
    let arch = mm.arch();
    let (freed, new) = match sim.last() {
        Some(last) => (freed_tables(last.outcome), allocated(&last.outcome.events)),
        None => (Vec::new(), BTreeSet::new()),
    };
    let mut nodes = live_nodes(mm, &new);
    for (level, base) in freed {
        let key = TableKey { level, base };
        // A table freed and allocated again by the same op (a driver's fault after a free)
        // shows as it is now.
        nodes
            .entry(key)
            .or_insert_with(|| gone(arch, key, Status::Freed));
    }
    assemble(arch, nodes)
}

/// Nests the nodes: a linked table under the table the arena links it to; a freed or leaked
/// one, no longer linked, under the table whose span holds it at the level above (a freed
/// table's children were freed before it, or leaked with it). The pgd's children, and leaked
/// tables whose parent is not drawn, are roots.
pub(crate) fn assemble(arch: &Arch, nodes: BTreeMap<TableKey, Node>) -> Tree {
    // Attach bottom-up: deepest level first.
    let mut order: Vec<TableKey> = nodes.keys().copied().collect();
    crate::sort::sort_by_key(&mut order, |k| {
        (u128::from(u8::MAX - k.level as u8) << 64) | u128::from(k.base.as_u64())
    });
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
    fn sort(v: &mut Vec<Node>) {
        crate::sort::sort_by_key(v, |n| u128::from(n.base.as_u64()));
        for n in v.iter_mut() {
            sort(&mut n.children);
        }
    }
    sort(&mut out.roots);
    sort(&mut out.leaked);
    out
}

/// A run of sibling tables drawn as one row, as ptdump merges similar entries: the same
/// level and status, contiguous spans, no children.
#[derive(Clone, Debug, PartialEq)]
pub enum Row<'a> {
    /// One table.
    One(&'a Node),
    /// Several similar contiguous tables.
    Run(&'a [Node]),
}

/// Groups siblings into rows; runs shorter than `min_run` stay single.
pub fn rows(nodes: &[Node], min_run: usize) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < nodes.len() {
        let mut j = i + 1;
        while j < nodes.len() {
            let (p, n) = (&nodes[j - 1], &nodes[j]);
            let similar = n.level == p.level
                && n.status == p.status
                && p.base.wrapping_add(p.span) == n.base
                && n.children.is_empty() == p.children.is_empty();
            if !similar {
                break;
            }
            j += 1;
        }
        if j - i >= min_run {
            out.push(Row::Run(&nodes[i..j]));
        } else {
            out.extend(nodes[i..j].iter().map(Row::One));
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(id: &str) -> Sim {
        Sim::from_text(&freepgt::presets::find(id).unwrap().text()).unwrap()
    }

    #[test]
    fn the_tree_nests_and_keeps_freed_tables_of_the_last_op() {
        let t = tree(&preset("gather"));
        // Everything was freed: one pud table with one pmd table with three pte tables.
        assert_eq!(t.roots.len(), 1);
        assert_eq!(t.roots[0].status, Status::Freed);
        assert_eq!(t.roots[0].children[0].children.len(), 3);
    }

    #[test]
    fn runs_merge_contiguous_similar_tables() {
        let sim = Sim::from_text(&freepgt::presets::large_process(40)).unwrap();
        let t = tree(&sim);
        let pmd = &t.roots[0].children[0];
        let rows = rows(&pmd.children, 3);
        assert!(rows.len() < pmd.children.len());
    }

    #[test]
    fn leaked_and_orphan_tables_are_flagged() {
        let t = tree(&preset("mmapfail-zapfail"));
        let mut all = Vec::new();
        fn walk<'a>(n: &'a Node, v: &mut Vec<&'a Node>) {
            v.push(n);
            n.children.iter().for_each(|c| walk(c, v));
        }
        t.roots
            .iter()
            .chain(&t.leaked)
            .for_each(|n| walk(n, &mut all));
        assert!(all
            .iter()
            .any(|n| matches!(n.status, Status::Orphan | Status::Leaked)));
    }
}
