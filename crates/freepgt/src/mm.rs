//! The simulated mm: a vma list and a page-table tree, and the operations of the scenario
//! language (`vma`, `touch`, `munmap`, `mmapfail`, `zapfail`, `exit`).
//!
//! Every operation validates its input first and changes nothing on error; on success it
//! returns the ordered event trace of what the kernel did.

use crate::addr::{AddrRange, Ceiling, Floor, VirtAddr};
use crate::arch::{Arch, ArchId, Level};
use crate::error::OpError;
use crate::pgtable::{PageTables, TableCounts, TableId, TableInfo};
use crate::scenario::ConfigOption;
use crate::trace::{Bug, Event, Visits};
use crate::vma::{Vma, VmaList};
use crate::walker::Walker;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// The most live page tables (all levels, leaked ones included) the simulated mm may hold.
/// The simulation's memory grows with live tables; this keeps a typo like
/// `touch 0 7ffffffff000` from allocating 64 million tables in a browser tab. It bounds the
/// whole mm, not one command: a fault-in that would pass it is refused before it starts.
pub const MAX_LIVE_TABLES: u64 = 1 << 18;

/// DEFAULT_MAX_MAP_COUNT of 2.6.12 (include/linux/sched.h), sysctl_max_map_count's default.
pub const DEFAULT_MAX_MAP_COUNT: u64 = 65536;

/// unmap_vmas' ZAP_BLOCK_SIZE in pages (mm/memory.c): 8 with CONFIG_PREEMPT, else 1024.
pub const fn zap_block_pages(config: ConfigOption) -> u64 {
    match config {
        ConfigOption::Preempt => 8,
        ConfigOption::NoPreempt => 1024,
    }
}

/// The settings a scenario's header gives an mm.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MmConfig {
    /// FIRST_USER_ADDRESS.
    pub first_user_address: VirtAddr,
    /// CONFIG_PREEMPT.
    pub config: ConfigOption,
    /// sysctl_max_map_count.
    pub max_map_count: u64,
}

impl MmConfig {
    /// The defaults of `arch`: its FIRST_USER_ADDRESS, CONFIG_PREEMPT unset,
    /// DEFAULT_MAX_MAP_COUNT.
    pub fn defaults(arch: ArchId) -> Self {
        MmConfig {
            first_user_address: VirtAddr::new(arch.arch().first_user_address),
            config: ConfigOption::NoPreempt,
            max_map_count: DEFAULT_MAX_MAP_COUNT,
        }
    }
}

/// Which kernel's free algorithm runs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub enum Kernel {
    /// 2.6.12: freepgt, `free_pgtables` over the vma list.
    #[default]
    #[serde(rename = "2.6.12")]
    V2_6_12,
    /// 2.6.11: the prev-based `free_pgtables` and `clear_page_range`.
    #[serde(rename = "2.6.11")]
    V2_6_11,
}

impl Kernel {
    /// Both kernels.
    pub const ALL: [Kernel; 2] = [Kernel::V2_6_12, Kernel::V2_6_11];

    /// `2.6.12` or `2.6.11`.
    pub const fn name(self) -> &'static str {
        match self {
            Kernel::V2_6_12 => "2.6.12",
            Kernel::V2_6_11 => "2.6.11",
        }
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kernel {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Kernel::ALL.into_iter().find(|k| k.name() == s).ok_or(())
    }
}

/// One operation on an mm: a scenario command after the header.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `vma START END [NAME]`.
    Vma {
        /// The range.
        range: AddrRange,
        /// Optional label.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// `touch ADDR`.
    Touch {
        /// The faulting address (need not be aligned).
        addr: VirtAddr,
    },
    /// `touch START END`.
    TouchRange {
        /// The pages.
        range: AddrRange,
    },
    /// `munmap START END`.
    Munmap {
        /// The range.
        range: AddrRange,
    },
    /// `mmapfail START END`.
    MmapFail {
        /// The range.
        range: AddrRange,
    },
    /// `zapfail START END`.
    ZapFail {
        /// The range.
        range: AddrRange,
    },
    /// `exit`.
    Exit,
}

