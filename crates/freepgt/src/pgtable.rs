//! The page-table tree: a sparse arena of tables that grows with live tables, not with the
//! address space.
//!
//! Only real (unfolded) levels have tables. Each table knows its level, the base address it
//! maps and the parent entry that points at it. Freeing a table that still points at lower
//! tables does what the kernel would do: the lower tables stay allocated but become
//! unreachable ("leaked"); they are still counted, exactly like `mm->nr_ptes` keeps counting a
//! pte table whose pmd was freed under it.

use crate::addr::VirtAddr;
use crate::arch::{Arch, Level};
use crate::blockmap::BlockMap;
use crate::trace::TableKey;
use serde::Serialize;
use std::collections::BTreeMap;

// Arena indices fit a `BlockMap` value: the arena never holds more than the live tables
// (freed slots are reused) and the pgd.
const _: () = assert!(crate::mm::MAX_LIVE_TABLES < crate::blockmap::MAX_VALUE as u64);

/// Index of a table in the arena.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize)]
pub struct TableId(u32);

impl TableId {
    /// The arena index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// One entry of one real table: `pgd + i`, `pud + i` or `pmd + i` in kernel terms.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Slot {
    /// The table holding the entry.
    pub table: TableId,
    /// The entry's index in that table.
    pub index: u32,
}

#[derive(Clone, Debug)]
struct Table {
    level: Level,
    base: VirtAddr,
    /// The entry pointing at this table; `None` for the pgd and for leaked tables.
    parent: Option<Slot>,
    /// Upper levels: entry index -> lower table.
    children: BTreeMap<u32, TableId>,
    alive: bool,
    /// Allocated with the pgd and freed only with it (i386 PAE's user pmd tables).
    owned_by_pgd: bool,
}

/// One cache line of present-pte bits. A pte table's bits are whole lines of
/// [`PageTables`]' `bits`, so setting a pte on a fault touches one line (two on sparc64).
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct BitLine([u64; 8]);

/// Live table counts per level, as the report's `tables pte=N pmd=N pud=N` line prints them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
pub struct TableCounts {
    /// Live pte tables (mm->nr_ptes).
    pub pte: u64,
    /// Live pmd tables.
    pub pmd: u64,
    /// Live pud tables (always 0 where the pud is folded).
    pub pud: u64,
}

impl TableCounts {
    /// The count for one level (0 for pgd).
    pub fn get(&self, level: Level) -> u64 {
        match level {
            Level::Pte => self.pte,
            Level::Pmd => self.pmd,
            Level::Pud => self.pud,
            Level::Pgd => 0,
        }
    }

    fn get_mut(&mut self, level: Level) -> Option<&mut u64> {
        match level {
            Level::Pte => Some(&mut self.pte),
            Level::Pmd => Some(&mut self.pmd),
            Level::Pud => Some(&mut self.pud),
            Level::Pgd => None,
        }
    }

    /// Sum over levels.
    pub fn total(&self) -> u64 {
        self.pte + self.pmd + self.pud
    }
}

/// A read-only view of one table, for reports and the UI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableInfo {
    /// Its level.
    pub level: Level,
    /// The lowest address it maps.
    pub base: VirtAddr,
    /// The bytes of address space it maps.
    pub span: u64,
    /// Entries in use (lower tables, or present ptes).
    pub used: u32,
    /// Entries in the table (PTRS_PER_X).
    pub entries: u64,
    /// False if a parent was freed under it.
    pub reachable: bool,
    /// True for a table that belongs to the pgd (i386 PAE's pmd tables: allocated by
    /// `pgd_alloc`, never freed by free_pgtables).
    pub owned_by_pgd: bool,
    /// The table whose entry points at it: `None` under the pgd and for a leaked table. (Not
    /// in the JSON, which lists tables flat: their bases say where they hang.)
    #[serde(skip)]
    pub parent: Option<TableKey>,
}

