//! One sort for the whole app, to keep the wasm small: every distinct `sort_unstable_by_key`
//! call compiles its own copy of the standard library's sort (pattern-defeating quicksort,
//! heapsort, small-sort networks: about 3.5 KB of wasm each, measured with `twiggy`). The
//! view models sort through [`sort_by_key`] instead, which sorts `(key, index)` pairs with a
//! single instantiation and then moves the elements into that order. Likewise `collect()` into
//! a `BTreeMap` or `BTreeSet` first sorts a `Vec` of the items with the stable sort (one more
//! copy per item type, about 5 KB); [`CollectBTree`] inserts instead.

/// Sorts `v` by `key`, ascending; equal keys keep their order (the index breaks ties).
pub fn sort_by_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> u128) {
    if v.len() < 2 {
        return;
    }
    let mut keys: Vec<(u128, u32)> = v
        .iter()
        .enumerate()
        .map(|(i, x)| (key(x), i as u32))
        .collect();
    sort_pairs(&mut keys);
    let mut old: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(keys.iter().filter_map(|&(_, i)| old[i as usize].take()));
}

/// The one instantiation of the standard sort (kept out of line so every caller shares it).
#[inline(never)]
fn sort_pairs(keys: &mut [(u128, u32)]) {
    keys.sort_unstable();
}

/// `collect()` into a `BTreeMap` or `BTreeSet` by inserting the items one at a time (see the
/// module doc). The inputs here are either small or already in key order, where inserting
/// costs about what sorting first would.
pub trait CollectBTree: Iterator + Sized {
    /// Like `collect()`, for B-tree collections.
    fn collect_btree<C: Default + Extend<Self::Item>>(self) -> C {
        let mut c = C::default();
        c.extend(self);
        c
    }
}

impl<I: Iterator> CollectBTree for I {}

/// An `f64` as a `u128` key in [`f64::total_cmp`] order.
pub fn f64_key(x: f64) -> u128 {
    let b = x.to_bits();
    (if b >> 63 == 1 { !b } else { b | 1 << 63 }) as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_sort_and_keeps_ties_in_order() {
        let mut v: Vec<(u64, char)> = vec![(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        sort_by_key(&mut v, |x| x.0 as u128);
        assert_eq!(v, [(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
        let mut big: Vec<u64> = (0..1000).map(|i| (i * 7919) % 1000).collect();
        let mut want = big.clone();
        want.sort_unstable();
        sort_by_key(&mut big, |x| *x as u128);
        assert_eq!(big, want);
    }

    #[test]
    fn collect_btree_is_collect() {
        let items = [(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd')];
        let got: std::collections::BTreeMap<i32, char> = items.into_iter().collect_btree();
        assert_eq!(got, items.into_iter().collect());
    }

    #[test]
    fn f64_keys_follow_total_cmp() {
        let xs = [-1e9, -2.5, -0.0, 0.0, 1e-9, 3.0, 1e300, f64::INFINITY];
        for w in xs.windows(2) {
            assert!(f64_key(w[0]) < f64_key(w[1]), "{w:?}");
        }
    }
}
