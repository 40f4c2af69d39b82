//! The core's sorts, kept to one instantiation of the standard library's sort: every distinct
//! `sort_unstable_by_key` call compiles its own copy of pattern-defeating quicksort (heapsort
//! fallback, small-sort networks; about 3.5 KB of wasm each), and the playground ships the
//! core. Keys that fit a `u128` sort as `(key, index)` pairs through [`sort_by_key`]; the
//! app sorts through this same function, so the final wasm links a single copy.

/// Sorts `v` by `key`, ascending; equal keys keep their order (the index breaks ties). Where
/// every key is distinct, or equal keys belong to equal elements, the result is exactly what
/// `sort_unstable_by_key` gave.
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

/// The one instantiation of the standard sort (out of line so every caller shares it).
#[inline(never)]
fn sort_pairs(keys: &mut [(u128, u32)]) {
    keys.sort_unstable();
}

/// Two `u64`s as one key, `hi` first.
pub fn key2(hi: u64, lo: u64) -> u128 {
    (hi as u128) << 64 | lo as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_sort_and_keeps_ties_in_order() {
        let mut v: Vec<(u64, char)> = vec![(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        sort_by_key(&mut v, |x| x.0 as u128);
        assert_eq!(v, [(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
        let mut big: Vec<(u64, u64)> = (0..1000).map(|i| ((i * 7919) % 97, i % 13)).collect();
        let mut want = big.clone();
        want.sort_unstable();
        sort_by_key(&mut big, |&(a, b)| key2(a, b));
        assert_eq!(big, want);
    }
}
