//! A small open-addressing hash map from PMD block number (`addr >> PMD_SHIFT`) to the pte
//! table linked there: the fault path's shortcut past the pgd → pud → pmd descent.
//!
//! Linear probing over one array of slots, each one `u64` holding key and value, so that
//! eight share a cache line and the whole map stays small enough to stay cached (a fault at a
//! random address pays for every line it has to fetch); removal shifts later entries back
//! instead of leaving tombstones. Written out rather than taken from
//! `std::collections::HashMap` because it is a few dozen lines where the std map would add
//! its SipHash and generic table code to the playground's wasm.

/// Bits of a slot that hold the value; the key takes the bits above them.
const VALUE_BITS: u32 = 20;

/// The largest value a slot holds (an arena index of a page table: there are at most
/// [`crate::mm::MAX_LIVE_TABLES`] plus the pgd).
pub(crate) const MAX_VALUE: u32 = (1 << VALUE_BITS) - 1;

/// The largest key: a PMD block number is at most 64 - 21 = 43 bits wide (PMD_SHIFT is at
/// least 21 on every arch), below this bound, so no slot in use equals [`EMPTY`].
const MAX_KEY: u64 = (1 << (64 - VALUE_BITS)) - 2;

/// A vacant slot.
const EMPTY: u64 = u64::MAX;

/// PMD block number → arena index of the pte table.
#[derive(Clone, Debug, Default)]
pub(crate) struct BlockMap {
    /// A power of two in length (or empty), at most three quarters full: `key << VALUE_BITS
    /// | value`, or [`EMPTY`].
    slots: Vec<u64>,
    len: usize,
}

impl BlockMap {
    fn home(&self, key: u64) -> usize {
        // Fibonacci hashing: block numbers are dense runs, the multiply spreads them.
        let bits = self.slots.len().trailing_zeros();
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The slot holding `key`, if any.
    fn find(&self, key: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                EMPTY => return None,
                s if s >> VALUE_BITS == key => return Some(i),
                _ => i = (i + 1) & self.mask(),
            }
        }
    }

    /// The value stored for `key`.
    pub fn get(&self, key: u64) -> Option<u32> {
        self.find(key)
            .map(|i| (self.slots[i] & u64::from(MAX_VALUE)) as u32)
    }

    /// Starts fetching the slot where a probe for `key` starts ([`crate::mm::Mm::warm`]).
    pub fn prefetch_home(&self, key: u64) {
        if !self.slots.is_empty() {
            crate::prefetch::prefetch(&self.slots[self.home(key)]);
        }
    }

    /// Stores `value` for `key` (replacing any earlier value).
    pub fn insert(&mut self, key: u64, value: u32) {
        debug_assert!(key <= MAX_KEY && value <= MAX_VALUE);
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let packed = key << VALUE_BITS | u64::from(value);
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let s = &mut self.slots[i];
            if *s == EMPTY || *s >> VALUE_BITS == key {
                if *s == EMPTY {
                    self.len += 1;
                }
                *s = packed;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Removes `key` if present.
    pub fn remove(&mut self, key: u64) {
        let Some(mut hole) = self.find(key) else {
            return;
        };
        self.len -= 1;
        // Backward-shift deletion: move up every later entry of the probe run that may sit in
        // the hole (its home is not cyclically within (hole, j]).
        let mut j = hole;
        loop {
            j = (j + 1) & self.mask();
            let s = self.slots[j];
            if s == EMPTY {
                break;
            }
            let home = self.home(s >> VALUE_BITS);
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.slots[hole] = s;
                hole = j;
            }
        }
        self.slots[hole] = EMPTY;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        self.len = 0;
        for s in old.into_iter().filter(|&s| s != EMPTY) {
            self.insert(s >> VALUE_BITS, (s & u64::from(MAX_VALUE)) as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inserts and removals (with collisions forced by dense keys and many removals) checked
    /// against std's map.
    #[test]
    fn matches_a_std_map() {
        let mut m = BlockMap::default();
        let mut model = std::collections::BTreeMap::new();
        let mut seed = 7u64;
        for step in 0..20_000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let key = seed % 3000;
            if seed % 3 == 0 {
                m.remove(key);
                model.remove(&key);
            } else {
                m.insert(key, step);
                model.insert(key, step);
            }
            assert_eq!(m.len, model.len());
        }
        for key in 0..3000 {
            assert_eq!(m.get(key), model.get(&key).copied(), "key {key}");
        }
        assert_eq!(m.get(MAX_KEY), None);
        m.insert(MAX_KEY, MAX_VALUE);
        assert_eq!(m.get(MAX_KEY), Some(MAX_VALUE));
    }
}
