//! View models computed from the core's state: the broken address axis, the page-table tree
//! with merged runs, and the explanation of a table from the trace. Pure Rust, no simulation
//! logic: everything here only arranges what `Mm` and `Outcome` say.

use crate::state::{Sim, TableKey};
use freepgt::report::{flushes, freed_tables};
use freepgt::{Arch, Event, Level, Mm, VirtAddr};
// B-tree maps rather than hash maps: the core already links the B-tree code, and hashbrown
// would add ~15 KB to the wasm.
use std::collections::{BTreeMap, BTreeSet};

/// Formats a byte count the way kernel people say it (4K, 2M, 1G, 512G, 8T, else hex).
pub fn human_size(n: u128) -> String {
    const UNITS: [(u32, &str); 6] = [
        (60, "E"),
        (50, "P"),
        (40, "T"),
        (30, "G"),
        (20, "M"),
        (10, "K"),
    ];
    for (shift, u) in UNITS {
        let unit = 1u128 << shift;
        if n >= unit {
            return if n % unit == 0 {
                format!("{}{u}", n >> shift)
            } else {
                // Tenths by integer arithmetic: float formatting would add ~12 KB of wasm.
                let tenths = (n * 10 + unit / 2) >> shift;
                format!("≈{}.{}{u}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{n}B")
}

/// Parses a hex address (`0x` optional), as the scenario language does.
pub fn parse_addr(s: &str) -> Result<u64, String> {
    let s = s.trim();
    freepgt::scenario::parse_hex(s).map_err(|e| format!("{s:?}: {e}"))
}

/// Parses a size: `8K`, `2M`, `1G`, `1T` (decimal with a binary unit, `KiB`/`KB` also
/// accepted), or a hex byte count like `0x3000` / `3000` (as in the scenario language).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let stripped = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let unit = match stripped.chars().last() {
        Some('K') => Some(10),
        Some('M') => Some(20),
        Some('G') => Some(30),
        Some('T') => Some(40),
        _ => None,
    };
    let bad = || format!("size {t:?}: use e.g. 8K, 2M, 1G or a hex byte count");
    match unit {
        Some(shift) => {
            let num = stripped[..stripped.len() - 1].trim();
            let n: u64 = num.parse().map_err(|_| bad())?;
            n.checked_mul(1 << shift).ok_or_else(bad)
        }
        None if !t.is_empty() => freepgt::scenario::parse_hex(t).map_err(|_| bad()),
        None => Err(bad()),
    }
}

// ---------------------------------------------------------------------------------------
// The broken axis

/// A linearly drawn stretch of the address space.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// First address.
    pub start: u128,
    /// One past the last address.
    pub end: u128,
    /// Left edge (view units).
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
}

impl Segment {
    /// The x of an address inside the segment (clamped).
    pub fn x(&self, a: u128) -> f64 {
        let a = a.clamp(self.start, self.end);
        let f = (a - self.start) as f64 / (self.end - self.start) as f64;
        self.x0 + f * (self.x1 - self.x0)
    }

    /// The address at x (clamped to the segment).
    pub fn addr(&self, x: f64) -> u128 {
        let f = ((x - self.x0) / (self.x1 - self.x0)).clamp(0.0, 1.0);
        let a = self.start + ((self.end - self.start) as f64 * f) as u128;
        a.min(self.end)
    }
}

/// A collapsed stretch between segments.
#[derive(Clone, Debug, PartialEq)]
pub struct Break {
    /// Left edge.
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
    /// First address skipped.
    pub start: u128,
    /// One past the last address skipped.
    pub end: u128,
    /// It is (or contains) the sparc64 VA hole.
    pub hole: bool,
}

/// The axis: segments and breaks from left to right.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Axis {
    /// Drawn stretches.
    pub segments: Vec<Segment>,
    /// Collapsed stretches.
    pub breaks: Vec<Break>,
}

/// Width of a break, in view units.
pub const BREAK_W: f64 = 26.0;

