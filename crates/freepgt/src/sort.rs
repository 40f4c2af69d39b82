//! The core's sorts, kept to one instantiation of the standard library's sort: every distinct
//! `sort_unstable_by_key` call compiles its own copy of pattern-defeating quicksort (heapsort
//! fallback, small-sort networks; about 3.5 KB of wasm each), and the playground ships the
//! core. Keys that fit a `u128` sort as `(key, index)` pairs through [`sort_by_key`]; the
//! app's `sort` module sorts the same pair type, so the final wasm links a single copy.
//! Strings sort through [`sort_strings`], a small merge sort.

/// Sorts `v` by `key`, ascending; equal keys keep their order (the index breaks ties). Where
/// every key is distinct, or equal keys belong to equal elements, the result is exactly what
/// `sort_unstable_by_key` gave.
pub(crate) fn sort_by_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> u128) {
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
pub(crate) fn key2(hi: u64, lo: u64) -> u128 {
    (hi as u128) << 64 | lo as u128
}

/// Sorts strings ascending by bytes (what `sort_unstable` gives: equal strings are equal
/// elements), with a bottom-up merge sort: a few hundred bytes of wasm instead of a copy of
/// the standard sort for `String`.
pub(crate) fn sort_strings(v: &mut Vec<String>) {
    let n = v.len();
    let mut src: Vec<String> = std::mem::take(v);
    let mut dst: Vec<String> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        let mut rest = src.into_iter().peekable();
        while rest.peek().is_some() {
            let left: Vec<String> = rest.by_ref().take(width).collect();
            let right: Vec<String> = rest.by_ref().take(width).collect();
            let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
            loop {
                let take_left = match (l.peek(), r.peek()) {
                    (Some(a), Some(b)) => a <= b,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                dst.extend(if take_left { l.next() } else { r.next() });
            }
        }
        src = std::mem::replace(&mut dst, Vec::with_capacity(n));
        width *= 2;
    }
    *v = src;
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

    #[test]
    fn strings_sort_as_the_standard_sort_does() {
        for n in [0usize, 1, 2, 3, 5, 8, 17, 100, 1000] {
            let mut v: Vec<String> = (0..n)
                .map(|i| format!("{:x} {}", (i * 7919) % 251, i % 7))
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            sort_strings(&mut v);
            assert_eq!(v, want, "n = {n}");
        }
        let mut prefixes: Vec<String> = ["pte 0x2000", "pmd 0x0", "pte 0x20", "pte 0x2", "BUG"]
            .map(String::from)
            .to_vec();
        sort_strings(&mut prefixes);
        assert_eq!(
            prefixes,
            ["BUG", "pmd 0x0", "pte 0x2", "pte 0x20", "pte 0x2000"]
        );
    }
}
