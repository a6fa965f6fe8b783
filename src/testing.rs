//! What the crate's unit tests share.

/// A fixed pseudo-random sequence (xorshift64 from `seed`) for generated test
/// inputs: each call with `n` gives a number in `0..n` (`n` > 0), the same
/// numbers on every run.
pub(crate) fn below(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap_or(0)
    }
}
