//! Progress events and the counters tests and benchmarks read.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes of one job confirmed by storage so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub job_id: String,
    pub bytes_done: u64,
    pub total: u64,
}

/// What this process put on the wire (not what storage already had).
#[derive(Debug, Default)]
pub struct Counters {
    pub bytes_sent: AtomicU64,
    pub parts_sent: AtomicU64,
    pub resigns: AtomicU64,
    /// Calls to the sign endpoint (each signs a batch of parts).
    pub sign_calls: AtomicU64,
    pub retries: AtomicU64,
    /// Jobs being run now, and the most that ever were at once.
    pub jobs_in_flight: AtomicU64,
    pub max_jobs_in_flight: AtomicU64,
}

impl Counters {
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    pub(crate) fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    /// One more job in flight (kept until the guard drops).
    pub(crate) fn job_started(self: &std::sync::Arc<Self>) -> JobInFlight {
        let now = self.jobs_in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_jobs_in_flight.fetch_max(now, Ordering::Relaxed);
        JobInFlight(self.clone())
    }
}

pub(crate) struct JobInFlight(std::sync::Arc<Counters>);

impl Drop for JobInFlight {
    fn drop(&mut self) {
        self.0.jobs_in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