/// What freeing one table found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freed {
    /// Its level.
    pub level: Level,
    /// Its base address.
    pub base: VirtAddr,
    /// Entries still in use when it was freed (lower tables left dangling, or present ptes).
    pub live_entries: u32,
}

/// The whole tree of one mm.
#[derive(Clone, Debug)]
pub struct PageTables {
    arch: &'static Arch,
    tables: Vec<Table>,
    free_ids: Vec<u32>,
    counts: TableCounts,
    /// Present-pte bits: `lines` lines per arena index, beside the tables rather than in
    /// them (a fault then reads no `Table`); unused and zero for directory tables.
    bits: Vec<BitLine>,
    lines: usize,
    /// PMD block number -> the pte table linked there, for every pte table reachable from
    /// the pgd: a fault finds its table in one probe instead of a descent through the levels
    /// (`pte_table_for` checks the two agree in debug builds).
    pte_index: BlockMap,
}

impl PageTables {
    /// A tree holding what `pgd_alloc` gives a new mm: an empty pgd and, where the pgd owns
    /// its pmd tables (i386 PAE), one pmd table for each of the USER_PTRS_PER_PGD user slots.
    pub fn new(arch: &'static Arch) -> Self {
        let mut pt = PageTables {
            arch,
            tables: Vec::new(),
            free_ids: Vec::new(),
            counts: TableCounts::default(),
            bits: Vec::new(),
            lines: (arch.ptrs(Level::Pte) as usize).div_ceil(512),
            pte_index: BlockMap::default(),
        };
        let pgd = pt.alloc(Level::Pgd, VirtAddr::ZERO, None);
        if arch.pgd_owns_pmds {
            let span = arch.size(Level::Pgd);
            for i in 0..arch.user_ptrs_per_pgd() {
                let slot = Slot {
                    table: pgd,
                    index: i as u32,
                };
                let id = pt.alloc(Level::Pmd, VirtAddr::new(i * span), Some(slot));
                pt.tables[id.index()].owned_by_pgd = true;
            }
        }
        pt
    }

    /// True if the table belongs to the pgd (i386 PAE's pmd tables): free_pgtables' "free"
    /// of it (`pud_clear`, `pmd_free_tlb`) does nothing.
    pub fn owned_by_pgd(&self, id: TableId) -> bool {
        self.tables[id.index()].owned_by_pgd
    }

