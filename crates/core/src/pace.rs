//! "Online fast": a recording that is online seconds after Stop, even over an uplink
//! thinner than the video. While it records and uploads, the uplink is read
//! ([`crate::network::uplink`]); when the link has been busy all along (it cannot
//! carry what is recorded), the video is capped at what it carries with room to spare
//! and to send what already waits within [`DRAIN_WITHIN`], from the next second on;
//! when it has been idle much of the time, nothing waits and it carries far more, the
//! cap goes back up, with more room to spare (so it does not swing back down). Never
//! below [`FLOOR_KBPS`], never above
//! [`CEILING_KBPS`]. Quality first (no cap) stays the default.
//!
//! Each change starts a new ffmpeg process on the same file (a cut of about half a
//! second), so changes are few: at most one per [`SETTLE`].

use crate::network::uplink::{Reading, Uplink};
use idance_media::record::{Controls, RecordState, RecordStatus};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The lowest video bitrate: 720p at 30 fps still shows a dancer's feet and hands
/// (H.264 at 1.5 Mbit/s is what streaming services send for 720p).
pub const FLOOR_KBPS: u32 = 1_500;
/// The first cap, and the highest: above a quality-first recording's usual rate, and
/// under H.264 level 3.0's limit, so a cap change never changes the file's header.
pub const CEILING_KBPS: u32 = 10_000;
/// The sound's share (AAC at 128 kbit/s) and the container's (about 3 %).
const AUDIO_KBPS: f64 = 128.0;
const MUX_OVERHEAD: f64 = 1.03;
/// The share of the link a recording may fill: the rest drains what waits. Going back
/// up it may fill less, so the next reading does not take it down again.
const HEADROOM: f64 = 0.8;
const HEADROOM_UP: f64 = 0.7;
/// What the link carries is read from the PUTs that ended this long back.
const LINK_WINDOW: Duration = Duration::from_secs(60);
/// What waits to be sent should be gone this soon after a cap.
const DRAIN_WITHIN: Duration = Duration::from_secs(60);
/// How far back the link is judged, and how often it is read.
const WINDOW: Duration = Duration::from_secs(20);
pub const READ_EVERY: Duration = Duration::from_secs(2);
/// At least this long between two changes (the new rate must show first).
const SETTLE: Duration = Duration::from_secs(30);
/// Busy this share of the window: the link is what holds the upload back.
const SATURATED: f64 = 0.85;
/// Busy at most this share: the link has room.
const ROOMY: f64 = 0.6;

#[derive(Clone, Copy, Debug)]
struct Sample {
    at: Instant,
    busy: Duration,
}

/// The cap decision, fed a reading of the uplink every [`READ_EVERY`].
#[derive(Debug)]
pub struct Pace {
    cap: u32,
    changed: Option<Instant>,
    samples: VecDeque<Sample>,
}

impl Default for Pace {
    fn default() -> Self {
        Self::new(CEILING_KBPS)
    }
}

impl Pace {
    pub fn new(cap: u32) -> Self {
        Self {
            cap,
            changed: None,
            samples: VecDeque::new(),
        }
    }

    pub fn cap(&self) -> u32 {
        self.cap
    }

    /// Forgets what was read (a pause: nothing is recorded, nothing to judge).
    pub fn reset(&mut self) {
        self.samples.clear();
    }

    /// The video cap the link can carry, given what it carried (bytes per busy
    /// second) and what waits: `headroom`'s share, less the sound, the container and
    /// the rate that sends what waits within [`DRAIN_WITHIN`].
    fn target(bytes_per_sec: f64, waiting: u64, headroom: f64) -> u32 {
        let link_kbps = bytes_per_sec * 8.0 / 1000.0;
        let drain_kbps = waiting as f64 * 8.0 / 1000.0 / DRAIN_WITHIN.as_secs_f64();
        let video = (link_kbps * headroom - drain_kbps - AUDIO_KBPS) / MUX_OVERHEAD;
        (video.max(0.0) as u32).clamp(FLOOR_KBPS, CEILING_KBPS)
    }

