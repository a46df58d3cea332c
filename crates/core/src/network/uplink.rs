//! The uplink as this process's uploads see it: the storage PUTs that completed (their
//! bytes and when each was open) and the time any PUT was open. Bytes over the time
//! their PUTs were open (overlaps counted once) is what the link carries while it is
//! used, however little it is used ("Online fast" reads it).
//!
//! A PUT is counted whole, when storage has answered: its body is taken by the
//! connection faster than the link sends it at first (the socket's buffer fills), so
//! bytes counted as they are taken would overstate a link read over a few seconds.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The completed PUTs kept for reading.
const KEEP: usize = 64;

/// Shared by every clone; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Uplink(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    open: u32,
    last: Option<Instant>,
    busy: Duration,
    bytes: u64,
    done: VecDeque<Put>,
}

/// One completed storage PUT.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Put {
    pub start: Instant,
    pub end: Instant,
    pub bytes: u64,
}

/// What the uplink carried so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// Time with at least one PUT open.
    pub busy: Duration,
    /// Bytes of every completed PUT so far.
    pub bytes: u64,
    /// The last completed PUTs, oldest first.
    pub done: Vec<Put>,
}

impl Reading {
    /// Bytes per second the link carried while the PUTs that ended after `since` were
    /// open (overlaps once); None without any.
    pub fn rate_since(&self, since: Instant) -> Option<f64> {
        let mut puts: Vec<&Put> = self.done.iter().filter(|p| p.end > since).collect();
        puts.sort_by_key(|p| p.start);
        let bytes: u64 = puts.iter().map(|p| p.bytes).sum();
        let mut open = Duration::ZERO;
        let mut reach: Option<Instant> = None;
        for p in puts {
            let from = reach.map_or(p.start, |r| r.max(p.start));
            open += p.end.saturating_duration_since(from);
            reach = Some(reach.map_or(p.end, |r| r.max(p.end)));
        }
        (bytes > 0 && !open.is_zero()).then(|| bytes as f64 / open.as_secs_f64())
    }
}

/// One PUT in flight: busy until dropped; [`Open::done`] when storage took it.
pub struct Open {
    uplink: Uplink,
    start: Instant,
}

impl Open {
    /// Storage answered that it has the `bytes`.
    pub fn done(self, bytes: u64) {
        let (start, end) = (self.start, Instant::now());
        self.uplink.at(end, |s| {
            if s.done.len() == KEEP {
                s.done.pop_front();
            }
            s.done.push_back(Put { start, end, bytes });
            s.bytes += bytes;
        });
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.uplink
            .at(Instant::now(), |s| s.open = s.open.saturating_sub(1));
    }
}

impl Uplink {
    fn at(&self, now: Instant, change: impl FnOnce(&mut State)) {
        // A panicked holder left plain numbers: still usable.
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if s.open > 0
            && let Some(last) = s.last
        {
            s.busy += now.saturating_duration_since(last);
        }
        s.last = Some(now);
        change(&mut s);
    }

    /// A PUT starts.
    pub fn open(&self) -> Open {
        let start = Instant::now();
        self.at(start, |s| s.open += 1);
        Open {
            uplink: self.clone(),
            start,
        }
    }

    pub fn reading(&self) -> Reading {
        self.reading_at(Instant::now())
    }

    fn reading_at(&self, now: Instant) -> Reading {
        let mut r = Reading::default();
        self.at(now, |s| {
            r = Reading {
                busy: s.busy,
                bytes: s.bytes,
                done: s.done.iter().copied().collect(),
            }
        });
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_is_time_with_a_put_open_counted_once() {
        let up = Uplink::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        up.at(ms(0), |s| s.open += 2); // two PUTs at once count once
        up.at(ms(2000), |s| s.open -= 1);
        up.at(ms(3000), |s| s.open -= 1);
        // Nothing open: idle time is not busy.
        let r = up.reading_at(ms(10_000));
        assert_eq!(r.busy, Duration::from_secs(3));
    }

    #[test]
    fn the_rate_is_bytes_over_the_time_their_puts_were_open_overlaps_once() {
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_secs(n);
        let put = |a, b, bytes| Put {
            start: s(a),
            end: s(b),
            bytes,
        };
        let r = Reading {
            busy: Duration::ZERO,
            bytes: 30_000_000,
            // 0–10 and 5–15 overlap (15 s open), then 20–25: 20 s for 30 MB.
            done: vec![
                put(0, 10, 10_000_000),
                put(5, 15, 10_000_000),
                put(20, 25, 10_000_000),
            ],
        };
        assert_eq!(r.rate_since(t0), Some(1_500_000.0));
        // Only what ended after 12 s: 5–15 and 20–25.
        assert_eq!(r.rate_since(s(12)), Some(20_000_000.0 / 15.0));
        assert_eq!(r.rate_since(s(30)), None);
    }

    #[test]
    fn a_put_counts_once_storage_answered_and_only_the_last_are_kept() {
        let up = Uplink::default();
        let open = up.open();
        assert!(up.reading().done.is_empty());
        open.done(5);
        assert_eq!(up.reading().done[0].bytes, 5);
        for _ in 0..KEEP + 3 {
            up.open().done(1);
        }
        assert_eq!(up.reading().done.len(), KEEP);
        assert_eq!(up.reading().bytes, 5 + KEEP as u64 + 3);
    }
}
