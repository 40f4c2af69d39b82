//! The page-table tree: pgd → pud → pmd → pte with each table's status, and runs of similar
//! siblings merged as ptdump merges them.

use crate::state::Sim;
use freepgt::report::freed_tables;
use freepgt::{Event, Level, TableKey, VirtAddr};
// B-tree maps rather than hash maps: the core already links the B-tree code, and hashbrown
// would add ~15 KB to the wasm.
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
}

impl Status {
    /// Every status, in the order the axis draws them (freed on top).
    pub const ALL: [Status; 5] = [
        Status::Live,
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

/// Builds the tree of the current mm plus the tables the last op freed.
pub fn tree(sim: &Sim) -> Tree {
    let Some(mm) = &sim.mm else {
        return Tree::default();
    };
    let arch = mm.arch();
    let orphans: BTreeSet<TableKey> = mm
        .orphans()
        .iter()
        .map(|t| TableKey {
            level: t.level,
            base: t.base,
        })
        .collect();
    let (freed, allocated): (Vec<TableKey>, BTreeSet<TableKey>) = match sim.last() {
        Some(last) => (
            freed_tables(last.outcome)
                .into_iter()
                .map(|(level, base)| TableKey { level, base })
                .collect(),
            last.outcome
                .events
                .iter()
                .filter_map(|e| match e {
                    Event::TableAllocated { level, base } => Some(TableKey {
                        level: *level,
                        base: *base,
                    }),
                    _ => None,
                })
                .collect(),
        ),
        None => (Vec::new(), BTreeSet::new()),
    };
    let mut flat: Vec<Node> = mm
        .page_tables()
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
            } else if allocated.contains(&key) {
                Status::New
            } else {
                Status::Live
            };
            Node {
                level: t.level,
                base: t.base,
                span: t.span,
                used: t.used,
                entries: t.entries,
                status,
                children: Vec::new(),
            }
        })
        .collect();
    for TableKey { level, base } in freed {
        flat.push(Node {
            level,
            base,
            span: arch.table_span(level),
            used: 0,
            entries: arch.ptrs(level),
            status: Status::Freed,
            children: Vec::new(),
        });
    }
    // Attach bottom-up: deepest level first.
    flat.sort_unstable_by_key(|n| {
        (
            std::cmp::Reverse(n.level),
            n.base,
            n.status == Status::Freed,
        )
    });
    let mut by_key: BTreeMap<TableKey, Node> = BTreeMap::new();
    let mut order: Vec<TableKey> = Vec::new();
    for n in flat {
        let k = n.key();
        if by_key.contains_key(&k) {
            continue;
        }
        order.push(k);
        by_key.insert(k, n);
    }
    let mut out = Tree::default();
    for k in order {
        let Some(node) = by_key.remove(&k) else {
            continue;
        };
        let parent_level = arch.parent_level(node.level).filter(|l| *l != Level::Pgd);
        let parent_key = parent_level.map(|pl| TableKey {
            level: pl,
            base: node.base.mask(arch.table_mask(pl)),
        });
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
        v.sort_unstable_by_key(|n| n.base);
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
