//! The mm's vma list (`mm->mmap`, sorted, non-overlapping), with the list operations do_munmap
//! needs: `find_vma`, `find_vma_prev`, `split_vma` and `detach_vmas_to_be_unmapped`.

use crate::addr::{AddrRange, VirtAddr};
use serde::{Deserialize, Serialize};

/// One vm_area_struct: `[start, end)`, page aligned, with an optional UI label.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Vma {
    /// vm_start.
    pub start: VirtAddr,
    /// vm_end (exclusive, never 0).
    pub end: VirtAddr,
    /// A label such as `heap`; not used by the simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Vma {
    /// `[start, end)`.
    pub fn range(&self) -> AddrRange {
        AddrRange::new(self.start, self.end)
    }
}

/// The most vmas one chunk of a [`VmaList`] holds (small in unit tests, so that their few
/// vmas already cross chunk boundaries).
const CHUNK_MAX: usize = if cfg!(test) { 4 } else { 64 };

/// Vmas per group of a chunk's bounds: the `u64`s of one 64-byte cache line (fewer in unit
/// tests, so that their few vmas already fill several groups).
const GROUP: usize = if cfg!(test) { 2 } else { 8 };

/// Groups per chunk.
const GROUPS: usize = CHUNK_MAX / GROUP;

/// The sorted vma list of one mm.
///
/// The kernel walks `mm->mmap` and searches an rb-tree. find_vma runs once per fault, and with
/// faults at random over many vmas its cost is the cache lines it has to fetch, so a lookup
/// here is a binary search over the last `vm_end` of each chunk (8 KiB for 65,530 vmas: every
/// lookup reads it, so it stays cached), then within the chunk of [`CHUNK_MAX`] vmas a
/// branch-free count over one cache line holding the last `vm_end` of each group of
/// [`GROUP`], then over the group's line of `vm_end`s; containment then tests the one
/// `vm_start`. Three cache lines per lookup (a chunk of `[vm_start, vm_end]` pairs counted
/// whole took seventeen). An insert or removal moves one chunk.
#[derive(Clone, Default)]
pub struct VmaList {
    /// Non-empty chunks in address order.
    chunks: Vec<Chunk>,
    /// `chunks[i]`'s last `vm_end`: the top level of the search.
    last_ends: Vec<u64>,
    len: usize,
}

/// A run of consecutive vmas, with their bounds mirrored inline to search.
#[derive(Clone)]
struct Chunk {
    bounds: Bounds,
    vmas: Vec<Vma>,
}

/// The bounds of a chunk's vmas, each array on cache-line boundaries.
#[derive(Clone)]
#[repr(C, align(64))]
struct Bounds {
    /// The last `vm_end` of each group (`ends[GROUP * g + GROUP - 1]`): the first level of
    /// the search within a chunk.
    group_ends: [u64; GROUPS],
    /// `vm_end` of each vma, then padding up to [`CHUNK_MAX`].
    ends: [u64; CHUNK_MAX],
    /// `vm_start` of each vma, then padding.
    starts: [u64; CHUNK_MAX],
}

/// Padding: above every address, so it never counts in [`Bounds::position`].
const PAD: u64 = u64::MAX;

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            bounds: Bounds {
                group_ends: [PAD; GROUPS],
                ends: [PAD; CHUNK_MAX],
                starts: [PAD; CHUNK_MAX],
            },
            vmas: Vec::new(),
        }
    }
}

impl Bounds {
    /// How many vmas end at or below `addr`: the index of the first that ends above it. The
    /// padding never counts, so `addr` must be below the chunk's last end. Two lines read:
    /// the group ends, then the ends of the group that holds the answer.
    fn position(&self, addr: u64) -> usize {
        let g = self.group_ends.iter().filter(|&&e| e <= addr).count();
        let first = GROUP * g.min(GROUPS - 1);
        first
            + self.ends[first..first + GROUP]
                .iter()
                .filter(|&&e| e <= addr)
                .count()
    }

    /// Starts fetching the lines of `vm_end`s and `vm_start`s that [`Self::position`] and
    /// containment will read for `addr` (this reads the group ends).
    fn warm(&self, addr: u64) {
        let g = self.group_ends.iter().filter(|&&e| e <= addr).count();
        let first = GROUP * g.min(GROUPS - 1);
        crate::prefetch::prefetch(&self.ends[first]);
        crate::prefetch::prefetch(&self.starts[first]);
    }

