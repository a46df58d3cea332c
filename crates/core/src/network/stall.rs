//! When a transfer counts as stalled. There is no whole-request timeout on a body: a
//! part on a 2 Mbit/s uplink may take minutes and is still moving. What is watched is
//! the body: the time since it last gave bytes to the connection.
//!
//! - Still for [`STALL_AFTER`]: the host is probed (one handshake); if it does not
//!   answer, the network is out and the transfer is dropped (a silent Wi-Fi drop, where
//!   no reset ever comes).
//! - Still for longer than its own pace allows (at least [`GIVE_UP_AFTER`]) while the
//!   host answers: the connection is dead on its own (a NAT that forgot it).
//! - After a network change (address, wake), still for [`AFTER_CHANGE`]: its
//!   connection belonged to the old network.
//!
//! Once the whole body is handed over, the OS may still hold part of it to send, so
//! the pace allows the tail as long as the body took, or the body at [`FLOOR_RATE`].

use super::{Network, probe};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const STALL_AFTER: Duration = Duration::from_secs(15);
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(60);
pub const AFTER_CHANGE: Duration = Duration::from_secs(2);
/// The slowest uplink a part's tail is waited for, bytes per second (128 kbit/s).
pub const FLOOR_RATE: u64 = 16 * 1024;
/// A handshake on a link full of our own bytes may queue behind them.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
const PROBE_EVERY: Duration = Duration::from_secs(5);
const LOOK_EVERY: Duration = Duration::from_millis(500);
/// Progress is seen per slice of this many bytes (a body's chunks are cut to it).
const SLICE: usize = 64 * 1024;

/// How far one transfer's body got, and when.
#[derive(Clone, Debug)]
pub struct Liveness(Arc<State>);

#[derive(Debug)]
struct State {
    began: Instant,
    len: u64,
    pulled: AtomicU64,
    slices: AtomicU64,
    /// Milliseconds after `began` of the last slice handed over.
    last_ms: AtomicU64,
}

impl Liveness {
    /// A transfer of a `len`-byte body, starting now.
    pub fn new(len: u64) -> Self {
        Self(Arc::new(State {
            began: Instant::now(),
            len,
            pulled: AtomicU64::new(0),
            slices: AtomicU64::new(0),
            last_ms: AtomicU64::new(0),
        }))
    }

