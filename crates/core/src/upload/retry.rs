//! Exponential backoff with jitter for what can fail now and work later, cut short
//! when the network comes back or changes.

use super::{UploadError, Uploader};
use crate::api::ClientError;
use rand::Rng;
use std::future::Future;
use std::time::{Duration, Instant};

pub const FIRST_DELAY: Duration = Duration::from_millis(300);
pub const MAX_DELAY: Duration = Duration::from_secs(20);
/// The longest `Retry-After` waited in one go.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// The delay before attempt `n` (0-based): doubling from 300 ms to 20 s, ±50 % jitter.
pub fn backoff(n: u32) -> Duration {
    let base = FIRST_DELAY.saturating_mul(1u32 << n.min(10)).min(MAX_DELAY);
    let jitter = rand::rng().random_range(0.5..1.5);
    base.mul_f64(jitter)
}

/// Sleeps `d` unless the uploader is cancelled first.
pub async fn pause(up: &Uploader, d: Duration) -> Result<(), UploadError> {
    tokio::select! {
        () = up.cancel.cancelled() => Err(UploadError::Cancelled),
        () = tokio::time::sleep(d) => Ok(()),
    }
}

/// Waits `d` before another try at `url` — or less: the wait ends as soon as the network
/// changed since `generation` (a new address, a wake: fresh connections may work now),
/// or, when `url`'s host could not be reached, the moment it answers a handshake again.
pub async fn pause_for(
    up: &Uploader,
    url: &str,
    d: Duration,
    generation: u64,
) -> Result<(), UploadError> {
    let network = up.api.network();
    tokio::select! {
        () = up.cancel.cancelled() => Err(UploadError::Cancelled),
        () = tokio::time::sleep(d) => Ok(()),
        () = network.changed_after(generation) => Ok(()),
        () = crate::network::probe::back_after_outage(url) => Ok(()),
    }
}

/// Calls `op` until it succeeds, fails for good, or the service stays unreachable for
/// longer than `max_outage`.
pub async fn until_reachable<T, F, Fut>(up: &Uploader, mut op: F) -> Result<T, UploadError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        if up.cancel.is_cancelled() {
            return Err(UploadError::Cancelled);
        }
        let generation = up.api.network().generation();
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_transient() => {
                if started.elapsed() > up.config.max_outage {
                    return Err(e.into());
                }
                tracing::debug!(error = %e, attempt, "service unavailable; retrying");
                super::Counters::add(&up.counters.retries, 1);
                // A 429's `Retry-After` is honoured (capped: the outage bound still holds).
                let wait = e.retry_after().map_or(backoff(attempt), |r| {
                    r.min(MAX_RETRY_AFTER).max(backoff(attempt))
                });
                pause_for(up, up.api.base(), wait, generation).await?;
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= FIRST_DELAY.mul_f64(1.5));
        assert!(backoff(0) >= FIRST_DELAY.mul_f64(0.5));
        assert!(backoff(30) <= MAX_DELAY.mul_f64(1.5));
        assert!(backoff(30) >= MAX_DELAY.mul_f64(0.5));
    }
}
