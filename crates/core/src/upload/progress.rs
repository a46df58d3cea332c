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
}

impl Counters {
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    pub(crate) fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }
}
