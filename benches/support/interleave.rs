//! Side-by-side timing on a shared, noisy machine: contenders run in interleaved
//! rounds (a batch of each in turn, the order rotating every round), so a burst of
//! load hits them all alike. Each round gives one sample per contender: the mean
//! time per call in its batch. Reported: the median and the 10th percentile of the
//! samples, the spread (p90 − p10, as a share of the median), and each contender's
//! ratios to the others'.

use std::time::{Duration, Instant};

/// A named operation to time.
pub struct Contender<'a> {
    pub name: &'static str,
    pub call: Box<dyn FnMut() + 'a>,
}

/// One contender's samples, summarized.
pub struct Summary {
    pub name: &'static str,
    pub median: Duration,
    pub p10: Duration,
    pub p90: Duration,
}

/// Runs `rounds` rounds of `batch` calls of each contender (after one warm-up
/// batch each) and summarizes the samples.
pub fn run(contenders: &mut [Contender<'_>], rounds: usize, batch: usize) -> Vec<Summary> {
    for c in contenders.iter_mut() {
        for _ in 0..batch {
            (c.call)();
        }
    }
    let n = contenders.len();
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let c = &mut contenders[i];
            let started = Instant::now();
            for _ in 0..batch {
                (c.call)();
            }
            samples[i].push(started.elapsed() / batch as u32);
        }
    }
    contenders
        .iter()
        .zip(samples)
        .map(|(c, mut s)| {
            s.sort();
            let at = |q: usize| s[(s.len() - 1) * q / 100];
            Summary {
                name: c.name,
                median: at(50),
                p10: at(10),
                p90: at(90),
            }
        })
        .collect()
}

/// Prints the summaries as a table, with each row's ratios to the `reference` rows.
pub fn print(title: &str, summaries: &[Summary], references: &[&str]) {
    println!("\n{title}");
    println!(
        "{:<58} {:>10} {:>10} {:>8}  ratios (median / p10)",
        "", "median", "p10", "spread"
    );
    for s in summaries {
        let spread = (s.p90.as_secs_f64() - s.p10.as_secs_f64()) / s.median.as_secs_f64();
        let mut ratios = String::new();
        for r in references {
            if let Some(r) = summaries.iter().find(|x| x.name == *r) {
                if r.name != s.name {
                    ratios.push_str(&format!(
                        "  vs {}: {:.2}× / {:.2}×",
                        short(r.name),
                        s.median.as_secs_f64() / r.median.as_secs_f64(),
                        s.p10.as_secs_f64() / r.p10.as_secs_f64()
                    ));
                }
            }
        }
        println!(
            "{:<58} {:>8.1}µs {:>8.1}µs {:>7.0}%{}",
            s.name,
            s.median.as_secs_f64() * 1e6,
            s.p10.as_secs_f64() * 1e6,
            spread * 100.0,
            ratios
        );
    }
}

/// The name up to its first comma, for the ratio columns.
fn short(name: &str) -> &str {
    name.split(',').next().unwrap_or(name)
}
