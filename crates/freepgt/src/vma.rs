//! The mm's vma list (`mm->mmap`, sorted, non-overlapping), with the list operations do_munmap
//! needs: `find_vma`, `find_vma_prev`, `split_vma` and `detach_vmas_to_be_unmapped`.

use crate::addr::{AddrRange, VirtAddr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};

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

/// The sorted vma list of one mm.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VmaList {
    by_start: BTreeMap<u64, Vma>,
}

impl VmaList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of vmas (`mm->map_count`).
    pub fn len(&self) -> usize {
        self.by_start.len()
    }

    /// True if there are no vmas.
    pub fn is_empty(&self) -> bool {
        self.by_start.is_empty()
    }

    /// The vmas in address order (`mm->mmap` and `vm_next`).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Vma> + '_ {
        self.by_start.values()
    }

    /// The first vma that overlaps `range`, if any.
    pub fn first_overlap(&self, range: AddrRange) -> Option<&Vma> {
        self.find_vma(range.start)
            .filter(|v| v.start.as_u64() <= range.end.minus_one())
    }

    /// Inserts a vma the caller has checked does not overlap.
    pub fn insert(&mut self, vma: Vma) {
        debug_assert!(self.first_overlap(vma.range()).is_none());
        self.by_start.insert(vma.start.as_u64(), vma);
    }

    /// `find_vma(mm, addr)`: the first vma with `vm_end > addr`.
    pub fn find_vma(&self, addr: VirtAddr) -> Option<&Vma> {
        if let Some((_, v)) = self.by_start.range(..=addr.as_u64()).next_back() {
            if v.end > addr {
                return Some(v);
            }
        }
        self.by_start
            .range((Excluded(addr.as_u64()), Unbounded))
            .next()
            .map(|(_, v)| v)
    }

    /// The vma containing `addr`, if any.
    pub fn containing(&self, addr: VirtAddr) -> Option<&Vma> {
        self.find_vma(addr).filter(|v| v.start <= addr)
    }

    /// The last vma that ends at or below `addr` (`prev` of `find_vma_prev`).
    pub fn prev_of(&self, addr: VirtAddr) -> Option<&Vma> {
        self.by_start
            .range(..addr.as_u64())
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| v.end <= addr)
    }

    /// The first vma starting at or above `addr`.
    pub fn next_from(&self, addr: VirtAddr) -> Option<&Vma> {
        self.by_start.range(addr.as_u64()..).next().map(|(_, v)| v)
    }

    /// `split_vma(mm, vma, addr, ...)`: the vma containing `addr` strictly inside becomes two
    /// vmas `[start, addr)` and `[addr, end)`, both keeping the name. Returns the two halves.
    pub fn split(&mut self, addr: VirtAddr) -> Option<(AddrRange, AddrRange)> {
        let v = self.containing(addr)?.clone();
        if v.start == addr {
            return None;
        }
        let upper = Vma {
            start: addr,
            end: v.end,
            name: v.name.clone(),
        };
        self.by_start.get_mut(&v.start.as_u64())?.end = addr;
        let ranges = (AddrRange::new(v.start, addr), upper.range());
        self.insert(upper);
        Some(ranges)
    }

    /// `detach_vmas_to_be_unmapped`: removes every vma starting in `[start, end)` and returns
    /// them in address order (the detached list, whose last `vm_next` is NULL).
    pub fn detach(&mut self, start: VirtAddr, end: VirtAddr) -> Vec<Vma> {
        let keys: Vec<u64> = self
            .by_start
            .range(start.as_u64()..end.as_u64())
            .map(|(k, _)| *k)
            .collect();
        keys.into_iter()
            .filter_map(|k| self.by_start.remove(&k))
            .collect()
    }

    /// Removes every vma (the end of exit_mmap).
    pub fn take_all(&mut self) -> Vec<Vma> {
        std::mem::take(&mut self.by_start).into_values().collect()
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
