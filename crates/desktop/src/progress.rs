//! Per-job progress for the UI: at most one update per job every 100 ms (the last one
//! always goes through), with speed and time left.

use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressView {
    pub job_id: String,
    pub bytes_done: u64,
    pub total: u64,
    /// Bytes per second, smoothed.
    pub speed: f64,
    /// Seconds left at that speed.
    pub eta_secs: Option<f64>,
}

struct Track {
    last_emit: Instant,
    last_bytes: u64,
    last_at: Instant,
    speed: f64,
}

#[derive(Default)]
pub struct Throttle {
    jobs: HashMap<String, Track>,
}

impl Throttle {
    /// The view to send now, or None to skip this update.
    pub fn update(
        &mut self,
        job_id: &str,
        bytes_done: u64,
        total: u64,
        now: Instant,
    ) -> Option<ProgressView> {
        let done = bytes_done >= total;
        let t = self.jobs.entry(job_id.to_string()).or_insert(Track {
            last_emit: now - MIN_INTERVAL,
            last_bytes: bytes_done,
            last_at: now,
            speed: 0.0,
        });
        let dt = now.duration_since(t.last_at).as_secs_f64();
        if dt >= 0.05 {
            let rate = bytes_done.saturating_sub(t.last_bytes) as f64 / dt;
            t.speed = if t.speed == 0.0 {
                rate
            } else {
                0.7 * t.speed + 0.3 * rate
            };
            t.last_bytes = bytes_done;
            t.last_at = now;
        }
        if !done && now.duration_since(t.last_emit) < MIN_INTERVAL {
            return None;
        }
        t.last_emit = now;
        let speed = t.speed;
        if done {
            self.jobs.remove(job_id);
        }
        Some(ProgressView {
            job_id: job_id.to_string(),
            bytes_done,
            total,
            speed,
            eta_secs: (speed > 0.0).then(|| total.saturating_sub(bytes_done) as f64 / speed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_ten_updates_a_second_per_job_and_the_last_always() {
        let mut th = Throttle::default();
        let t0 = Instant::now();
        let mut sent = 0;
        // 1,000 updates over one second for one job.
        for i in 0..1000u64 {
            let now = t0 + Duration::from_millis(i);
            if th.update("a", i * 1000, 1_000_000, now).is_some() {
                sent += 1;
            }
        }
        assert!((9..=11).contains(&sent), "{sent} updates in a second");
        let last = th.update("a", 1_000_000, 1_000_000, t0 + Duration::from_millis(1001));
        assert!(last.is_some(), "the final update is never dropped");
        // Another job is throttled on its own.
        assert!(th.update("b", 1, 10, t0).is_some());
    }

    #[test]
    fn speed_and_eta() {
        let mut th = Throttle::default();
        let t0 = Instant::now();
        th.update("a", 0, 10_000_000, t0);
        let v = th
            .update("a", 1_000_000, 10_000_000, t0 + Duration::from_secs(1))
            .unwrap();
        assert!((v.speed - 1_000_000.0).abs() < 1.0, "{}", v.speed);
        assert!((v.eta_secs.unwrap() - 9.0).abs() < 0.01);
    }
}