    /// Takes a reading made at `at`, with `waiting` bytes recorded and ready to send
    /// but not sent; answers a new cap when one is due.
    pub fn read(&mut self, at: Instant, reading: &Reading, waiting: u64) -> Option<u32> {
        let busy = reading.busy;
        self.samples.push_back(Sample { at, busy });
        while self
            .samples
            .get(1)
            .is_some_and(|s| at.duration_since(s.at) >= WINDOW)
        {
            self.samples.pop_front();
        }
        let first = self.samples.front()?;
        let span = at.duration_since(first.at);
        let busy = busy.saturating_sub(first.busy);
        // A judgement needs a full window and what the link carried lately.
        let rate = reading.rate_since(at.checked_sub(LINK_WINDOW).unwrap_or(at));
        let rate = rate.filter(|_| span >= WINDOW)?;
        if self.changed.is_some_and(|c| at.duration_since(c) < SETTLE) {
            return None;
        }
        let share = busy.as_secs_f64() / span.as_secs_f64();
        let down = Self::target(rate, waiting, HEADROOM);
        let up = Self::target(rate, waiting, HEADROOM_UP);
        let cap = f64::from(self.cap);
        let target = if share >= SATURATED && f64::from(down) < cap * 0.9 {
            down
        } else if share <= ROOMY && waiting == 0 && f64::from(up) > cap * 1.25 {
            up
        } else {
            return None;
        };
        self.cap = target;
        self.changed = Some(at);
        // How busy the link was at the old rate says nothing of the new one.
        self.samples.clear();
        self.samples.push_back(Sample { at, busy });
        Some(target)
    }
}

