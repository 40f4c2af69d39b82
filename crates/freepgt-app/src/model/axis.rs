//! The broken address axis: the user address space laid out with empty stretches (and the
//! sparc64 hole) collapsed to fixed-width breaks, plus what to tick and what to cluster.

use crate::state::Sim;
use freepgt::report::freed_tables;
use freepgt::{AddrRange, Arch, Level};

/// A linearly drawn stretch of the address space.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// First address.
    pub start: u128,
    /// One past the last address.
    pub end: u128,
    /// Left edge (view units).
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
}

impl Segment {
    /// The x of an address inside the segment (clamped).
    pub fn x(&self, a: u128) -> f64 {
        let a = a.clamp(self.start, self.end);
        let f = (a - self.start) as f64 / (self.end - self.start) as f64;
        self.x0 + f * (self.x1 - self.x0)
    }

    /// The address at x (clamped to the segment).
    pub fn addr(&self, x: f64) -> u128 {
        let f = ((x - self.x0) / (self.x1 - self.x0)).clamp(0.0, 1.0);
        let a = self.start + ((self.end - self.start) as f64 * f) as u128;
        a.min(self.end)
    }
}

/// A collapsed stretch between segments.
#[derive(Clone, Debug, PartialEq)]
pub struct Break {
    /// Left edge.
    pub x0: f64,
    /// Right edge.
    pub x1: f64,
    /// First address skipped.
    pub start: u128,
    /// One past the last address skipped.
    pub end: u128,
    /// It is (or contains) the sparc64 VA hole.
    pub hole: bool,
}

/// The axis: segments and breaks from left to right.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Axis {
    /// Drawn stretches.
    pub segments: Vec<Segment>,
    /// Collapsed stretches.
    pub breaks: Vec<Break>,
}

/// Width of a break, in view units.
pub const BREAK_W: f64 = 26.0;

