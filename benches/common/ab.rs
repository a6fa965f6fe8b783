//! Interleaved wall-clock comparison of two operations, for a shared, noisy
//! machine: rounds alternate a batch of the floor (`a`) and a batch of the crate
//! (`b`), the order flipping every round, so that both see the same load; each
//! batch gives one per-call time. Prints the median and p10 of each and their
//! ratios.

use std::time::Instant;

/// Runs `rounds` rounds of `batch` calls of each; prints one line per operation
/// and the ratios, `b` over `a`.
pub fn compare(name: &str, rounds: usize, batch: usize, a: &mut dyn FnMut(), b: &mut dyn FnMut()) {
    let (mut ta, mut tb) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..batch {
            f();
        }
        start.elapsed().as_secs_f64() * 1e6 / batch as f64
    };
    // Warm-up: one round each, not recorded.
    time(a);
    time(b);
    for round in 0..rounds {
        if round % 2 == 0 {
            ta.push(time(a));
            tb.push(time(b));
        } else {
            tb.push(time(b));
            ta.push(time(a));
        }
    }
    let (ma, pa) = (quantile(&mut ta, 0.5), quantile(&mut ta, 0.1));
    let (mb, pb) = (quantile(&mut tb, 0.5), quantile(&mut tb, 0.1));
    println!(
        "{name}: floor median {ma:.2} µs p10 {pa:.2} µs | crate median {mb:.2} µs p10 {pb:.2} µs | ratio median {:.3} p10 {:.3} ({rounds} rounds of {batch})",
        mb / ma,
        pb / pa
    );
}

fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let at = ((values.len() - 1) as f64 * q).round() as usize;
    values[at]
}
