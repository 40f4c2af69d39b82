//! A hint to the processor to start fetching a cache line that will soon be read
//! ([`crate::mm::Mm::warm`]).
//!
//! A plain read of the line would do the same, but it holds up every instruction after it
//! until the line arrives, so only as many misses overlap as the processor's reorder window
//! holds reads; a prefetch retires at once, so a batch of faults can have all its misses in
//! flight together. No result of the simulation depends on it.

/// Starts fetching the cache line holding `word`.
#[inline(always)]
pub(crate) fn prefetch(word: &u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: it reads nothing into the program, cannot fault, and the
    // address comes from a live reference. SSE, which it needs, is part of x86_64's baseline.
    #[allow(unsafe_code)]
    unsafe {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((word as *const u64).cast());
    }
    // Elsewhere (the wasm) a plain read, whose value the optimizer must assume is used.
    #[cfg(not(target_arch = "x86_64"))]
    std::hint::black_box(*word);
}
