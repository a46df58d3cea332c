//! An optional bandwidth limit shared by all parts in flight: each part reserves its
//! bytes on one timeline and waits for its turn, so the average rate stays at the limit.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Throttle {
    bytes_per_sec: u64,
    next_free: Mutex<Option<Instant>>,
}

impl Throttle {
    pub fn new(bytes_per_sec: u64) -> Self {
        Self {
            bytes_per_sec: bytes_per_sec.max(1),
            next_free: Mutex::new(None),
        }
    }

    /// How long `bytes` take at the limit.
    pub fn cost(&self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 / self.bytes_per_sec as f64)
    }

    /// Waits until `bytes` may be sent.
    pub async fn acquire(&self, bytes: u64) {
        let start = {
            let mut next = self.next_free.lock().await;
            let now = Instant::now();
            let start = next.map_or(now, |n| n.max(now));
            *next = Some(start + self.cost(bytes));
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn reservations_queue_up_at_the_limit() {
        let t = Throttle::new(1_000_000);
        let began = Instant::now();
        t.acquire(2_000_000).await; // first goes at once
        assert!(began.elapsed() < Duration::from_millis(1));
        t.acquire(1_000_000).await; // waits for the first 2 s
        assert_eq!(began.elapsed().as_secs(), 2);
        t.acquire(1).await;
        assert_eq!(began.elapsed().as_secs(), 3);
    }
}