    /// Recomputes `group_ends` after `ends` changed.
    fn summarize(&mut self) {
        for (g, e) in self.group_ends.iter_mut().enumerate() {
            *e = self.ends[GROUP * g + GROUP - 1];
        }
    }

    /// `copy_within` on both arrays.
    fn copy_within(&mut self, from: std::ops::Range<usize>, to: usize) {
        self.ends.copy_within(from.clone(), to);
        self.starts.copy_within(from, to);
    }

    /// Pads `range` of both arrays.
    fn pad(&mut self, range: std::ops::Range<usize>) {
        self.ends[range.clone()].fill(PAD);
        self.starts[range].fill(PAD);
    }
}

impl Chunk {
    fn last_end(&self) -> u64 {
        self.bounds.ends[self.vmas.len() - 1]
    }

    /// How many vmas end at or below `addr` ([`Bounds::position`]).
    fn position(&self, addr: u64) -> usize {
        self.bounds.position(addr)
    }

    /// Inserts at `at`; the chunk must not be full.
    fn insert(&mut self, at: usize, vma: Vma) {
        let n = self.vmas.len();
        self.bounds.copy_within(at..n, at + 1);
        self.bounds.ends[at] = vma.end.as_u64();
        self.bounds.starts[at] = vma.start.as_u64();
        self.bounds.summarize();
        self.vmas.insert(at, vma);
    }

    /// Sets the end of the vma at `at`.
    fn set_end(&mut self, at: usize, end: VirtAddr) {
        self.vmas[at].end = end;
        self.bounds.ends[at] = end.as_u64();
        self.bounds.summarize();
    }

    /// Moves the vmas from `at` on into a new chunk.
    fn split_off(&mut self, at: usize) -> Chunk {
        let n = self.vmas.len();
        let mut upper = Chunk::default();
        upper.bounds.ends[..n - at].copy_from_slice(&self.bounds.ends[at..n]);
        upper.bounds.starts[..n - at].copy_from_slice(&self.bounds.starts[at..n]);
        upper.bounds.summarize();
        self.bounds.pad(at..n);
        self.bounds.summarize();
        upper.vmas = self.vmas.split_off(at);
        upper
    }

    /// Removes `n` vmas from `at` on.
    fn drain(&mut self, at: usize, n: usize) -> std::vec::Drain<'_, Vma> {
        let len = self.vmas.len();
        self.bounds.copy_within(at + n..len, at);
        self.bounds.pad(len - n..len);
        self.bounds.summarize();
        self.vmas.drain(at..at + n)
    }
}

/// Where a vma sits: chunk, then index in the chunk.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Pos {
    chunk: usize,
    at: usize,
}