    /// The architecture.
    pub fn arch(&self) -> &'static Arch {
        self.arch
    }

    /// The pgd (`mm->pgd`).
    pub fn pgd(&self) -> TableId {
        TableId(0)
    }

    /// Live tables per level, leaked ones included.
    pub fn counts(&self) -> TableCounts {
        self.counts
    }

    /// The level of a table.
    pub fn level(&self, id: TableId) -> Level {
        self.tables[id.index()].level
    }

    /// The base address of a table.
    pub fn base(&self, id: TableId) -> VirtAddr {
        self.tables[id.index()].base
    }

    /// The table an entry points at (`!X_none(*slot)`).
    pub fn child(&self, slot: Slot) -> Option<TableId> {
        self.tables[slot.table.index()]
            .children
            .get(&slot.index)
            .copied()
    }

    /// Present lower tables of `id` whose entry index lies in `lo..=hi`.
    pub fn children_in(&self, id: TableId, lo: u32, hi: u32) -> Vec<(u32, TableId)> {
        self.tables[id.index()]
            .children
            .range(lo..=hi)
            .map(|(i, c)| (*i, *c))
            .collect()
    }

    fn alloc(&mut self, level: Level, base: VirtAddr, parent: Option<Slot>) -> TableId {
        let table = Table {
            level,
            base,
            parent,
            children: BTreeMap::new(),
            alive: true,
            owned_by_pgd: false,
        };
        let id = match self.free_ids.pop() {
            Some(i) => {
                self.tables[i as usize] = table;
                self.bits_mut(TableId(i)).fill(BitLine::default());
                TableId(i)
            }
            None => {
                self.tables.push(table);
                self.bits
                    .resize(self.tables.len() * self.lines, BitLine::default());
                TableId((self.tables.len() - 1) as u32)
            }
        };
        if let Some(p) = parent {
            self.tables[p.table.index()].children.insert(p.index, id);
            if level == Level::Pte {
                self.pte_index.insert(self.block_of(base), id.0);
            }
        }
        if let Some(c) = self.counts.get_mut(level) {
            *c += 1;
        }
        id
    }

    fn bits(&self, id: TableId) -> &[BitLine] {
        &self.bits[id.index() * self.lines..(id.index() + 1) * self.lines]
    }

    fn bits_mut(&mut self, id: TableId) -> &mut [BitLine] {
        &mut self.bits[id.index() * self.lines..(id.index() + 1) * self.lines]
    }

    /// Present ptes of a pte table (a popcount: no counter to keep in step).
    fn present_ptes(&self, id: TableId) -> u32 {
        self.bits(id)
            .iter()
            .flat_map(|l| l.0)
            .map(u64::count_ones)
            .sum()
    }

    fn pte_bit(&self, id: TableId, i: u32) -> bool {
        let (w, b) = ((i / 64) as usize, i % 64);
        self.bits(id)[w / 8].0[w % 8] & (1 << b) != 0
    }

    /// The `pte_index` key of the PMD block holding `addr`.
    fn block_of(&self, addr: VirtAddr) -> u64 {
        addr.as_u64() >> self.arch.shift(Level::Pmd)
    }

    /// Drops the index entries of the pte tables at and under `id`, which just became
    /// unreachable (an entry is dropped only if it names that very table: a leaked table's
    /// block may already hold a new one).
    fn unindex(&mut self, id: TableId) {
        let t = &self.tables[id.index()];
        if t.level == Level::Pte {
            let block = self.block_of(t.base);
            if self.pte_index.get(block) == Some(id.0) {
                self.pte_index.remove(block);
            }
            return;
        }
        let kids: Vec<TableId> = t.children.values().copied().collect();
        for k in kids {
            self.unindex(k);
        }
    }

    /// Walks from the pgd to the pte table mapping `addr`, allocating each missing table
    /// (`pud_alloc`, `pmd_alloc`, `pte_alloc_map`). Newly allocated tables are pushed to `new`.
    pub fn pte_table_for(&mut self, addr: VirtAddr, new: &mut Vec<(Level, VirtAddr)>) -> TableId {
        if let Some(id) = self.indexed_pte_table(addr) {
            return id;
        }
        let arch = self.arch;
        let mut table = self.pgd();
        let mut level = Level::Pgd;
        while let Some(child_level) = arch.child_level(level) {
            let slot = Slot {
                table,
                index: arch.index(level, addr),
            };
            table = match self.child(slot) {
                Some(c) => c,
                None => {
                    let base = addr.mask(arch.table_mask(child_level));
                    new.push((child_level, base));
                    self.alloc(child_level, base, Some(slot))
                }
            };
            level = child_level;
        }
        table
    }

    /// The pte table mapping `addr` if every level down to it is present
    /// ([`Self::lookup_pte_table`]), found by PMD block in one probe of the index.
    pub fn indexed_pte_table(&self, addr: VirtAddr) -> Option<TableId> {
        let id = self.pte_index.get(self.block_of(addr)).map(TableId);
        debug_assert_eq!(id, self.lookup_pte_table(addr));
        id
    }

    /// Starts fetching the index slot where a lookup of `addr`'s pte table starts
    /// ([`Mm::warm`]).
    ///
    /// [`Mm::warm`]: crate::mm::Mm::warm
    pub(crate) fn warm_index(&self, addr: VirtAddr) {
        self.pte_index.prefetch_home(self.block_of(addr));
    }

    /// Starts fetching the word of present-pte bits that a fault at `addr` will set, if its
    /// pte table is linked ([`Mm::warm`]; this reads the index slot).
    ///
    /// [`Mm::warm`]: crate::mm::Mm::warm
    pub(crate) fn warm_bits(&self, addr: VirtAddr) {
        if let Some(id) = self.indexed_pte_table(addr) {
            let w = self.arch.index(Level::Pte, addr) as usize / 64;
            crate::prefetch::prefetch(&self.bits(id)[w / 8].0[w % 8]);
        }
    }

    /// Sets the ptes of pages `first..=last` (pte indices) in one pte table. Returns how many
    /// were newly set.
    pub fn set_ptes(&mut self, table: TableId, first: u32, last: u32) -> u64 {
        update_bits(self.bits_mut(table), first, last, true)
    }

    /// Clears every present pte in `[start, end)` that is reachable from the pgd
    /// (`unmap_vmas` / `zap_page_range`). Returns the number cleared. Only present tables are
    /// visited, so a huge range costs what its tables cost.
    pub fn clear_ptes(&mut self, start: VirtAddr, end: VirtAddr) -> u64 {
        if start == end {
            return 0;
        }
        self.clear_walk(self.pgd(), start.as_u64(), end.as_u64().wrapping_sub(1))
    }

    fn clear_walk(&mut self, id: TableId, lo: u64, hi: u64) -> u64 {
        let arch = self.arch;
        let level = self.tables[id.index()].level;
        let (first, last) = (
            arch.index(level, VirtAddr::new(lo)),
            arch.index(level, VirtAddr::new(hi)),
        );
        if level == Level::Pte {
            return update_bits(self.bits_mut(id), first, last, false);
        }
        let mut cleared = 0;
        for (_, kid) in self.children_in(id, first, last) {
            let t = &self.tables[kid.index()];
            let kid_hi = t.base.as_u64().wrapping_add(arch.table_span(t.level) - 1);
            cleared += self.clear_walk(kid, lo.max(t.base.as_u64()), hi.min(kid_hi));
        }
        cleared
    }

    /// The pte table mapping `addr`, if every level down to it is present.
    pub fn lookup_pte_table(&self, addr: VirtAddr) -> Option<TableId> {
        let arch = self.arch;
        let mut table = self.pgd();
        let mut level = Level::Pgd;
        while let Some(child_level) = arch.child_level(level) {
            table = self.child(Slot {
                table,
                index: arch.index(level, addr),
            })?;
            level = child_level;
        }
        Some(table)
    }

    /// True if the pte for `addr` is present.
    pub fn pte_present(&self, addr: VirtAddr) -> bool {
        match self.lookup_pte_table(addr) {
            Some(t) => self.pte_bit(t, self.arch.index(Level::Pte, addr)),
            None => false,
        }
    }

    /// Clears `slot` and frees the table it points at (`pmd_clear` + `pte_free_tlb`, and so on).
    /// Lower tables it still points at are leaked: counted, but no longer reachable.
    pub fn free_child(&mut self, slot: Slot) -> Option<Freed> {
        let id = self.tables[slot.table.index()]
            .children
            .remove(&slot.index)?;
        self.unindex(id);
        let present = self.present_ptes(id);
        let (level, base, live_entries, kids) = {
            let t = &mut self.tables[id.index()];
            t.alive = false;
            t.parent = None;
            let kids: Vec<TableId> = std::mem::take(&mut t.children).into_values().collect();
            let live = if t.level == Level::Pte {
                present
            } else {
                kids.len() as u32
            };
            (t.level, t.base, live, kids)
        };
        for k in kids {
            // Leaked: the kernel freed the page holding the entry that pointed here.
            self.tables[k.index()].parent = None;
        }
        if let Some(c) = self.counts.get_mut(level) {
            *c -= 1;
        }
        self.free_ids.push(id.0);
        Some(Freed {
            level,
            base,
            live_entries,
        })
    }

    /// Every live table reachable from the pgd, depth first in address order (pgd excluded).
    pub fn reachable(&self) -> Vec<TableInfo> {
        self.reachable_meeting(crate::addr::AddrRange::new(VirtAddr::ZERO, VirtAddr::ZERO))
    }

    /// Every live table, reachable or leaked, sorted by level then base.
    pub fn all_live(&self) -> Vec<TableInfo> {
        // One flag per arena slot: a set keyed by index would cost a tree insert per table
        // (thousands on the large preset, on every op the playground draws).
        let reachable: Vec<bool> = {
            let mut seen = vec![false; self.tables.len()];
            let mut stack = vec![self.pgd()];
            while let Some(id) = stack.pop() {
                seen[id.index()] = true;
                stack.extend(self.tables[id.index()].children.values().copied());
            }
            seen
        };
        let mut out: Vec<TableInfo> = self
            .tables
            .iter()
            .enumerate()
            .filter(|(_, t)| t.alive && t.level != Level::Pgd)
            .map(|(i, _)| self.info(TableId(i as u32), reachable[i]))
            .collect();
        // Ties (a leaked table and a linked one at the same base) keep table order.
        crate::sort::sort_by_key(&mut out, |t| {
            crate::sort::key2(t.level as u64, t.base.as_u64())
        });
        out
    }

    /// The linked table of `level` whose base is `base`, if any (walks down from the pgd).
    pub fn find(&self, level: Level, base: VirtAddr) -> Option<TableId> {
        let arch = self.arch;
        let mut table = self.pgd();
        let mut at = Level::Pgd;
        while at != level {
            let child_level = arch.child_level(at)?;
            table = self.child(Slot {
                table,
                index: arch.index(at, base),
            })?;
            at = child_level;
        }
        (self.tables[table.index()].base == base).then_some(table)
    }

    /// A linked table's view.
    pub fn info_of(&self, id: TableId) -> TableInfo {
        self.info(id, true)
    }

    /// Every linked table (pgd excluded) whose span meets `region` (end 0 = top), depth first
    /// in address order, visiting only entries whose span meets it.
    pub fn reachable_meeting(&self, region: crate::addr::AddrRange) -> Vec<TableInfo> {
        let arch = self.arch;
        let (lo, hi) = (region.start.as_u64(), region.end.minus_one());
        let mut out = Vec::new();
        let mut stack = vec![self.pgd()];
        while let Some(id) = stack.pop() {
            let t = &self.tables[id.index()];
            if t.level != Level::Pgd {
                out.push(self.info(id, true));
            }
            if t.children.is_empty() {
                continue;
            }
            let size = arch.size(t.level);
            let t_lo = t.base.as_u64();
            let t_hi = t_lo
                .wrapping_add(arch.ptrs(t.level).wrapping_mul(size))
                .wrapping_sub(1);
            // The entries of this table that the region meets.
            let (a, b) = (lo.max(t_lo), hi.min(t_hi));
            if t.level != Level::Pgd && a > b {
                continue;
            }
            let (first, last) = if t.level == Level::Pgd {
                (0, u32::MAX)
            } else {
                (
                    arch.index(t.level, VirtAddr::new(a)),
                    arch.index(t.level, VirtAddr::new(b)),
                )
            };
            // Pushed in reverse so that they pop in address order.
            for (_, c) in t.children.range(first..=last).rev() {
                let ct = &self.tables[c.index()];
                let c_lo = ct.base.as_u64();
                let c_hi = c_lo.wrapping_add(arch.table_span(ct.level) - 1);
                if c_lo <= hi && lo <= c_hi {
                    stack.push(*c);
                }
            }
        }
        out
    }

    fn info(&self, id: TableId, reachable: bool) -> TableInfo {
        let t = &self.tables[id.index()];
        TableInfo {
            level: t.level,
            base: t.base,
            span: self.arch.table_span(t.level),
            used: if t.level == Level::Pte {
                self.present_ptes(id)
            } else {
                t.children.len() as u32
            },
            entries: self.arch.ptrs(t.level),
            reachable,
            owned_by_pgd: t.owned_by_pgd,
            parent: t
                .parent
                .map(|slot| &self.tables[slot.table.index()])
                .filter(|p| p.level != Level::Pgd)
                .map(|p| TableKey {
                    level: p.level,
                    base: p.base,
                }),
        }
    }

    /// Recounts live tables by scanning the arena (for tests: must equal [`Self::counts`]).
    pub fn recount(&self) -> TableCounts {
        let mut c = TableCounts::default();
        for t in self.tables.iter().filter(|t| t.alive) {
            if let Some(n) = c.get_mut(t.level) {
                *n += 1;
            }
        }
        c
    }
}

