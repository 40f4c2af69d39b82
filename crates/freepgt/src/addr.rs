//! Address newtypes.
//!
//! The kernel passes every address as `unsigned long`, and free_pgd_range takes four of them
//! (`addr`, `end`, `floor`, `ceiling`) in an order that is easy to get wrong. Here each role is
//! its own type, so a floor can never be passed where a ceiling is expected.
//!
//! All arithmetic is on `u64` with wrap-around, exactly like `unsigned long` on a 64-bit kernel:
//! the "0 means top" convention (the book, docs/src/patch/index.md) depends on `0 - 1 == u64::MAX`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A user virtual address (`unsigned long addr` in the kernel).
///
/// Serialised as a `"0x…"` hex string: JSON numbers lose precision above 2^53, and sparc64's
/// high half starts at 0xfffff80000000000.
///
/// Any 64-bit value is representable: the simulation must be able to hold the kernel's
/// intermediate values, including ones that wrapped to 0 or sit in sparc64's VA hole. Range
/// checks (TASK_SIZE, the hole, alignment) belong to [`crate::arch::Arch`] and the mm model.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VirtAddr(u64);

impl Serialize for VirtAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VirtAddr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let digits = s
            .strip_prefix("0x")
            .ok_or_else(|| serde::de::Error::custom("address must start with 0x"))?;
        u64::from_str_radix(digits, 16)
            .map(VirtAddr)
            .map_err(serde::de::Error::custom)
    }
}

impl VirtAddr {
    /// Address 0: the bottom of the address space, or (as an `end`) the top.
    pub const ZERO: VirtAddr = VirtAddr(0);

    /// Wraps a raw value.
    pub const fn new(raw: u64) -> Self {
        VirtAddr(raw)
    }

    /// The raw value.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// `self & mask`.
    pub const fn mask(self, mask: u64) -> Self {
        VirtAddr(self.0 & mask)
    }

    /// `self + n` with wrap-around, as C does for `unsigned long`.
    pub const fn wrapping_add(self, n: u64) -> Self {
        VirtAddr(self.0.wrapping_add(n))
    }

    /// `self - n` with wrap-around.
    pub const fn wrapping_sub(self, n: u64) -> Self {
        VirtAddr(self.0.wrapping_sub(n))
    }

    /// `self - 1` with wrap-around: the form in which the kernel compares upper bounds, so that
    /// an `end` or `ceiling` of 0 ("the top") compares as `ULONG_MAX`.
    pub const fn minus_one(self) -> u64 {
        self.0.wrapping_sub(1)
    }

    /// True for address 0.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VirtAddr({:#x})", self.0)
    }
}

impl fmt::Display for VirtAddr {
    /// `{:#x}` ([`VirtAddr::write_hex`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_hex(f)
    }
}

impl VirtAddr {
    /// Writes `{:#x}`, by hand: a report prints an address or two per line, for a million
    /// lines, and the general integer formatter is a good part of that time. Generic, so that
    /// a report's `String` is filled without a `Formatter`.
    pub fn write_hex<W: fmt::Write>(self, out: &mut W) -> fmt::Result {
        let mut buf = [0u8; 18];
        let mut at = buf.len();
        let mut v = self.0;
        loop {
            at -= 1;
            buf[at] = b"0123456789abcdef"[(v & 0xf) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        at -= 2;
        buf[at..at + 2].copy_from_slice(b"0x");
        out.write_str(std::str::from_utf8(&buf[at..]).map_err(|_| fmt::Error)?)
    }
}

impl fmt::LowerHex for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

impl From<u64> for VirtAddr {
    fn from(raw: u64) -> Self {
        VirtAddr(raw)
    }
}

/// The lowest address below which `free_pgtables` may not free a table: `prev->vm_end`, or
/// FIRST_USER_ADDRESS when there is no previous vma. Never rounded (the book, docs/src/patch/index.md).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Floor(pub VirtAddr);

/// The address at or above which `free_pgtables` may not free a table: `next->vm_start`, or 0
/// meaning "the top of the address space" when there is no next vma (the book, docs/src/patch/index.md).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ceiling(pub VirtAddr);

impl Floor {
    /// The raw address.
    pub const fn addr(self) -> VirtAddr {
        self.0
    }
}

impl Ceiling {
    /// The top of the address space (0).
    pub const TOP: Ceiling = Ceiling(VirtAddr::ZERO);

    /// The raw address (0 = top).
    pub const fn addr(self) -> VirtAddr {
        self.0
    }

    /// `ceiling != 0`.
    pub const fn is_bounded(self) -> bool {
        !self.0.is_zero()
    }
}

impl fmt::Debug for Floor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Floor({:#x})", self.0.as_u64())
    }
}

impl fmt::Debug for Ceiling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ceiling({:#x})", self.0.as_u64())
    }
}

impl fmt::Display for Floor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for Ceiling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A half-open address range `[start, end)` whose `end` may be 0 meaning the top.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct AddrRange {
    /// First address in the range.
    pub start: VirtAddr,
    /// One past the last address (0 = the top of the address space).
    pub end: VirtAddr,
}

impl AddrRange {
    /// `[start, end)`.
    pub const fn new(start: VirtAddr, end: VirtAddr) -> Self {
        AddrRange { start, end }
    }

    /// True if `[self)` and `[other)` share an address (both non-empty, end 0 = top).
    pub fn overlaps(&self, other: &AddrRange) -> bool {
        self.start.as_u64() <= other.end.minus_one() && other.start.as_u64() <= self.end.minus_one()
    }
}

impl fmt::Display for AddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minus_one_wraps_zero_to_top() {
        assert_eq!(VirtAddr::ZERO.minus_one(), u64::MAX);
        assert_eq!(VirtAddr::new(0x1000).minus_one(), 0xfff);
    }

    #[test]
    fn display_is_lower_hex_with_prefix() {
        assert_eq!(VirtAddr::new(0xABC000).to_string(), "0xabc000");
        assert_eq!(VirtAddr::ZERO.to_string(), "0x0");
        // Written by hand: the same text as `{:#x}` over the whole range.
        for v in [
            1,
            0xf,
            0x10,
            0xfffff80000000000,
            u64::MAX,
            1 << 63,
            0x123456789abcdef0,
        ] {
            assert_eq!(VirtAddr::new(v).to_string(), format!("{v:#x}"));
        }
    }

    #[test]
    fn overlap_treats_zero_end_as_top() {
        let top = AddrRange::new(VirtAddr::new(0x1000), VirtAddr::ZERO);
        let r = AddrRange::new(
            VirtAddr::new(0xffff_0000_0000_0000),
            VirtAddr::new(0xffff_0000_0000_1000),
        );
        assert!(top.overlaps(&r));
        let below = AddrRange::new(VirtAddr::new(0), VirtAddr::new(0x1000));
        assert!(!top.overlaps(&below));
    }
}

#[cfg(test)]
mod serde_tests {
    use super::*;

    #[test]
    fn addresses_serialise_as_hex_strings() {
        let a = VirtAddr::new(0xfffff80000000000);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"0xfffff80000000000\"");
        assert_eq!(serde_json::from_str::<VirtAddr>(&json).unwrap(), a);
        assert!(serde_json::from_str::<VirtAddr>("\"12\"").is_err());
    }
}