impl Axis {
    /// Lays out `[lo, hi)` over `[0, width)`: the `interesting` ranges (clipped, merged) are
    /// drawn linearly, the empty stretches between them collapse to breaks, and `hole` is
    /// always a break.
    pub fn layout(
        interesting: &[(u128, u128)],
        lo: u128,
        hi: u128,
        hole: Option<(u128, u128)>,
        width: f64,
    ) -> Axis {
        let mut iv: Vec<(u128, u128)> = interesting
            .iter()
            .map(|&(a, b)| (a.max(lo), b.min(hi)))
            .filter(|(a, b)| a < b)
            .collect();
        if iv.is_empty() {
            iv.push((lo, hi));
        }
        // Never draw the hole linearly.
        if let Some((h0, h1)) = hole {
            iv = iv
                .into_iter()
                .flat_map(|(a, b)| {
                    let mut v = Vec::new();
                    if a < h0.min(b) {
                        v.push((a, h0.min(b)));
                    }
                    if h1.max(a) < b {
                        v.push((h1.max(a), b));
                    }
                    v
                })
                .collect();
        }
        // By start only: the merge below takes the larger end, so ties need no order.
        crate::sort::sort_by_key(&mut iv, |r| r.0);
        let mut merged: Vec<(u128, u128)> = Vec::new();
        for (a, b) in iv {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let gaps: Vec<(u128, u128)> = {
            let mut g = Vec::new();
            let mut prev = lo;
            for &(a, b) in &merged {
                if a > prev {
                    g.push((prev, a));
                }
                prev = b;
            }
            if prev < hi {
                g.push((prev, hi));
            }
            g
        };
        let weights: Vec<f64> = merged
            .iter()
            .map(|(a, b)| ((b - a) as f64).log2().max(12.0) - 10.0)
            .collect();
        let total_w: f64 = weights.iter().sum();
        let avail = (width - BREAK_W * gaps.len() as f64).max(width * 0.3);
        let mut axis = Axis::default();
        let mut x = 0.0;
        // A collapsed gap takes a fixed width; the hole is drawn as the hole.
        let push_break = |breaks: &mut Vec<Break>, x: &mut f64, g0: u128, g1: u128| {
            breaks.push(Break {
                x0: *x,
                x1: *x + BREAK_W,
                start: g0,
                end: g1,
                hole: hole.is_some_and(|(h0, h1)| g0 < h1 && h0 < g1),
            });
            *x += BREAK_W;
        };
        let mut gi = gaps.iter().peekable();
        for (i, &(a, b)) in merged.iter().enumerate() {
            while let Some(&&(g0, g1)) = gi.peek() {
                if g1 > a {
                    break;
                }
                push_break(&mut axis.breaks, &mut x, g0, g1);
                gi.next();
            }
            let w = avail * weights[i] / total_w;
            axis.segments.push(Segment {
                start: a,
                end: b,
                x0: x,
                x1: x + w,
            });
            x += w;
        }
        for &(g0, g1) in gi {
            push_break(&mut axis.breaks, &mut x, g0, g1);
        }
        // Stretch to the full width (rounding).
        if x > 0.0 {
            let k = width / x;
            for s in &mut axis.segments {
                s.x0 *= k;
                s.x1 *= k;
            }
            for b in &mut axis.breaks {
                b.x0 *= k;
                b.x1 *= k;
            }
        }
        axis
    }

    /// The drawn pieces of `[a, b)`: `(x0, x1)` per segment it meets. The segments are in
    /// address order and disjoint, so those before `a` are skipped by a binary search (the
    /// picture asks this for each of thousands of tables).
    pub fn pieces(&self, a: u128, b: u128) -> Vec<(f64, f64)> {
        let first = self.segments.partition_point(|s| s.end <= a);
        self.segments[first..]
            .iter()
            .take_while(|s| s.start < b)
            .filter(|s| a < s.end)
            .map(|s| (s.x(a), s.x(b)))
            .collect()
    }

    /// The address under x, if x is on a segment.
    pub fn addr_at(&self, x: f64) -> Option<u128> {
        self.segments
            .iter()
            .find(|s| x >= s.x0 && x <= s.x1)
            .map(|s| s.addr(x))
    }
}

/// The ranges the axis must show for a sim: each vma and each table's lowest-level block
/// (rounded out to PMD boundaries), freed tables, the low 16 MiB (somewhere to drag the
/// first vma), and the selection.
pub fn interesting(sim: &Sim, selection: Option<AddrRange>) -> Vec<(u128, u128)> {
    let Some(mm) = &sim.mm else {
        return Vec::new();
    };
    let arch = mm.arch();
    let pmd = arch.size(Level::Pmd) as u128;
    let round = |a: u128, b: u128| (a / pmd * pmd, b.div_ceil(pmd) * pmd);
    let mut v = vec![(0u128, (16u128 << 20).max(2 * pmd))];
    for vma in mm.vmas().iter() {
        v.push(round(vma.start.as_u64() as u128, vma.end.as_u64() as u128));
    }
    // The tree's nodes of this mm, computed once for both.
    for t in super::tree::live_base(mm).iter() {
        if t.level == Level::Pte {
            let b = t.base.as_u64() as u128;
            v.push((b, b + t.span as u128));
        }
    }
    if let Some(last) = sim.last() {
        for (level, base) in freed_tables(last.outcome) {
            if level == Level::Pte {
                let b = base.as_u64() as u128;
                v.push((b, b + pmd));
            }
        }
    }
    if let Some(r) = selection {
        v.push(round(r.start.as_u64() as u128, r.end.as_u64() as u128));
    }
    v
}

/// Clusters of `[x0, x1)` pieces closer than `min_gap` view units, so that thousands of
/// tiny blocks draw as a few: `(x0, x1, count, first index)`.
pub fn cluster(mut pieces: Vec<(f64, f64, usize)>, min_gap: f64) -> Vec<(f64, f64, usize, usize)> {
    crate::sort::sort_by_key(&mut pieces, |p| crate::sort::f64_key(p.0));
    let mut out: Vec<(f64, f64, usize, usize)> = Vec::new();
    for (x0, x1, i) in pieces {
        match out.last_mut() {
            Some(c) if x0 - c.1 < min_gap && (x1 - x0) < 2.0 * min_gap => {
                c.1 = c.1.max(x1);
                c.2 += 1;
            }
            _ => out.push((x0, x1, 1, i)),
        }
    }
    out
}

/// Level boundaries worth ticking in `[a, b)`: `(level, addresses)` for PMD, PUD (if not
/// folded) and PGDIR, only where there are at most `max` of them.
pub fn ticks(arch: &Arch, a: u128, b: u128, max: u128) -> Vec<(Level, Vec<u128>)> {
    let mut out = Vec::new();
    for level in [Level::Pmd, Level::Pud, Level::Pgd] {
        if arch.folded(level) {
            continue;
        }
        let size = arch.size(level) as u128;
        let first = a.div_ceil(size) * size;
        if first >= b {
            continue;
        }
        let n = (b - 1 - first) / size + 1;
        if n <= max {
            out.push((level, (0..n).map(|i| first + i * size).collect()));
        }
    }
    out
}

/// The kernel's name for the size of a level's block (`PMD_SIZE` ...).
pub fn level_size_name(level: Level) -> &'static str {
    match level {
        Level::Pgd => "PGDIR_SIZE",
        Level::Pud => "PUD_SIZE",
        Level::Pmd => "PMD_SIZE",
        Level::Pte => "PAGE_SIZE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_the_segments_a_range_meets_in_order() {
        // A many-segment axis: vmas far apart, each its own segment.
        let text: String = std::iter::once("arch x86_64\n".to_string())
            .chain((0..200u64).map(|i| {
                let a = 0x10000000 + i * 0x40000000;
                format!("vma {a:#x} {:#x}\n", a + 0x3000)
            }))
            .collect();
        let sim = Sim::from_text(&text).unwrap();
        let top = sim.arch().unwrap().task_size as u128;
        let axis = Axis::layout(&interesting(&sim, None), 0, top, None, 960.0);
        assert!(axis.segments.len() > 100, "{}", axis.segments.len());
        assert!(axis.segments.windows(2).all(|w| w[0].end <= w[1].start));
        let linear = |a: u128, b: u128| -> Vec<(f64, f64)> {
            axis.segments
                .iter()
                .filter(|s| a < s.end && s.start < b)
                .map(|s| (s.x(a), s.x(b)))
                .collect()
        };
        let edges: Vec<u128> = axis
            .segments
            .iter()
            .flat_map(|s| [s.start, s.end, s.start + 1, s.end.saturating_sub(1)])
            .chain([0, top, top / 3])
            .collect();
        for &a in edges.iter().step_by(7) {
            for &b in edges.iter().step_by(5) {
                assert_eq!(axis.pieces(a, b), linear(a, b), "{a:#x} {b:#x}");
            }
        }
    }

    #[test]
    fn the_axis_collapses_empty_stretches_and_the_hole() {
        let hole = Some((0x800_0000_0000u128, 0xffff_f800_0000_0000u128));
        let top = 0xffff_fffc_0000_0000u128;
        let a = Axis::layout(
            &[(0, 0x1000000), (0x7ff_ff00_0000, 0x800_0000_0000)],
            0,
            top,
            hole,
            1000.0,
        );
        assert_eq!(a.segments.len(), 2);
        assert!(a.breaks.iter().any(|b| b.hole));
        let last = a.breaks.last().unwrap();
        assert!((last.x1 - 1000.0).abs() < 1e-6);
        // Addresses map back to themselves at segment edges.
        assert_eq!(a.addr_at(0.0), Some(0));
    }
}