impl Axis {
    /// Lays out `[lo, hi)` over `[0, width)`: the `interesting` ranges (clipped, merged) are
    /// drawn linearly, the empty stretches between them collapse to breaks, and `hole` is
    /// always a break.
    pub fn layout(
        interesting: &[(u128, u128)],
        lo: u128,
        hi: u128,
        hole: Option<(u128, u128)>,
        width: f64,
    ) -> Axis {
        let mut iv: Vec<(u128, u128)> = interesting
            .iter()
            .map(|&(a, b)| (a.max(lo), b.min(hi)))
            .filter(|(a, b)| a < b)
            .collect();
        if iv.is_empty() {
            iv.push((lo, hi));
        }
        // Never draw the hole linearly.
        if let Some((h0, h1)) = hole {
            iv = iv
                .into_iter()
                .flat_map(|(a, b)| {
                    let mut v = Vec::new();
                    if a < h0.min(b) {
                        v.push((a, h0.min(b)));
                    }
                    if h1.max(a) < b {
                        v.push((h1.max(a), b));
                    }
                    v
                })
                .collect();
        }
        iv.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::new();
        for (a, b) in iv {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let gaps: Vec<(u128, u128)> = {
            let mut g = Vec::new();
            let mut prev = lo;
            for &(a, b) in &merged {
                if a > prev {
                    g.push((prev, a));
                }
                prev = b;
            }
            if prev < hi {
                g.push((prev, hi));
            }
            g
        };
        let weights: Vec<f64> = merged
            .iter()
            .map(|(a, b)| ((b - a) as f64).log2().max(12.0) - 10.0)
            .collect();
        let total_w: f64 = weights.iter().sum();
        let avail = (width - BREAK_W * gaps.len() as f64).max(width * 0.3);
        let mut axis = Axis::default();
        let mut x = 0.0;
        // A collapsed gap takes a fixed width; the hole is drawn as the hole.
        let push_break = |breaks: &mut Vec<Break>, x: &mut f64, g0: u128, g1: u128| {
            breaks.push(Break {
                x0: *x,
                x1: *x + BREAK_W,
                start: g0,
                end: g1,
                hole: hole.is_some_and(|(h0, h1)| g0 < h1 && h0 < g1),
            });
            *x += BREAK_W;
        };
        let mut gi = gaps.iter().peekable();
        for (i, &(a, b)) in merged.iter().enumerate() {
            while let Some(&&(g0, g1)) = gi.peek() {
                if g1 > a {
                    break;
                }
                push_break(&mut axis.breaks, &mut x, g0, g1);
                gi.next();
            }
            let w = avail * weights[i] / total_w;
            axis.segments.push(Segment {
                start: a,
                end: b,
                x0: x,
                x1: x + w,
            });
            x += w;
        }
        for &(g0, g1) in gi {
            push_break(&mut axis.breaks, &mut x, g0, g1);
        }
        // Stretch to the full width (rounding).
        if x > 0.0 {
            let k = width / x;
            for s in &mut axis.segments {
                s.x0 *= k;
                s.x1 *= k;
            }
            for b in &mut axis.breaks {
                b.x0 *= k;
                b.x1 *= k;
            }
        }
        axis
    }

    /// The drawn pieces of `[a, b)`: `(x0, x1)` per segment it meets.
    pub fn pieces(&self, a: u128, b: u128) -> Vec<(f64, f64)> {
        self.segments
            .iter()
            .filter(|s| a < s.end && s.start < b)
            .map(|s| (s.x(a), s.x(b)))
            .collect()
    }

    /// The address under x, if x is on a segment.
    pub fn addr_at(&self, x: f64) -> Option<u128> {
        self.segments
            .iter()
            .find(|s| x >= s.x0 && x <= s.x1)
            .map(|s| s.addr(x))
    }
}

/// The ranges the axis must show for a sim: each vma and each table's lowest-level block
/// (rounded out to PMD boundaries), freed tables, the low 16 MiB (somewhere to drag the
/// first vma), and the selection.
pub fn interesting(sim: &Sim, selection: Option<(u64, u64)>) -> Vec<(u128, u128)> {
    let Some(mm) = &sim.mm else {
        return Vec::new();
    };
    let arch = mm.arch();
    let pmd = arch.size(Level::Pmd) as u128;
    let round = |a: u128, b: u128| (a / pmd * pmd, b.div_ceil(pmd) * pmd);
    let mut v = vec![(0u128, (16u128 << 20).max(2 * pmd))];
    for vma in mm.vmas().iter() {
        v.push(round(vma.start.as_u64() as u128, vma.end.as_u64() as u128));
    }
    for t in mm.page_tables().all_live() {
        if t.level == Level::Pte {
            let b = t.base.as_u64() as u128;
            v.push((b, b + t.span as u128));
        }
    }
    if let Some(last) = sim.last() {
        for (level, base) in freed_tables(last.outcome) {
            if level == Level::Pte {
                let b = base.as_u64() as u128;
                v.push((b, b + pmd));
            }
        }
    }
    if let Some((a, b)) = selection {
        v.push(round(a as u128, b as u128));
    }
    v
}

/// Clusters of `[x0, x1)` pieces closer than `min_gap` view units, so that thousands of
/// tiny blocks draw as a few: `(x0, x1, count, first index)`.
pub fn cluster(mut pieces: Vec<(f64, f64, usize)>, min_gap: f64) -> Vec<(f64, f64, usize, usize)> {
    pieces.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64, usize, usize)> = Vec::new();
    for (x0, x1, i) in pieces {
        match out.last_mut() {
            Some(c) if x0 - c.1 < min_gap && (x1 - x0) < 2.0 * min_gap => {
                c.1 = c.1.max(x1);
                c.2 += 1;
            }
            _ => out.push((x0, x1, 1, i)),
        }
    }
    out
}

