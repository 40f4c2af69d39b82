//! The page-table tree: pgd → pud → pmd → pte with each table's status, and runs of similar
//! siblings merged as ptdump merges them.

use crate::state::Sim;
use freepgt::report::freed_tables;
use freepgt::{Arch, Event, Level, Mm, TableKey, VirtAddr};
// B-tree maps rather than hash maps: the core already links the B-tree code, and hashbrown
// would add ~15 KB to the wasm.
use crate::sort::CollectBTree;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::{Rc, Weak};

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

/// Tables by key, in key order (level, then base): a vector searched by halves. The trees
/// have thousands of tables (12,000 on the large preset) and are rebuilt on every op and
/// step; a B-tree map of them cost a tree insert per table.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Nodes(Vec<Node>);

impl Nodes {
    /// The nodes of `v`, in key order; of tables with the same key (a leaked table and a
    /// linked one at the same base) the last one counts.
    pub(crate) fn new(mut v: Vec<Node>) -> Nodes {
        if !v.is_sorted_by_key(Node::key) {
            crate::sort::sort_by_key(&mut v, |n| {
                freepgt::sort::key2(n.level as u64, n.base.as_u64())
            });
        }
        let mut out: Vec<Node> = Vec::with_capacity(v.len());
        for n in v {
            match out.last_mut() {
                Some(last) if last.key() == n.key() => *last = n,
                _ => out.push(n),
            }
        }
        Nodes(out)
    }

    fn find(&self, key: &TableKey) -> Result<usize, usize> {
        self.0.binary_search_by(|n| n.key().cmp(key))
    }

    /// The node of `key`.
    pub(crate) fn get(&self, key: &TableKey) -> Option<&Node> {
        self.find(key).ok().map(|i| &self.0[i])
    }

    /// The node of `key`, to change (not its key).
    pub(crate) fn get_mut(&mut self, key: &TableKey) -> Option<&mut Node> {
        self.find(key).ok().map(|i| &mut self.0[i])
    }

    /// Every node, in key order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Node> {
        self.0.iter()
    }

    /// Every node, in key order, to change (not their keys).
    pub(crate) fn iter_mut(&mut self) -> std::slice::IterMut<'_, Node> {
        self.0.iter_mut()
    }

    /// Adds `more` (in key order, keys not here yet): one merge of the two orders, rather
    /// than sorting thousands of nodes again for the few an op freed.
    pub(crate) fn add(&mut self, more: impl IntoIterator<Item = Node>) {
        let mut more = more.into_iter().peekable();
        if more.peek().is_none() {
            return;
        }
        let old = std::mem::take(&mut self.0);
        let mut all = Vec::with_capacity(old.len() + more.size_hint().0);
        let mut old = old.into_iter().peekable();
        loop {
            let take_old = match (old.peek(), more.peek()) {
                (Some(a), Some(b)) => a.key() <= b.key(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            all.extend(if take_old { old.next() } else { more.next() });
        }
        self.0 = all;
    }
}

/// Every live table of `mm` as a node: leaked if unreachable, orphan if no vma leads to it,
/// else live (see [`live_nodes`] for new ones). Computed once per mm, and shared: the tree
/// after an op, the picture's axis and the event-exact picture of the next op all ask for it.
pub(crate) fn live_base(mm: &Rc<Mm>) -> Rc<Nodes> {
    // A few mms at a time: the current scenario's, the one before its last op, and those of
    // the op stepped into. Keyed by weak pointers: the cache keeps no mm alive, an mm is
    // never changed in place while one points at it (`Rc::make_mut` moves it out instead),
    // and its address is not reused while a weak pointer holds the allocation.
    const KEPT: usize = 4;
    thread_local! {
        static CACHE: RefCell<Vec<(Weak<Mm>, Rc<Nodes>)>> = const { RefCell::new(Vec::new()) };
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.retain(|(w, _)| w.strong_count() > 0);
        if let Some(i) = c
            .iter()
            .position(|(w, _)| std::ptr::eq(w.as_ptr(), Rc::as_ptr(mm)))
        {
            let hit = c.remove(i);
            let nodes = hit.1.clone();
            c.insert(0, hit);
            return nodes;
        }
        let nodes = Rc::new(scan(mm));
        c.insert(0, (Rc::downgrade(mm), nodes.clone()));
        c.truncate(KEPT);
        nodes
    })
}

/// [`live_base`] without the cache.
fn scan(mm: &Mm) -> Nodes {
    let orphans: BTreeSet<TableKey> = mm
        .orphans()
        .iter()
        .map(|t| TableKey {
            level: t.level,
            base: t.base,
        })
        .collect_btree();
    let nodes = mm
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
                owned_by_pgd: t.owned_by_pgd,
                parent: t.parent,
                children: Vec::new(),
            }
        })
        .collect();
    // all_live() is in key order already: this only drops duplicate keys.
    Nodes::new(nodes)
}

/// Every live table of `mm` as a node: leaked if unreachable, orphan if no vma leads to it,
/// new if in `new`, else live.
pub(crate) fn live_nodes(mm: &Rc<Mm>, new: &BTreeSet<TableKey>) -> Nodes {
    let mut nodes = (*live_base(mm)).clone();
    for key in new {
        if let Some(n) = nodes.get_mut(key) {
            if n.status == Status::Live {
                n.status = Status::New;
            }
        }
    }
    nodes
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
    // A table freed and allocated again by the same op (a driver's fault after a free)
    // shows as it is now.
    let gone_now: BTreeMap<TableKey, Node> = freed
        .into_iter()
        .map(|(level, base)| TableKey { level, base })
        .filter(|key| nodes.get(key).is_none())
        .map(|key| (key, gone(arch, key, Status::Freed)))
        .collect_btree();
    nodes.add(gone_now.into_values());
    assemble(arch, nodes)
}

/// Nests the nodes: a linked table under the table the arena links it to; a freed or leaked
/// one, no longer linked, under the table whose span holds it at the level above (a freed
/// table's children were freed before it, or leaked with it). The pgd's children, and leaked
/// tables whose parent is not drawn, are roots.
pub(crate) fn assemble(arch: &Arch, nodes: Nodes) -> Tree {
    let keys: Vec<TableKey> = nodes.iter().map(Node::key).collect();
    let mut slots: Vec<Option<Node>> = nodes.0.into_iter().map(Some).collect();
    let mut out = Tree::default();
    // Attach bottom-up: the deepest level first (a parent is a level up, so still in its
    // slot), each level in base order, so that every node's children arrive in base order.
    let mut end = keys.len();
    while end > 0 {
        let level = keys[end - 1].level;
        let start = keys[..end].partition_point(|k| k.level < level);
        for i in start..end {
            let Some(node) = slots[i].take() else {
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
            let parent = parent_key
                .and_then(|pk| keys.binary_search(&pk).ok())
                .and_then(|pi| slots[pi].as_mut());
            match parent {
                Some(parent) if node.status != Status::Leaked || parent.status == Status::Freed => {
                    parent.children.push(node);
                }
                _ if node.status == Status::Leaked => out.leaked.push(node),
                _ => out.roots.push(node),
            }
        }
        end = start;
    }
    // Children came in base order; roots and leaked tables mix levels. Equal bases keep the
    // order they came in (the sort is stable).
    fn sort(v: &mut Vec<Node>) {
        if !v.is_sorted_by_key(|n| n.base) {
            crate::sort::sort_by_key(v, |n| u128::from(n.base.as_u64()));
        }
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
