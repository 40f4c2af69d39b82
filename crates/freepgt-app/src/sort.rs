//! One sort for the whole app, to keep the wasm small: every distinct `sort_unstable_by_key`
//! call compiles its own copy of the standard library's sort (pattern-defeating quicksort,
//! heapsort, small-sort networks: about 3.5 KB of wasm each, measured with `twiggy`). The
//! view models sort through [`sort_by_key`] instead: the core's, which sorts `(key, index)`
//! pairs with a single instantiation and then moves the elements into that order. Likewise
//! `collect()` into a `BTreeMap` or `BTreeSet` first sorts a `Vec` of the items with the stable
//! sort (one more copy per item type, about 5 KB); [`CollectBTree`] inserts instead.

/// Sorts `v` by `key`, ascending; equal keys keep their order. The core's sort, so the app
/// and the core share one instantiation of the standard sort.
pub use freepgt::sort::sort_by_key;

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