/// Keeps a capped recording's video at what `uplink` carries until the recording
/// ends (its status closes) — run it beside a recording started with
/// `video_cap: Some(CEILING_KBPS)` whose parts go up while it records.
pub async fn online_fast(
    controls: Controls,
    mut status: watch::Receiver<RecordStatus>,
    uplink: Uplink,
) {
    let mut pace = Pace::default();
    // What was recorded and sent before this recording is not its own.
    let sent0 = uplink.reading().bytes;
    let recorded0 = status.borrow().bytes_durable;
    let mut tick = tokio::time::interval(READ_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = status.changed() => match changed {
                Ok(()) => continue,
                Err(_) => return,
            },
        }
        let state = status.borrow().state;
        match state {
            RecordState::Recording => {}
            RecordState::Starting | RecordState::Paused => {
                pace.reset();
                continue;
            }
            _ => return,
        }
        let reading = uplink.reading();
        let recorded = status.borrow().bytes_durable.saturating_sub(recorded0);
        // The part being filled is not waiting: only full parts are sent while
        // recording (other jobs' bytes sent meanwhile make this an underestimate).
        let waiting = recorded
            .saturating_sub(reading.bytes.saturating_sub(sent0))
            .saturating_sub(idance_contract::DEFAULT_PART_SIZE);
        let Some(kbps) = pace.read(Instant::now(), &reading, waiting) else {
            continue;
        };
        match controls.cap_video(kbps) {
            Ok(_) => tracing::info!(kbps, "online fast: video capped to what the uplink carries"),
            Err(e) => {
                tracing::info!("online fast: cap not changed: {e}");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::uplink::Put;

    /// A simulated link: time and what it carried so far.
    struct Link {
        t0: Instant,
        t: f64,
        reading: Reading,
    }

    impl Link {
        fn new() -> Self {
            Link {
                t0: Instant::now(),
                t: 0.0,
                reading: Reading::default(),
            }
        }

        /// `secs` of readings every 2 s, the link carrying `rate` bytes per busy
        /// second and busy `share` of the time; answers the caps decided.
        fn run(&mut self, pace: &mut Pace, secs: u64, rate: f64, share: f64) -> Vec<u32> {
            self.run_waiting(pace, secs, rate, share, 0)
        }

        fn run_waiting(
            &mut self,
            pace: &mut Pace,
            secs: u64,
            rate: f64,
            share: f64,
            waiting: u64,
        ) -> Vec<u32> {
            (0..secs / 2)
                .filter_map(|_| {
                    self.t += 2.0;
                    // One PUT each 2 s, open `share` of them.
                    let end = self.t0 + Duration::from_secs_f64(self.t);
                    let open = Duration::from_secs_f64(2.0 * share);
                    let bytes = (2.0 * share * rate) as u64;
                    self.reading.busy += open;
                    self.reading.bytes += bytes;
                    if bytes > 0 {
                        self.reading.done.push(Put {
                            start: end - open,
                            end,
                            bytes,
                        });
                    }
                    pace.read(end, &self.reading, waiting)
                })
                .collect()
        }
    }

    #[test]
    fn a_saturated_4_mbit_link_caps_the_video_under_it_once() {
        let mut pace = Pace::default();
        let caps = Link::new().run(&mut pace, 300, 500_000.0, 1.0);
        // 4 Mbit/s: 80 % less the sound and the container.
        assert_eq!(caps.len(), 1, "{caps:?}");
        assert!((2950..=3050).contains(&caps[0]), "{caps:?}");
        assert_eq!(caps[0], pace.cap());
    }

    /// 15 MB waiting on a 4 Mbit/s link: sent within a minute means 2 Mbit/s of it,
    /// so the video goes to what is left, and not under the floor.
    #[test]
    fn what_waits_is_drained_too() {
        let mut pace = Pace::default();
        let caps = Link::new().run_waiting(&mut pace, 60, 500_000.0, 1.0, 7_500_000);
        assert_eq!(caps.len(), 1, "{caps:?}");
        assert!((1950..=2050).contains(&caps[0]), "{caps:?}");
        let mut pace = Pace::default();
        let caps = Link::new().run_waiting(&mut pace, 60, 500_000.0, 1.0, 30_000_000);
        assert_eq!(caps, vec![FLOOR_KBPS]);
    }

    /// The loop closed: a recording whose demand follows the cap, on a 3.8 Mbit/s
    /// link, what it cannot send waiting. The cap settles under the link in a few
    /// changes and nothing waits at the end.
    #[test]
    fn a_recording_on_a_thin_link_settles_without_swinging() {
        let link = 475_000.0; // bytes per second
        let mut pace = Pace::default();
        let mut sim = Link::new();
        let mut waiting = 0.0f64;
        let mut changes = Vec::new();
        for _ in 0..300 {
            let demand = (f64::from(pace.cap()) * MUX_OVERHEAD + AUDIO_KBPS) * 1000.0 / 8.0;
            let share = ((demand + waiting / 2.0) / link).min(1.0);
            waiting = (waiting + (demand - link * share) * 2.0).max(0.0);
            if let [cap] = sim.run_waiting(&mut pace, 2, link, share, waiting as u64)[..] {
                changes.push((sim.t, cap));
            }
        }
        assert!(changes.len() <= 3, "{changes:?}");
        let last = pace.cap();
        assert!((2_400..=3_100).contains(&last), "{changes:?}");
        assert!(waiting < 1.0, "{waiting} bytes still waiting; {changes:?}");
    }

    #[test]
    fn a_link_that_keeps_up_leaves_the_ceiling() {
        let mut pace = Pace::default();
        // 20 Mbit/s, busy a third of the time: it carries what is recorded.
        assert!(
            Link::new()
                .run(&mut pace, 300, 2_500_000.0, 0.33)
                .is_empty()
        );
        assert_eq!(pace.cap(), CEILING_KBPS);
    }

    #[test]
    fn a_thin_link_stops_at_the_floor() {
        let mut pace = Pace::default();
        let caps = Link::new().run(&mut pace, 120, 100_000.0, 1.0);
        assert_eq!(caps, vec![FLOOR_KBPS]);
    }

    #[test]
    fn the_cap_goes_back_up_when_the_link_has_room_and_not_sooner_than_it_settles() {
        let mut pace = Pace::default();
        let mut link = Link::new();
        let down = link.run(&mut pace, 60, 250_000.0, 1.0);
        assert_eq!(down.len(), 1, "{down:?}");
        // The link is back at 20 Mbit/s and idle most of the time: up again, in
        // steps at least SETTLE apart, to the ceiling.
        let mut raised: Vec<(f64, u32)> = Vec::new();
        for _ in 0..60 {
            if let [cap] = link.run(&mut pace, 2, 2_500_000.0, 0.2)[..] {
                if let Some(&(t, before)) = raised.last() {
                    assert!(link.t - t >= SETTLE.as_secs_f64(), "{raised:?} then {cap}");
                    assert!(cap > before, "{raised:?} then {cap}");
                }
                assert!(cap > down[0], "{down:?} then {cap}");
                raised.push((link.t, cap));
            }
        }
        assert_eq!(pace.cap(), CEILING_KBPS, "{raised:?}");
    }

    #[test]
    fn a_link_busy_but_not_full_is_left_alone() {
        let mut pace = Pace::default();
        // Busy 70 % at 4 Mbit/s: neither saturated nor roomy.
        assert!(Link::new().run(&mut pace, 300, 500_000.0, 0.7).is_empty());
    }
}