    fn moved(&self, n: usize) {
        let s = &self.0;
        s.pulled.fetch_add(n as u64, Ordering::Relaxed);
        s.slices.fetch_add(1, Ordering::Relaxed);
        s.last_ms
            .store(s.began.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn last(&self) -> Duration {
        Duration::from_millis(self.0.last_ms.load(Ordering::Relaxed))
    }

    /// How long the body has not moved.
    pub fn idle(&self) -> Duration {
        self.0.began.elapsed().saturating_sub(self.last())
    }

    fn body_done(&self) -> bool {
        self.0.pulled.load(Ordering::Relaxed) >= self.0.len
    }

    /// The usual time between two slices so far.
    fn gap(&self) -> Duration {
        let slices = self.0.slices.load(Ordering::Relaxed).max(1);
        self.last() / slices.min(u64::from(u32::MAX)) as u32
    }

    /// How long this transfer may stand still while its host answers.
    fn patience(&self) -> Duration {
        if self.body_done() {
            let at_floor = Duration::from_secs(self.0.len / FLOOR_RATE);
            GIVE_UP_AFTER.max(self.last() * 2).max(at_floor)
        } else {
            GIVE_UP_AFTER.max(self.gap() * 4)
        }
    }

    /// How long it may stand still after a network change.
    fn patience_after_change(&self) -> Duration {
        if self.body_done() {
            AFTER_CHANGE
        } else {
            AFTER_CHANGE.max(self.gap() * 2)
        }
    }

    /// `chunks` as a body whose progress this tracks, cut in slices of [`SLICE`] so a
    /// slow link still shows progress every second or so.
    pub fn watch<S>(&self, chunks: S) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let live = self.clone();
        chunks
            .flat_map(|chunk| {
                let slices: Vec<std::io::Result<Bytes>> = match chunk {
                    Ok(b) => (0..b.len())
                        .step_by(SLICE)
                        .map(|i| Ok(b.slice(i..(i + SLICE).min(b.len()))))
                        .collect(),
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(slices)
            })
            .inspect(move |slice| {
                if let Ok(b) = slice {
                    live.moved(b.len());
                }
            })
    }
}

/// Resolves when the transfer `live` to `url` is stalled, with the reason; never while
/// it moves. Started with the transfer; `net` says whether the network changed since.
pub async fn stalled(live: &Liveness, net: &Network, url: &str) -> String {
    let generation = net.generation();
    let mut change_seen: Option<Instant> = None;
    let mut next_probe = Instant::now();
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        let idle = live.idle();
        if net.generation() != generation {
            let seen = *change_seen.get_or_insert_with(Instant::now);
            if seen.elapsed() >= AFTER_CHANGE && idle >= live.patience_after_change() {
                return format!(
                    "the network changed and the transfer stood still for {} s",
                    idle.as_secs()
                );
            }
        }
        if idle < STALL_AFTER {
            continue;
        }
        if idle >= live.patience() {
            return format!("no progress for {} s", idle.as_secs());
        }
        if Instant::now() >= next_probe {
            next_probe = Instant::now() + PROBE_EVERY;
            if !probe::reachable_within(url, PROBE_TIMEOUT).await {
                return format!(
                    "no progress for {} s and storage does not answer",
                    idle.as_secs()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live_with(len: u64, pulled: u64, slices: u64, last: Duration, age: Duration) -> Liveness {
        // As if it began `age` ago.
        Liveness(Arc::new(State {
            began: Instant::now() - age,
            len,
            pulled: AtomicU64::new(pulled),
            slices: AtomicU64::new(slices),
            last_ms: AtomicU64::new(last.as_millis() as u64),
        }))
    }

    #[test]
    fn a_slow_body_is_given_time_in_proportion_to_its_pace() {
        let s = Duration::from_secs;
        // A part at 16 kbit/s: a 64 KiB slice every 32 s, four times that allowed.
        let slow = live_with(8 << 20, 4 << 20, 64, s(2048), s(2056));
        assert_eq!(slow.idle().as_secs(), 8);
        assert_eq!(slow.patience(), s(128));
        assert_eq!(slow.patience_after_change(), s(64));
        // Fast: a slice every 10 ms; the floor of a minute holds.
        let fast = live_with(8 << 20, 4 << 20, 64, Duration::from_millis(640), s(1));
        assert_eq!(fast.patience(), GIVE_UP_AFTER);
        assert_eq!(fast.patience_after_change(), AFTER_CHANGE);
    }

    #[test]
    fn a_body_handed_over_waits_for_its_tail_at_the_floor_rate() {
        let s = Duration::from_secs;
        // Handed over in 1 s (into a big socket buffer): 8 MiB at 16 KiB/s is 512 s.
        let l = live_with(8 << 20, 8 << 20, 128, s(1), s(2));
        assert_eq!(l.patience(), s(512));
        // Handed over in 400 s: as long again.
        let l = live_with(8 << 20, 8 << 20, 128, s(400), s(401));
        assert_eq!(l.patience(), s(800).max(s(512)));
    }

    #[tokio::test]
    async fn slices_are_counted_as_they_are_taken() {
        let l = Liveness::new(300 * 1024);
        let chunks = futures::stream::iter(vec![
            Ok(Bytes::from(vec![1u8; 256 * 1024])),
            Ok(Bytes::from(vec![2u8; 44 * 1024])),
        ]);
        let got: Vec<_> = l.watch(chunks).collect().await;
        assert_eq!(got.len(), 5, "4 slices of 64 KiB and the rest");
        assert!(got.iter().all(|c| c.as_ref().unwrap().len() <= SLICE));
        assert!(l.body_done());
        assert_eq!(l.0.slices.load(Ordering::Relaxed), 5);
    }

    #[tokio::test]
    async fn a_change_ends_an_idle_transfer_in_seconds() {
        let net = Network::new();
        // Idle since it began (nothing taken), to a port that answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let l = Liveness::new(1 << 20);
        let began = Instant::now();
        let watch = stalled(&l, &net, &url);
        let change = async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            net.changed_now("test");
            std::future::pending::<String>().await
        };
        let why = tokio::select! { w = watch => w, w = change => w };
        assert!(why.contains("network changed"), "{why}");
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "{:?}",
            began.elapsed()
        );
    }
}