/// Sets (or clears) bits `first..=last` a word at a time; returns how many changed.
fn update_bits(lines: &mut [BitLine], first: u32, last: u32, set: bool) -> u64 {
    let mut changed = 0;
    let mut i = first;
    while i <= last {
        let w = (i / 64) as usize;
        let lo = i % 64;
        let hi = if last / 64 == i / 64 { last % 64 } else { 63 };
        let mask = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
        let word = &mut lines[w / 8].0[w % 8];
        let before = *word;
        *word = if set { before | mask } else { before & !mask };
        changed += (before ^ *word).count_ones() as u64;
        i = (w as u32 + 1) * 64;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{SPARC64, X86_64};

    #[test]
    fn fault_allocates_each_missing_level_once() {
        let mut pt = PageTables::new(&X86_64);
        let mut new = Vec::new();
        let t = pt.pte_table_for(VirtAddr::new(0x400000), &mut new);
        assert_eq!(
            new,
            vec![
                (Level::Pud, VirtAddr::new(0)),
                (Level::Pmd, VirtAddr::new(0)),
                (Level::Pte, VirtAddr::new(0x400000))
            ]
        );
        new.clear();
        assert_eq!(pt.pte_table_for(VirtAddr::new(0x401000), &mut new), t);
        assert!(new.is_empty());
        assert_eq!(
            pt.counts(),
            TableCounts {
                pte: 1,
                pmd: 1,
                pud: 1
            }
        );
    }

    #[test]
    fn sparc64_has_no_pud_tables() {
        let mut pt = PageTables::new(&SPARC64);
        let mut new = Vec::new();
        pt.pte_table_for(VirtAddr::new(0xfffff80000002000), &mut new);
        assert_eq!(
            new,
            vec![
                (Level::Pmd, VirtAddr::new(0xfffff80000000000)),
                (Level::Pte, VirtAddr::new(0xfffff80000000000))
            ]
        );
    }

    #[test]
    fn freeing_a_parent_leaks_its_children() {
        let mut pt = PageTables::new(&X86_64);
        let mut new = Vec::new();
        pt.pte_table_for(VirtAddr::new(0x400000), &mut new);
        let pgd_slot = Slot {
            table: pt.pgd(),
            index: 0,
        };
        let pud = pt.child(pgd_slot).unwrap();
        let freed = pt
            .free_child(Slot {
                table: pud,
                index: 0,
            })
            .expect("pmd table present");
        assert_eq!(freed.level, Level::Pmd);
        assert_eq!(freed.live_entries, 1);
        assert_eq!(
            pt.counts(),
            TableCounts {
                pte: 1,
                pmd: 0,
                pud: 1
            }
        );
        assert_eq!(pt.recount(), pt.counts());
        let reach: Vec<_> = pt.reachable().into_iter().map(|t| t.level).collect();
        assert_eq!(reach, vec![Level::Pud]);
        assert_eq!(pt.all_live().iter().filter(|t| !t.reachable).count(), 1);
    }

    #[test]
    fn clear_ptes_counts_only_present() {
        let mut pt = PageTables::new(&X86_64);
        let mut new = Vec::new();
        let t = pt.pte_table_for(VirtAddr::new(0x400000), &mut new);
        assert_eq!(pt.set_ptes(t, 0, 3), 4);
        assert_eq!(pt.set_ptes(t, 2, 5), 2);
        assert_eq!(
            pt.clear_ptes(VirtAddr::new(0x401000), VirtAddr::new(0x800000)),
            5
        );
        assert!(pt.pte_present(VirtAddr::new(0x400000)));
        assert!(!pt.pte_present(VirtAddr::new(0x401000)));
    }
}
