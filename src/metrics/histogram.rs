//! A Prometheus histogram made of atomics: what `prometheus_client.Histogram` is.
//!
//! An observation adds 1 to the one bucket it falls in and its value to the sum: two
//! relaxed `fetch_add`s, no lock, so requests on every core record at once. The
//! exposition format wants *cumulative* buckets (`le="0.1"` counts everything up to
//! 0.1 s), so the running totals are added up when `/metrics` is read, not per
//! observation. `_count` is that total too, so it always equals the `+Inf` bucket.
//! Values are integers in a unit of the caller's choice (nanoseconds for durations, rows
//! for batch sizes) and divided by `scale` only for the text.

use std::sync::atomic::{AtomicU64, Ordering};

use super::exposition::{Exposition, Labels};

/// Prometheus' default buckets (`prometheus_client`'s `DEFAULT_BUCKETS`), in seconds:
/// from 5 ms, a fast request, to 10 s, past every deadline of this server.
pub const DEFAULT_SECONDS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

pub struct Histogram {
    /// Upper bounds, in the raw unit, ascending; an implicit last bucket is `+Inf`.
    bounds: Vec<u64>,
    /// Raw units per exposed unit: 1e9 for nanoseconds shown as seconds.
    scale: f64,
    /// Observations per bucket (not cumulative); one more than `bounds`, for `+Inf`.
    buckets: Vec<AtomicU64>,
    sum: AtomicU64,
}

impl Histogram {
    /// A histogram whose buckets end at `bounds` (in exposed units, ascending) and whose
    /// observations arrive in units `scale` times smaller.
    pub fn new(bounds: &[f64], scale: f64) -> Histogram {
        Histogram {
            bounds: bounds.iter().map(|b| (b * scale).round() as u64).collect(),
            scale,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
        }
    }

    /// Records one observation (raw units).
    pub fn observe(&self, value: u64) {
        // `partition_point`: the first bound the value does not exceed (`le` is <=).
        let bucket = self.bounds.partition_point(|bound| *bound < value);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(value, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// Writes `NAME_bucket{...,le=...}` lines, `NAME_sum` and `NAME_count`.
    pub fn write(&self, out: &mut Exposition, name: &str, labels: Labels<'_>) {
        let mut cumulative = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = match self.bounds.get(index) {
                Some(bound) => format_float(*bound as f64 / self.scale),
                None => "+Inf".to_string(),
            };
            out.sample_with_le(&format!("{name}_bucket"), labels, &le, cumulative as f64);
        }
        let sum = self.sum.load(Ordering::Relaxed) as f64 / self.scale;
        out.sample(&format!("{name}_sum"), labels, sum);
        out.sample(&format!("{name}_count"), labels, cumulative as f64);
    }
}

/// A bucket bound as Prometheus' clients print it: `0.005`, `1.0`, `10.0`.
fn format_float(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.1}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_le_is_inclusive() {
        let histogram = Histogram::new(&[1.0, 2.0, 4.0], 1.0);
        for value in [1, 1, 2, 3, 9] {
            histogram.observe(value);
        }
        let mut out = Exposition::default();
        histogram.write(&mut out, "sizes", &[("kind", "find")]);
        let text = out.finish();
        assert!(
            text.contains("sizes_bucket{kind=\"find\",le=\"1.0\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("sizes_bucket{kind=\"find\",le=\"2.0\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("sizes_bucket{kind=\"find\",le=\"4.0\"} 4\n"),
            "{text}"
        );
        assert!(
            text.contains("sizes_bucket{kind=\"find\",le=\"+Inf\"} 5\n"),
            "{text}"
        );
        assert!(text.contains("sizes_sum{kind=\"find\"} 16\n"), "{text}");
        assert!(text.contains("sizes_count{kind=\"find\"} 5\n"), "{text}");
    }

    #[test]
    fn seconds_are_observed_in_nanoseconds() {
        let histogram = Histogram::new(&DEFAULT_SECONDS, 1e9);
        histogram.observe(7_000_000); // 7 ms
        let mut out = Exposition::default();
        histogram.write(&mut out, "d", &[]);
        let text = out.finish();
        assert!(text.contains("d_bucket{le=\"0.005\"} 0\n"), "{text}");
        assert!(text.contains("d_bucket{le=\"0.01\"} 1\n"), "{text}");
        assert!(text.contains("d_sum 0.007\n"), "{text}");
    }
}
