//! The `main` of a bench with three modes: `S2S_COUNT=SPEC` counts (one operation
//! N times, for callgrind), `S2S_AB=SPEC` compares interleaved (see `ab.rs`), and
//! otherwise criterion runs.

/// Runs `count` or `interleaved` with the spec of whichever variable is set
/// (`S2S_COUNT` first), else the criterion group `benches` and its summary.
pub fn run(count: fn(&str), interleaved: fn(&str), benches: fn()) {
    if let Ok(spec) = std::env::var("S2S_COUNT") {
        count(&spec);
        return;
    }
    if let Ok(spec) = std::env::var("S2S_AB") {
        interleaved(&spec);
        return;
    }
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
