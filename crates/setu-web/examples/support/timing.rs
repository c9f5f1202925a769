//! What the benchmark programs print of a page's times: median and 95th percentile.

use std::time::Duration;

/// `median 61.7 ms   p95 85.9 ms   (of 30)`.
pub fn summary(times: &[Duration]) -> String {
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((ms.len().saturating_sub(1)) as f64 * q).round() as usize;
        ms.get(i).copied().unwrap_or(f64::NAN)
    };
    format!(
        "median {:>8.1} ms   p95 {:>8.1} ms   (of {})",
        at(0.5),
        at(0.95),
        ms.len()
    )
}