impl Op {
    /// The addresses the command names.
    pub fn addresses(&self) -> impl Iterator<Item = VirtAddr> {
        let (a, b) = match self {
            Op::Vma { range, .. }
            | Op::TouchRange { range }
            | Op::Munmap { range }
            | Op::MmapFail { range }
            | Op::ZapFail { range } => (Some(range.start), Some(range.end)),
            Op::Touch { addr } => (Some(*addr), None),
            Op::Exit => (None, None),
        };
        a.into_iter().chain(b)
    }

    /// True for the commands whose report has the free section (freed tables, flushes,
    /// VPTE totals, visits): `munmap`, `mmapfail`, `zapfail` and `exit`. A `zapfail` frees
    /// no table (only `zap_page_range` runs); its section says so with its zeros.
    pub fn reports_frees(&self) -> bool {
        matches!(
            self,
            Op::Munmap { .. } | Op::MmapFail { .. } | Op::ZapFail { .. } | Op::Exit
        )
    }
}

/// What one operation did.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize)]
pub struct Outcome {
    /// The ordered trace.
    pub events: Vec<Event>,
    /// Loop iterations of the free walk.
    pub visits: Visits,
}

/// The simulated `mm_struct`.
#[derive(Clone, Debug)]
pub struct Mm {
    arch: &'static Arch,
    kernel: Kernel,
    first_user_address: VirtAddr,
    config: ConfigOption,
    max_map_count: u64,
    vmas: VmaList,
    pt: PageTables,
    /// Linked tables whose span meets no vma, kept up to date by [`Mm::apply`]: an operation
    /// can only change the status of tables that meet its range, or free them, so each
    /// operation re-examines just those (the report lists orphans after every command, and a
    /// rescan of every table per command made big scenarios quadratic).
    orphans: BTreeSet<(Level, VirtAddr)>,
}

impl Mm {
    /// An empty mm. `first_user_address` must be page aligned, below TASK_SIZE and outside
    /// the hole.
    pub fn new(
        arch: ArchId,
        kernel: Kernel,
        first_user_address: VirtAddr,
    ) -> Result<Self, OpError> {
        Self::with_config(
            arch,
            kernel,
            MmConfig {
                first_user_address,
                ..MmConfig::defaults(arch)
            },
        )
    }

    /// An empty mm with a scenario header's settings.
    pub fn with_config(arch: ArchId, kernel: Kernel, config: MmConfig) -> Result<Self, OpError> {
        let first_user_address = config.first_user_address;
        let a = arch.arch();
        let fua = first_user_address.as_u64();
        if !a.page_aligned(fua) {
            return Err(OpError::Unaligned {
                addr: first_user_address,
                page_size: a.page_size(),
            });
        }
        if fua >= a.task_size || a.touches_hole(fua, fua + 1) {
            return Err(OpError::BadFirstUserAddress {
                addr: first_user_address,
            });
        }
        Ok(Mm {
            arch: a,
            kernel,
            first_user_address,
            config: config.config,
            max_map_count: config.max_map_count,
            vmas: VmaList::new(),
            pt: PageTables::new(a),
            orphans: BTreeSet::new(),
        })
    }

