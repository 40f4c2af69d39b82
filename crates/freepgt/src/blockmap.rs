//! A small open-addressing hash map from PMD block number (`addr >> PMD_SHIFT`) to the pte
//! table linked there: the fault path's shortcut past the pgd → pud → pmd descent.
//!
//! Linear probing over one array of `(key, value)` slots, so a hit usually costs one cache
//! line; removal shifts later entries back instead of leaving tombstones. Written out rather
//! than taken from `std::collections::HashMap` because it is a few dozen lines where the
//! std map would add its SipHash and generic table code to the playground's wasm.

/// A key no PMD block number reaches (they are at most 64 - PMD_SHIFT bits wide).
const EMPTY: u64 = u64::MAX;

#[derive(Clone, Copy, Debug)]
struct Slot {
    key: u64,
    value: u32,
}

const VACANT: Slot = Slot {
    key: EMPTY,
    value: 0,
};

/// PMD block number → arena index of the pte table.
#[derive(Clone, Debug, Default)]
pub(crate) struct BlockMap {
    /// A power of two in length (or empty), at most half full.
    slots: Vec<Slot>,
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
            match self.slots[i].key {
                k if k == key => return Some(i),
                EMPTY => return None,
                _ => i = (i + 1) & self.mask(),
            }
        }
    }

    /// The value stored for `key`.
    pub fn get(&self, key: u64) -> Option<u32> {
        self.find(key).map(|i| self.slots[i].value)
    }

    /// Stores `value` for `key` (replacing any earlier value).
    pub fn insert(&mut self, key: u64, value: u32) {
        debug_assert_ne!(key, EMPTY);
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let s = &mut self.slots[i];
            if s.key == EMPTY || s.key == key {
                if s.key == EMPTY {
                    self.len += 1;
                }
                *s = Slot { key, value };
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
            if s.key == EMPTY {
                break;
            }
            let home = self.home(s.key);
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
        self.slots[hole] = VACANT;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![VACANT; size]);
        self.len = 0;
        for s in old.into_iter().filter(|s| s.key != EMPTY) {
            self.insert(s.key, s.value);
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
        assert_eq!(m.get(u64::MAX - 1), None);
    }
}