/// Level boundaries worth ticking in `[a, b)`: `(level, addresses)` for PMD, PUD (if not
/// folded) and PGDIR, only where there are at most `max` of them.
pub fn ticks(arch: &Arch, a: u128, b: u128, max: u128) -> Vec<(Level, Vec<u128>)> {
    let mut out = Vec::new();
    for level in [Level::Pmd, Level::Pud, Level::Pgd] {
        if arch.folded(level) {
            continue;
        }
        let size = arch.size(level) as u128;
        let first = a.div_ceil(size) * size;
        if first >= b {
            continue;
        }
        let n = (b - 1 - first) / size + 1;
        if n <= max {
            out.push((level, (0..n).map(|i| first + i * size).collect()));
        }
    }
    out
}

/// The kernel's name for the size of a level's block (`PMD_SIZE` ...).
pub fn level_size_name(level: Level) -> &'static str {
    match level {
        Level::Pgd => "PGDIR_SIZE",
        Level::Pud => "PUD_SIZE",
        Level::Pmd => "PMD_SIZE",
        Level::Pte => "PAGE_SIZE",
    }
}

// ---------------------------------------------------------------------------------------
// The page-table tree

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
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Its level.
    pub level: Level,
    /// Its base.
    pub base: u64,
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
    /// Lower tables, by base.
    pub children: Vec<Node>,
}

impl Node {
    /// Its key.
    pub fn key(&self) -> TableKey {
        (self.level, self.base)
    }
}