    /// The architecture.
    pub fn arch(&self) -> &'static Arch {
        self.arch
    }

    /// The kernel whose free algorithm runs.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// FIRST_USER_ADDRESS.
    pub fn first_user_address(&self) -> VirtAddr {
        self.first_user_address
    }

    /// CONFIG_PREEMPT.
    pub fn config(&self) -> ConfigOption {
        self.config
    }

    /// sysctl_max_map_count.
    pub fn max_map_count(&self) -> u64 {
        self.max_map_count
    }

    /// The vma list.
    pub fn vmas(&self) -> &VmaList {
        &self.vmas
    }

    /// The page-table tree.
    pub fn page_tables(&self) -> &PageTables {
        &self.pt
    }

    /// Live table counts, leaked tables included.
    pub fn counts(&self) -> TableCounts {
        self.pt.counts()
    }

    /// Tables still linked in the tree whose span meets no vma (`--orphans`), in level then
    /// base order. The pgd's own pmd tables (i386 PAE) are part of the pgd, never orphans.
    pub fn orphans(&self) -> Vec<TableInfo> {
        self.orphans
            .iter()
            .filter_map(|(level, base)| self.pt.find(*level, *base))
            .map(|id| self.pt.info_of(id))
            .collect()
    }

    /// The same set by definition: every linked table checked against the vma list. O(tables);
    /// for tests of the incremental [`Mm::orphans`].
    pub fn orphans_by_scan(&self) -> Vec<TableInfo> {
        let mut v: Vec<TableInfo> = self
            .pt
            .reachable()
            .into_iter()
            .filter(|t| !t.owned_by_pgd && !self.vmas.meets(self.span_of(t)))
            .collect();
        v.sort_unstable_by_key(|t| (t.level, t.base));
        v
    }

    fn span_of(&self, t: &TableInfo) -> AddrRange {
        AddrRange::new(t.base, t.base.wrapping_add(t.span))
    }

    /// Brings the orphan set up to date after an operation over `region` (`None`: the whole
    /// address space): drops tables that are no longer linked, then re-examines every linked
    /// table whose span meets the region.
    fn refresh_orphans(&mut self, region: Option<AddrRange>) {
        let pt = &self.pt;
        self.orphans
            .retain(|(level, base)| pt.find(*level, *base).is_some());
        let region = region.unwrap_or(AddrRange::new(VirtAddr::ZERO, VirtAddr::ZERO));
        for t in self.pt.reachable_meeting(region) {
            let key = (t.level, t.base);
            // A pgd-owned table (PAE's pmds) is part of the pgd, never an orphan.
            if t.owned_by_pgd || self.vmas.meets(self.span_of(&t)) {
                self.orphans.remove(&key);
            } else {
                self.orphans.insert(key);
            }
        }
    }

    /// Applies one operation; on error nothing changed.
    pub fn apply(&mut self, op: &Op) -> Result<Outcome, OpError> {
        let mut outcome = Outcome::default();
        self.apply_into(op, &mut outcome)?;
        Ok(outcome)
    }

    /// [`Mm::apply`] into `outcome`, which is reset first: a runner that keeps one outcome
    /// for every command reuses its event buffer instead of allocating one per fault.
    pub fn apply_into(&mut self, op: &Op, outcome: &mut Outcome) -> Result<(), OpError> {
        outcome.events.clear();
        outcome.visits = Visits::default();
        // An address wider than `unsigned long` (32-bit arches) is refused before anything
        // else: the kernel could not even be passed it.
        if let Some(value) = op.addresses().find(|a| !self.arch.fits_word(a.as_u64())) {
            return Err(OpError::WiderThanWord {
                value,
                bits: self.arch.word_bits,
            });
        }
        let (done, region) = match op {
            Op::Vma { range, name } => (self.map_vma(*range, name.clone())?, Some(*range)),
            // A fault needs a vma and changes none: the tables it allocates meet that vma, and
            // no other table's status changes. Nothing to re-examine (keeps faults cheap).
            Op::Touch { addr } => return self.touch(*addr, &mut outcome.events),
            Op::TouchRange { range } => return self.touch_range(*range, &mut outcome.events),
            Op::Munmap { range } => (self.do_munmap(*range)?, Some(*range)),
            Op::MmapFail { range } => (self.mmap_fail(*range)?, Some(*range)),
            Op::ZapFail { range } => (self.zap_fail(*range)?, Some(*range)),
            Op::Exit => (self.exit_mmap(), None),
        };
        *outcome = done;
        self.refresh_orphans(region);
        Ok(())
    }

    /// Starts fetching, without changing anything, the memory that faults at `addrs` will
    /// read: the vma bounds their lookups search, their pte tables' index slots and
    /// present-pte words. A runner that knows the next few faults calls it first: each fault
    /// at a random address otherwise waits for three cache misses one after the other, while
    /// these fetches are independent of each other and overlap. The simulation's results
    /// never depend on it.
    ///
    /// It takes two rounds: [`Mm::warm_first`] (the index slots and the vma chunks' lines of
    /// group ends), then [`Mm::warm_second`] (what those lead to: the groups' bound lines and
    /// the present-pte words). A runner that calls the first round a batch of faults earlier
    /// than the second, and the second a batch earlier than the faults, never waits for a
    /// line; this does both at once.
    pub fn warm(&self, addrs: &[VirtAddr]) {
        self.warm_first(addrs);
        self.warm_second(addrs);
    }

    /// The first round of [`Mm::warm`]: asks for lines at addresses computed from cached
    /// data alone, so it never waits.
    pub fn warm_first(&self, addrs: &[VirtAddr]) {
        for &a in addrs {
            self.pt.warm_index(a);
            self.vmas.warm_chunk(a);
        }
    }

    /// The second round of [`Mm::warm`]: reads the lines of the first round (waiting for
    /// any that have not arrived) and asks for the lines they point to.
    pub fn warm_second(&self, addrs: &[VirtAddr]) {
        for &a in addrs {
            self.vmas.warm_group(a);
            self.pt.warm_bits(a);
        }
    }

    /// Checks a page-aligned, non-empty range below TASK_SIZE that avoids the hole.
    fn check_range(&self, r: AddrRange) -> Result<(), OpError> {
        let a = self.arch;
        for addr in [r.start, r.end] {
            if !a.page_aligned(addr.as_u64()) {
                return Err(OpError::Unaligned {
                    addr,
                    page_size: a.page_size(),
                });
            }
        }
        if r.start == r.end {
            return Err(OpError::EmptyRange { range: r });
        }
        if r.start > r.end {
            return Err(OpError::ReversedRange { range: r });
        }
        if r.end.as_u64() > a.task_size {
            return Err(OpError::AboveTaskSize {
                range: r,
                task_size: VirtAddr::new(a.task_size),
            });
        }
        if let Some((hs, he)) = a.hole {
            if a.touches_hole(r.start.as_u64(), r.end.as_u64()) {
                return Err(OpError::InHole {
                    range: r,
                    hole: AddrRange::new(VirtAddr::new(hs), VirtAddr::new(he)),
                });
            }
        }
        Ok(())
    }

    /// Checks that faulting in `r` keeps the mm within [`MAX_LIVE_TABLES`]: counts, level by
    /// level, the table spans the range meets and subtracts the linked tables already there
    /// (O(tables in the range), never O(the range)).
    fn check_fault_size(&self, r: AddrRange) -> Result<(), OpError> {
        let arch = self.arch;
        let spans = |level: Level| {
            let shift = arch.shift(arch.parent_level(level).unwrap_or(Level::Pgd));
            ((r.end.as_u64() - 1) >> shift) - (r.start.as_u64() >> shift) + 1
        };
        let live = self.pt.counts().total();
        // Every span new is the most the fault can add: far from the limit (a one-page touch
        // adds at most one table per level) no walk is needed, and a million touches skip it.
        let at_most = arch
            .real_levels()
            .fold(0u64, |n, level| n.saturating_add(spans(level)));
        if live.saturating_add(at_most) <= MAX_LIVE_TABLES {
            return Ok(());
        }
        let present = self.pt.reachable_meeting(r);
        let mut new_tables = 0u64;
        for level in arch.real_levels() {
            let spans = spans(level);
            let have = present.iter().filter(|t| t.level == level).count() as u64;
            new_tables += spans - have.min(spans);
        }
        if live.saturating_add(new_tables) > MAX_LIVE_TABLES {
            return Err(OpError::TooManyTables {
                range: r,
                new_tables,
                live,
                limit: MAX_LIVE_TABLES,
            });
        }
        Ok(())
    }

    /// do_mmap_pgoff's `if (mm->map_count > sysctl_max_map_count) return -ENOMEM;`.
    fn check_map_count(&self) -> Result<(), OpError> {
        let map_count = self.vmas.len() as u64;
        if map_count > self.max_map_count {
            return Err(OpError::MapCount {
                map_count,
                max_map_count: self.max_map_count,
            });
        }
        Ok(())
    }

    /// Checks a range that a new vma (or a driver's would-be vma) will occupy.
    fn check_new_vma(&self, r: AddrRange) -> Result<(), OpError> {
        self.check_range(r)?;
        if r.start < self.first_user_address {
            return Err(OpError::BelowFirstUserAddress {
                range: r,
                first_user_address: self.first_user_address,
            });
        }
        if let Some(v) = self.vmas.first_overlap(r) {
            return Err(OpError::Overlap {
                range: r,
                with: v.range(),
            });
        }
        Ok(())
    }

    /// `vma START END [NAME]`: maps a vma (no tables are allocated until a fault).
    fn map_vma(&mut self, range: AddrRange, name: Option<String>) -> Result<Outcome, OpError> {
        self.check_new_vma(range)?;
        self.check_map_count()?;
        self.vmas.insert(Vma {
            start: range.start,
            end: range.end,
            name,
        });
        Ok(Outcome {
            events: vec![Event::VmaMapped { range }],
            visits: Visits::default(),
        })
    }

    /// `touch ADDR`: a page fault at ADDR, which must lie in a vma.
    fn touch(&mut self, addr: VirtAddr, events: &mut Vec<Event>) -> Result<(), OpError> {
        // The pte table is looked up before the vma: the two lookups do not depend on each
        // other, so at a random address their cache misses overlap instead of adding up.
        let linked = self.pt.indexed_pte_table(addr);
        if !self.vmas.contains(addr) {
            return Err(OpError::NotInVma { addr });
        }
        let page = addr.mask(self.arch.page_mask());
        let range = AddrRange::new(page, page.wrapping_add(self.arch.page_size()));
        self.check_fault_size(range)?;
        self.fault_in_from(range, linked, events);
        Ok(())
    }

    /// `touch START END`: faults every page of the range; every page must lie in a vma.
    fn touch_range(&mut self, range: AddrRange, events: &mut Vec<Event>) -> Result<(), OpError> {
        self.check_range(range)?;
        self.check_fault_size(range)?;
        let mut addr = range.start;
        while addr < range.end {
            match self.vmas.containing(addr) {
                Some(v) => addr = v.end,
                None => return Err(OpError::NotInVma { addr }),
            }
        }
        self.fault_in(range, events);
        Ok(())
    }

    /// Sets every pte of `range`, allocating tables as `handle_mm_fault` would.
    fn fault_in(&mut self, range: AddrRange, events: &mut Vec<Event>) {
        self.fault_in_from(range, None, events);
    }

    /// [`Mm::fault_in`] given the pte table of `range.start`, if the caller already looked
    /// it up and found it linked.
    fn fault_in_from(&mut self, range: AddrRange, first: Option<TableId>, events: &mut Vec<Event>) {
        let arch = self.arch;
        let mut new_tables = Vec::new();
        let mut new_ptes = 0;
        let mut addr = range.start;
        let mut known = first;
        while addr != range.end {
            let next = arch.addr_end(Level::Pmd, addr, range.end);
            let table = match known.take() {
                Some(t) => t,
                None => self.pt.pte_table_for(addr, &mut new_tables),
            };
            new_ptes += self.pt.set_ptes(
                table,
                arch.index(Level::Pte, addr),
                arch.index(Level::Pte, next.wrapping_sub(1)),
            );
            addr = next;
        }
        events.extend(
            new_tables
                .into_iter()
                .map(|(level, base)| Event::TableAllocated { level, base }),
        );
        events.push(Event::PagesFaulted {
            range,
            pages: (range.end.as_u64() - range.start.as_u64()) / arch.page_size(),
            new_ptes,
        });
    }

    /// `do_munmap(mm, start, len)`: split the edge vmas, detach the vmas in the range, then
    /// `unmap_region`. A range that meets no vma returns before `unmap_region`.
    fn do_munmap(&mut self, range: AddrRange) -> Result<Outcome, OpError> {
        self.check_range(range)?;
        let (start, end) = (range.start, range.end);
        let mut events = Vec::new();
        match self.vmas.find_vma(start) {
            Some(v) if v.start < end => {}
            _ => {
                events.push(Event::MunmapNothing { range });
                return Ok(Outcome {
                    events,
                    visits: Visits::default(),
                });
            }
        }
        // split_vma: `if (mm->map_count >= sysctl_max_map_count) return -ENOMEM;`. The lower
        // edge is split first; if the upper split then fails, the lower one stays.
        for at in [start, end] {
            if self.vmas.containing(at).is_none_or(|v| v.start == at) {
                continue;
            }
            let map_count = self.vmas.len() as u64;
            if map_count >= self.max_map_count {
                events.push(Event::SplitVmaEnomem { at, map_count });
                return Ok(Outcome {
                    events,
                    visits: Visits::default(),
                });
            }
            if let Some((lower, upper)) = self.vmas.split(at) {
                events.push(Event::SplitVma { at, lower, upper });
            }
        }
        let prev = self.vmas.prev_of(start).map(Vma::range);
        let detached: Vec<AddrRange> = self
            .vmas
            .detach(start, end)
            .iter()
            .map(Vma::range)
            .collect();
        events.push(Event::DetachVmas {
            vmas: detached.clone(),
        });
        let next = self.vmas.next_from(end).map(Vma::range);
        let visits = self.unmap_region(&detached, prev, next, range, &mut events);
        Ok(Outcome { events, visits })
    }

    /// `unmap_region(mm, vma, prev, start, end)`: zap the ptes of the detached vmas, then free
    /// their page tables with floor = prev's end (or FIRST_USER_ADDRESS) and ceiling = next's
    /// start (or 0). Under 2.6.11 the old prev-based `free_pgtables` runs instead.
    fn unmap_region(
        &mut self,
        detached: &[AddrRange],
        prev: Option<AddrRange>,
        next: Option<AddrRange>,
        range: AddrRange,
        events: &mut Vec<Event>,
    ) -> Visits {
        let floor = Floor(prev.map_or(self.first_user_address, |p| p.end));
        let ceiling = Ceiling(next.map_or(VirtAddr::ZERO, |n| n.start));
        events.push(Event::UnmapRegion {
            range,
            prev,
            next,
            floor,
            ceiling,
        });
        let queued = self.unmap_vmas(detached, events);
        let mut w = Walker {
            arch: self.arch,
            pt: &mut self.pt,
            remaining: &self.vmas,
            trace: events,
            visits: Visits::default(),
            full_mm: false,
            queued,
        };
        match self.kernel {
            Kernel::V2_6_12 => w.free_pgtables(detached, floor, ceiling),
            Kernel::V2_6_11 => w.free_pgtables_2611(&self.vmas, prev, range.start, range.end),
        }
        w.visits
    }

    /// `unmap_vmas(&tlb, mm, vma, start, end, ...)` over the detached vmas (which tile the
    /// mapped part of the range): clears their ptes and returns how many addresses sparc64's
    /// per-cpu TLB batch still holds afterwards. The zap runs in ZAP_BLOCK_SIZE blocks counted
    /// across vmas and flushes the batch after each full block, so only the ptes cleared in
    /// the last `span % ZAP_BLOCK_SIZE` bytes can still be queued
    /// ([`crate::flush::zap_leaves_queued`]).
    fn unmap_vmas(&mut self, detached: &[AddrRange], events: &mut Vec<Event>) -> u64 {
        let block = zap_block_pages(self.config) * self.arch.page_size();
        let span: u64 = detached
            .iter()
            .map(|v| v.end.as_u64() - v.start.as_u64())
            .sum();
        // Bytes of the last, partial block, taken from the top of the span down.
        let mut tail = span % block;
        let mut tail_ptes = 0;
        let mut cleared_per_vma = vec![0; detached.len()];
        for (i, v) in detached.iter().enumerate().rev() {
            let len = v.end.as_u64() - v.start.as_u64();
            let in_tail = tail.min(len);
            tail -= in_tail;
            let cut = v.end.wrapping_sub(in_tail);
            let t = self.pt.clear_ptes(cut, v.end);
            tail_ptes += t;
            cleared_per_vma[i] = t + self.pt.clear_ptes(v.start, cut);
        }
        for (v, cleared) in detached.iter().zip(cleared_per_vma) {
            events.push(Event::ZapPtes { range: *v, cleared });
        }
        crate::flush::zap_leaves_queued(self.arch, tail_ptes)
    }

    /// `mmapfail START END`: the `do_mmap_pgoff` driver-failure path. A driver faulted in the
    /// pages of a vma that is never linked; 2.6.12 then calls `unmap_region` over that one vma,
    /// 2.6.11 only `zap_page_range`.
    fn mmap_fail(&mut self, range: AddrRange) -> Result<Outcome, OpError> {
        self.check_new_vma(range)?;
        // A do_mmap_pgoff: refused before the driver runs when the mm is over the limit.
        self.check_map_count()?;
        self.check_fault_size(range)?;
        let mut events = vec![Event::DriverFault { range }];
        self.fault_in(range, &mut events);
        let visits = match self.kernel {
            Kernel::V2_6_12 => {
                let prev = self.vmas.prev_of(range.start).map(Vma::range);
                let next = self.vmas.next_from(range.end).map(Vma::range);
                self.unmap_region(&[range], prev, next, range, &mut events)
            }
            Kernel::V2_6_11 => {
                self.zap_page_range(range, &mut events);
                Visits::default()
            }
        };
        Ok(Outcome { events, visits })
    }

    /// `zapfail START END`: the same driver fault-in, then only `zap_page_range` whatever the
    /// kernel: the tables stay, and no vma will ever lead free_pgtables to them.
    fn zap_fail(&mut self, range: AddrRange) -> Result<Outcome, OpError> {
        self.check_new_vma(range)?;
        // A do_mmap_pgoff: refused before the driver runs when the mm is over the limit.
        self.check_map_count()?;
        self.check_fault_size(range)?;
        let mut events = vec![Event::DriverFault { range }];
        self.fault_in(range, &mut events);
        self.zap_page_range(range, &mut events);
        Ok(Outcome {
            events,
            visits: Visits::default(),
        })
    }

    fn zap_page_range(&mut self, range: AddrRange, events: &mut Vec<Event>) {
        let cleared = self.pt.clear_ptes(range.start, range.end);
        events.push(Event::ZapPtes { range, cleared });
    }

    /// `exit_mmap(mm)`: clear every pte, free the page tables of the whole mm with a full-mm
    /// gather (no `flush_tlb_pgtables`), empty the vma list, and (2.6.12) check
    /// `BUG_ON(mm->nr_ptes > (FIRST_USER_ADDRESS + PMD_SIZE - 1) >> PMD_SHIFT)`.
    fn exit_mmap(&mut self) -> Outcome {
        let mut events = vec![Event::ExitMmap {
            vmas: self.vmas.len(),
        }];
        let all: Vec<AddrRange> = self.vmas.take_all().iter().map(Vma::range).collect();
        for v in &all {
            let cleared = self.pt.clear_ptes(v.start, v.end);
            events.push(Event::ZapPtes { range: *v, cleared });
        }
        let empty = VmaList::new();
        let mut w = Walker {
            arch: self.arch,
            pt: &mut self.pt,
            remaining: &empty,
            trace: &mut events,
            visits: Visits::default(),
            full_mm: true,
            queued: 0,
        };
        match self.kernel {
            Kernel::V2_6_12 => w.free_pgtables(&all, Floor(self.first_user_address), Ceiling::TOP),
            // clear_page_range(tlb, FIRST_USER_PGD_NR * PGDIR_SIZE, MM_VM_SIZE(mm)).
            Kernel::V2_6_11 => w.clear_page_range(
                VirtAddr::new(self.arch.first_user_pgd_floor()),
                VirtAddr::new(self.arch.mm_vm_size()),
            ),
        }
        let visits = w.visits;
        if self.kernel == Kernel::V2_6_12 {
            let nr_ptes = self.pt.counts().pte;
            let pmd_shift = self.arch.shift(Level::Pmd);
            let allowed = self
                .first_user_address
                .as_u64()
                .wrapping_add(self.arch.size(Level::Pmd) - 1)
                >> pmd_shift;
            if nr_ptes > allowed {
                events.push(Event::Bug(Bug::ExitNrPtes { nr_ptes }));
            }
        }
        Outcome { events, visits }
    }
}