impl PartialEq for VmaList {
    /// The same vmas, however they are chunked.
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for VmaList {}

impl std::fmt::Debug for VmaList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl VmaList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of vmas (`mm->map_count`).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if there are no vmas.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The vmas in address order (`mm->mmap` and `vm_next`).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> + '_ {
        self.chunks.iter().flat_map(|c| c.vmas.iter())
    }

    /// The position of the first vma with `vm_end > addr`. Ends ascend like starts (the vmas
    /// do not overlap), so one search answers find_vma and every other lookup.
    fn find_pos(&self, addr: u64) -> Option<Pos> {
        let chunk = self.last_ends.partition_point(|&e| e <= addr);
        let c = self.chunks.get(chunk)?;
        Some(Pos {
            chunk,
            at: c.position(addr),
        })
    }

    fn get(&self, p: Pos) -> &Vma {
        &self.chunks[p.chunk].vmas[p.at]
    }

    fn next_pos(&self, p: Pos) -> Option<Pos> {
        if p.at + 1 < self.chunks[p.chunk].vmas.len() {
            Some(Pos { at: p.at + 1, ..p })
        } else if p.chunk + 1 < self.chunks.len() {
            Some(Pos {
                chunk: p.chunk + 1,
                at: 0,
            })
        } else {
            None
        }
    }

    fn prev_pos(&self, p: Pos) -> Option<Pos> {
        if p.at > 0 {
            Some(Pos { at: p.at - 1, ..p })
        } else {
            let chunk = p.chunk.checked_sub(1)?;
            Some(Pos {
                chunk,
                at: self.chunks[chunk].vmas.len() - 1,
            })
        }
    }

    /// The first vma that overlaps `range`, if any.
    pub fn first_overlap(&self, range: AddrRange) -> Option<&Vma> {
        self.find_vma(range.start)
            .filter(|v| v.start.as_u64() <= range.end.minus_one())
    }

    /// Inserts a vma the caller has checked does not overlap.
    pub fn insert(&mut self, vma: Vma) {
        debug_assert!(self.first_overlap(vma.range()).is_none());
        // The first vma ending above the new start lies above the new vma: insert before it.
        let (chunk, at) = match self.find_pos(vma.start.as_u64()) {
            Some(p) => (p.chunk, p.at),
            None => {
                // Above every vma. Appending keeps chunks full when vmas come in address order
                // (as they do from a loader or a generated scenario).
                match self.chunks.last() {
                    Some(c) if c.vmas.len() < CHUNK_MAX => (self.chunks.len() - 1, c.vmas.len()),
                    _ => {
                        self.chunks.push(Chunk::default());
                        self.last_ends.push(0);
                        (self.chunks.len() - 1, 0)
                    }
                }
            }
        };
        let (mut chunk, mut at) = (chunk, at);
        if self.chunks[chunk].vmas.len() == CHUNK_MAX {
            let half = CHUNK_MAX / 2;
            let upper = self.chunks[chunk].split_off(half);
            self.last_ends[chunk] = self.chunks[chunk].last_end();
            self.last_ends.insert(chunk + 1, upper.last_end());
            self.chunks.insert(chunk + 1, upper);
            if at > half {
                chunk += 1;
                at -= half;
            }
        }
        self.chunks[chunk].insert(at, vma);
        self.last_ends[chunk] = self.chunks[chunk].last_end();
        self.len += 1;
    }

    /// `find_vma(mm, addr)`: the first vma with `vm_end > addr`.
    pub fn find_vma(&self, addr: VirtAddr) -> Option<&Vma> {
        self.find_pos(addr.as_u64()).map(|p| self.get(p))
    }

    /// The vma containing `addr`, if any.
    pub fn containing(&self, addr: VirtAddr) -> Option<&Vma> {
        let p = self.find_pos(addr.as_u64())?;
        // Tested on the bounds the search just read: a fault only asks whether there is one.
        (self.chunks[p.chunk].bounds.starts[p.at] <= addr.as_u64()).then(|| self.get(p))
    }

    /// True if a vma contains `addr` ([`Self::containing`] without the vma itself: a fault
    /// only asks whether there is one, and the answer is in the bounds the search read).
    pub fn contains(&self, addr: VirtAddr) -> bool {
        self.find_pos(addr.as_u64())
            .is_some_and(|p| self.chunks[p.chunk].bounds.starts[p.at] <= addr.as_u64())
    }

    /// Starts fetching the line of group ends of the chunk that a lookup of `addr` searches:
    /// the first half of warming that lookup ([`crate::mm::Mm::warm`]).
    pub(crate) fn warm_chunk(&self, addr: VirtAddr) {
        let chunk = self.last_ends.partition_point(|&e| e <= addr.as_u64());
        if let Some(c) = self.chunks.get(chunk) {
            crate::prefetch::prefetch(&c.bounds.group_ends[0]);
        }
    }

    /// The second half: starts fetching the lines of `vm_end`s and `vm_start`s that the
    /// lookup will read (this reads the group ends).
    pub(crate) fn warm_group(&self, addr: VirtAddr) {
        let chunk = self.last_ends.partition_point(|&e| e <= addr.as_u64());
        if let Some(c) = self.chunks.get(chunk) {
            c.bounds.warm(addr.as_u64());
        }
    }

    /// The last vma that ends at or below `addr` (`prev` of `find_vma_prev`).
    pub fn prev_of(&self, addr: VirtAddr) -> Option<&Vma> {
        match self.find_pos(addr.as_u64()) {
            // That vma contains addr strictly: nothing that starts below addr ends by it.
            Some(p) if self.get(p).start < addr => None,
            Some(p) => self.prev_pos(p).map(|q| self.get(q)),
            None => self.iter().next_back(),
        }
    }

    /// The first vma starting at or above `addr`.
    pub fn next_from(&self, addr: VirtAddr) -> Option<&Vma> {
        let p = self.first_starting_from(addr)?;
        Some(self.get(p))
    }

    fn first_starting_from(&self, addr: VirtAddr) -> Option<Pos> {
        let p = self.find_pos(addr.as_u64())?;
        if self.get(p).start >= addr {
            Some(p)
        } else {
            self.next_pos(p)
        }
    }

    /// `split_vma(mm, vma, addr, ...)`: the vma containing `addr` strictly inside becomes two
    /// vmas `[start, addr)` and `[addr, end)`, both keeping the name. Returns the two halves.
    pub fn split(&mut self, addr: VirtAddr) -> Option<(AddrRange, AddrRange)> {
        let p = self.find_pos(addr.as_u64())?;
        let v = self.get(p);
        if v.start >= addr {
            return None;
        }
        let upper = Vma {
            start: addr,
            end: v.end,
            name: v.name.clone(),
        };
        let ranges = (AddrRange::new(v.start, addr), upper.range());
        let c = &mut self.chunks[p.chunk];
        c.set_end(p.at, addr);
        self.last_ends[p.chunk] = c.last_end();
        self.insert(upper);
        Some(ranges)
    }

    /// `detach_vmas_to_be_unmapped`: removes every vma starting in `[start, end)` and returns
    /// them in address order (the detached list, whose last `vm_next` is NULL).
    pub fn detach(&mut self, start: VirtAddr, end: VirtAddr) -> Vec<Vma> {
        let mut out = Vec::new();
        let Some(Pos { mut chunk, mut at }) = self.first_starting_from(start) else {
            return out;
        };
        while chunk < self.chunks.len() {
            let c = &mut self.chunks[chunk];
            let n = c.vmas[at..].iter().take_while(|v| v.start < end).count();
            out.extend(c.drain(at, n));
            let reached_end = at == c.vmas.len();
            if c.vmas.is_empty() {
                self.chunks.remove(chunk);
                self.last_ends.remove(chunk);
            } else {
                self.last_ends[chunk] = c.last_end();
                chunk += 1;
            }
            if !reached_end {
                break;
            }
            at = 0;
        }
        self.len -= out.len();
        out
    }

    /// Removes every vma (the end of exit_mmap).
    pub fn take_all(&mut self) -> Vec<Vma> {
        let all = std::mem::take(self);
        let mut out = Vec::with_capacity(all.len);
        for c in all.chunks {
            out.extend(c.vmas);
        }
        out
    }

    /// True if some vma meets `range`.
    pub fn meets(&self, range: AddrRange) -> bool {
        self.first_overlap(range).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vma(s: u64, e: u64) -> Vma {
        Vma {
            start: VirtAddr::new(s),
            end: VirtAddr::new(e),
            name: None,
        }
    }

    #[test]
    fn find_vma_returns_first_ending_above() {
        let mut l = VmaList::new();
        l.insert(vma(0x1000, 0x2000));
        l.insert(vma(0x5000, 0x6000));
        assert_eq!(
            l.find_vma(VirtAddr::new(0x1800)).unwrap().start.as_u64(),
            0x1000
        );
        assert_eq!(
            l.find_vma(VirtAddr::new(0x2000)).unwrap().start.as_u64(),
            0x5000
        );
        assert!(l.find_vma(VirtAddr::new(0x6000)).is_none());
        assert_eq!(
            l.prev_of(VirtAddr::new(0x5000)).unwrap().start.as_u64(),
            0x1000
        );
        assert!(l.prev_of(VirtAddr::new(0x1800)).is_none());
    }

    /// The list as the obvious sorted map (what VmaList was before it was chunked), for the
    /// model test below.
    #[derive(Default)]
    struct Model(std::collections::BTreeMap<u64, u64>);

    impl Model {
        fn find_vma(&self, a: u64) -> Option<(u64, u64)> {
            self.0.iter().map(|(s, e)| (*s, *e)).find(|(_, e)| *e > a)
        }
        fn prev_of(&self, a: u64) -> Option<(u64, u64)> {
            let last = self.0.range(..a).next_back().map(|(s, e)| (*s, *e));
            last.filter(|(_, e)| *e <= a)
        }
        fn next_from(&self, a: u64) -> Option<(u64, u64)> {
            self.0.range(a..).next().map(|(s, e)| (*s, *e))
        }
    }

    fn pair(v: Option<&Vma>) -> Option<(u64, u64)> {
        v.map(|v| (v.start.as_u64(), v.end.as_u64()))
    }

    /// Random inserts, splits and detaches (over 4-vma chunks, so chunks split, empty and get
    /// removed), with every query checked against the sorted-map model after each step.
    #[test]
    fn chunked_list_matches_a_sorted_map() {
        let mut seed = 0x2005_u64;
        let mut rand = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _round in 0..12 {
            let mut l = VmaList::new();
            let mut m = Model::default();
            for _ in 0..300 {
                let a = rand(64) * 0x1000;
                let b = a + (1 + rand(8)) * 0x1000;
                match rand(10) {
                    0..=5 => {
                        if l.first_overlap(AddrRange::new(VirtAddr::new(a), VirtAddr::new(b)))
                            .is_none()
                        {
                            l.insert(vma(a, b));
                            m.0.insert(a, b);
                        }
                    }
                    6 | 7 => {
                        let got = l.split(VirtAddr::new(a));
                        let inside = m.find_vma(a).filter(|(s, _)| *s < a);
                        assert_eq!(got.is_some(), inside.is_some());
                        if let Some((s, e)) = inside {
                            m.0.insert(s, a);
                            m.0.insert(a, e);
                        }
                    }
                    _ => {
                        let got: Vec<(u64, u64)> = l
                            .detach(VirtAddr::new(a), VirtAddr::new(b))
                            .iter()
                            .map(|v| (v.start.as_u64(), v.end.as_u64()))
                            .collect();
                        let want: Vec<(u64, u64)> =
                            m.0.range(a..b).map(|(s, e)| (*s, *e)).collect();
                        for (s, _) in &want {
                            m.0.remove(s);
                        }
                        assert_eq!(got, want);
                    }
                }
                assert_eq!(l.len(), m.0.len());
                let all: Vec<(u64, u64)> = l
                    .iter()
                    .map(|v| (v.start.as_u64(), v.end.as_u64()))
                    .collect();
                assert_eq!(all, m.0.iter().map(|(s, e)| (*s, *e)).collect::<Vec<_>>());
                let rev: Vec<u64> = l.iter().rev().map(|v| v.start.as_u64()).collect();
                assert_eq!(rev, m.0.keys().rev().copied().collect::<Vec<_>>());
                for q in (0..0x4a000).step_by(0x1000) {
                    let at = VirtAddr::new(q);
                    assert_eq!(pair(l.find_vma(at)), m.find_vma(q), "find_vma {q:#x}");
                    assert_eq!(pair(l.prev_of(at)), m.prev_of(q), "prev_of {q:#x}");
                    assert_eq!(pair(l.next_from(at)), m.next_from(q), "next_from {q:#x}");
                }
            }
            let taken = l.take_all();
            assert_eq!(taken.len(), m.0.len());
            assert!(l.is_empty() && l.iter().next().is_none());
        }
    }

    #[test]
    fn equality_ignores_chunking() {
        let mut ascending = VmaList::new();
        let mut descending = VmaList::new();
        for i in 0..20 {
            ascending.insert(vma(i * 0x2000, i * 0x2000 + 0x1000));
            let j = 19 - i;
            descending.insert(vma(j * 0x2000, j * 0x2000 + 0x1000));
        }
        assert_eq!(ascending, descending);
        descending.detach(VirtAddr::new(0), VirtAddr::new(0x2000));
        assert_ne!(ascending, descending);
    }

    #[test]
    fn split_and_detach() {
        let mut l = VmaList::new();
        l.insert(vma(0x1000, 0x9000));
        l.split(VirtAddr::new(0x3000));
        l.split(VirtAddr::new(0x5000));
        let d = l.detach(VirtAddr::new(0x3000), VirtAddr::new(0x5000));
        assert_eq!(d, vec![vma(0x3000, 0x5000)]);
        let rest: Vec<_> = l
            .iter()
            .map(|v| (v.start.as_u64(), v.end.as_u64()))
            .collect();
        assert_eq!(rest, vec![(0x1000, 0x3000), (0x5000, 0x9000)]);
    }
}