/// The tree: the pgd's children (pud tables, or pmd tables on sparc64), then the leaked
/// tables, whose parents are gone, as extra roots.
#[derive(Clone, Debug, PartialEq, Default)]
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
        .map(|t| (t.level, t.base.as_u64()))
        .collect();
    let (freed, allocated): (Vec<TableKey>, BTreeSet<TableKey>) = match sim.last() {
        Some(last) => (
            freed_tables(last.outcome)
                .into_iter()
                .map(|(l, b)| (l, b.as_u64()))
                .collect(),
            last.outcome
                .events
                .iter()
                .filter_map(|e| match e {
                    Event::TableAllocated { level, base } => Some((*level, base.as_u64())),
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
            let key = (t.level, t.base.as_u64());
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
                base: t.base.as_u64(),
                span: t.span,
                used: t.used,
                entries: t.entries,
                status,
                owned_by_pgd: t.owned_by_pgd,
                children: Vec::new(),
            }
        })
        .collect();
    for (level, base) in freed {
        flat.push(Node {
            level,
            base,
            span: arch.table_span(level),
            used: 0,
            entries: arch.ptrs(level),
            status: Status::Freed,
            owned_by_pgd: false,
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
        let parent_key = parent_level.map(|pl| (pl, node.base & arch.table_mask(pl)));
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

// ---------------------------------------------------------------------------------------
// Explanations from the trace

/// Why the last operation freed or kept a table: the trace events about it, with the
/// `free_pgd_range` call (and its trims) that decided it. Lines carry their depth.
pub fn explain(sim: &Sim, key: TableKey) -> Vec<(usize, String)> {
    let (level, base) = key;
    let Some(last) = sim.last() else {
        return vec![(0, "No operation yet.".into())];
    };
    let about = |e: &Event| match e {
        Event::TableFreed { level: l, base: b }
        | Event::TableKept {
            level: l, base: b, ..
        }
        | Event::TableVisit {
            level: l, base: b, ..
        }
        | Event::TableAllocated { level: l, base: b } => *l == level && b.as_u64() == base,
        Event::Bug(freepgt::Bug::FreedWithLiveEntries {
            level: l, base: b, ..
        })
        | Event::Bug(freepgt::Bug::FreedCoveringVma { level: l, base: b }) => {
            *l == level && b.as_u64() == base
        }
        _ => false,
    };
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
                "The last operation ({}) did not walk the {level} table {}: it stays.",
                last.op,
                VirtAddr::new(base)
            ),
        ));
    }
    out
}

/// The flush ranges of the last op (`flush_tlb_pgtables` arguments).
pub fn last_flushes(sim: &Sim) -> Vec<freepgt::FlushCall> {
    sim.last().map(|l| flushes(l.outcome)).unwrap_or_default()
}

/// The live table counts, or zeros.
pub fn counts(mm: Option<&Mm>) -> freepgt::TableCounts {
    mm.map(|m| m.counts()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Sim;

    #[test]
    fn sizes_parse_with_units_and_hex() {
        assert_eq!(parse_size("8K"), Ok(0x2000));
        assert_eq!(parse_size("2M"), Ok(0x200000));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("4 KiB"), Ok(4096));
        assert_eq!(parse_size("0x3000"), Ok(0x3000));
        assert_eq!(parse_size("3000"), Ok(0x3000));
        assert!(parse_size("").is_err());
        assert!(parse_size("2X").is_err());
        assert_eq!(human_size(0x200000), "2M");
        assert_eq!(human_size(1 << 39), "512G");
        assert_eq!(human_size(0x1800), "6K");
        assert_eq!(human_size((1 << 40) + (1 << 39) + 4096), "≈1.5T");
    }

    #[test]
    fn the_axis_collapses_empty_stretches_and_the_hole() {
        let hole = Some((0x800_0000_0000u128, 0xffff_f800_0000_0000u128));
        let top = 0xffff_fffc_0000_0000u128;
        let a = Axis::layout(
            &[(0, 0x1000000), (0x7ff_ff00_0000, 0x800_0000_0000)],
            0,
            top,
            hole,
            1000.0,
        );
        assert_eq!(a.segments.len(), 2);
        assert!(a.breaks.iter().any(|b| b.hole));
        let last = a.breaks.last().unwrap();
        assert!((last.x1 - 1000.0).abs() < 1e-6);
        // Addresses map back to themselves at segment edges.
        assert_eq!(a.addr_at(0.0), Some(0));
    }

    #[test]
    fn the_tree_nests_and_keeps_freed_tables_of_the_last_op() {
        let sim = Sim::from_text(&freepgt::presets::find("gather").unwrap().text()).unwrap();
        let t = tree(&sim);
        // Everything was freed: one pud table with one pmd table with three pte tables.
        assert_eq!(t.roots.len(), 1);
        assert_eq!(t.roots[0].status, Status::Freed);
        assert_eq!(t.roots[0].children[0].children.len(), 3);
        let why = explain(&sim, (Level::Pmd, 0));
        assert!(why.iter().any(|(_, l)| l.contains("PUD_MASK")), "{why:?}");
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
        let sim =
            Sim::from_text(&freepgt::presets::find("mmapfail-zapfail").unwrap().text()).unwrap();
        let t = tree(&sim);
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
