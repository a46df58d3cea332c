//! Wake from sleep, noticed without asking the OS: the monotonic clock stops while the
//! computer sleeps and the wall clock does not, so a wall clock that ran ahead of the
//! monotonic one between two looks means the lid was shut (or the clock was set).

use super::Network;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

/// The wall clock (a test's own, or the system's).
pub type WallClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

pub fn system_clock() -> WallClock {
    Arc::new(SystemTime::now)
}

/// How often the clocks are compared.
pub const TICK: Duration = Duration::from_secs(2);
/// A difference this big between the clocks is a sleep or a clock change, not a late tick.
pub const JUMP: Duration = Duration::from_secs(5);

/// Whether the wall clock moved by more than [`JUMP`] beyond (or against) the
/// monotonic time that passed.
pub fn jumped(wall_before: SystemTime, wall_now: SystemTime, monotonic: Duration) -> bool {
    match wall_now.duration_since(wall_before) {
        Ok(wall) => wall.saturating_sub(monotonic) > JUMP,
        // Set back: connections are as suspect as after a sleep.
        Err(back) => back.duration() > JUMP,
    }
}

pub async fn watch(net: Network, clock: WallClock, stop: CancellationToken) {
    let mut wall = clock();
    let mut mono = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(TICK) => {}
        }
        let (wall_now, mono_now) = (clock(), tokio::time::Instant::now());
        if jumped(wall, wall_now, mono_now - mono) {
            net.changed_now("the wall clock jumped (wake from sleep)");
        }
        (wall, mono) = (wall_now, mono_now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn only_a_jump_beyond_the_monotonic_time_counts() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let s = Duration::from_secs;
        assert!(!jumped(t0, t0 + s(2), s(2)), "an ordinary tick");
        assert!(
            !jumped(t0, t0 + s(6), s(2)),
            "a late tick within the margin"
        );
        assert!(jumped(t0, t0 + s(3600), s(2)), "an hour asleep");
        assert!(jumped(t0, t0 - s(60), s(2)), "the clock set back");
        assert!(
            !jumped(t0, t0 + s(30), s(30)),
            "a busy machine: both clocks ran"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_jump_of_the_wall_clock_is_a_network_change() {
        let offset = Arc::new(AtomicU64::new(0));
        let o = offset.clone();
        let clock: WallClock = Arc::new(move || {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + o.load(Ordering::Relaxed))
        });
        let net = Network::new();
        let stop = CancellationToken::new();
        tokio::spawn(watch(net.clone(), clock, stop.clone()));
        tokio::time::sleep(TICK * 3).await;
        // The test's wall clock stood still while monotonic time ran: that is no sleep.
        assert_eq!(net.generation(), 0);
        offset.store(3600, Ordering::Relaxed);
        let seen = tokio::time::timeout(TICK * 2, net.changed_after(0)).await;
        assert!(seen.is_ok(), "the jump was not noticed");
        assert_eq!(net.generation(), 1);
        stop.cancel();
    }
}
