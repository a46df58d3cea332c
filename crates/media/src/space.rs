//! Disk space for recordings and compressed copies: how many minutes fit, when to warn
//! before Record, and the reserve under which a recording stops by itself (gracefully,
//! kept) instead of failing on a write.

use std::path::Path;

/// What a recording is expected to write per second before it has measured its own
/// rate: 1080p30 H.264 at CRF 23 of a class (a camera in a room is the busy case).
pub const EXPECTED_RATE: f64 = 6_000_000.0 / 8.0;
/// Under this many minutes left, the app warns before Record.
pub const WARN_MINUTES: f64 = 30.0;
/// The least kept free: the queue's database and ffmpeg's last fragments need room.
const MIN_RESERVE: u64 = 16 << 20;
/// Seconds of recording the reserve holds: ffmpeg finishing after `q` (normally under
/// a second) and the next check half a second on.
const RESERVE_SECS: f64 = 10.0;

/// Bytes kept free at `rate` bytes a second.
pub fn reserve(rate: f64) -> u64 {
    MIN_RESERVE.max((rate * RESERVE_SECS) as u64)
}

/// Free bytes for this user on the disk holding `dir` (or its nearest existing parent,
/// so a folder still to be made reports the disk it will be on).
pub fn free(dir: &Path) -> std::io::Result<u64> {
    let mut at = dir;
    loop {
        match fs4::available_space(at) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match at.parent() {
                Some(p) => at = p,
                None => return Err(e),
            },
            r => return r,
        }
    }
}

/// Room for a recording in `dir`, as the app and `idance record` show it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Room {
    pub free_bytes: u64,
    /// Minutes of recording that fit at the expected rate, above the reserve.
    pub minutes_left: f64,
    /// Under [`WARN_MINUTES`]: say so before Record.
    pub low: bool,
}

pub fn room(dir: &Path) -> std::io::Result<Room> {
    let free = free(dir)?;
    Ok(room_of(free, EXPECTED_RATE))
}

fn room_of(free: u64, rate: f64) -> Room {
    let minutes_left = free.saturating_sub(reserve(rate)) as f64 / rate / 60.0;
    Room {
        free_bytes: free,
        minutes_left,
        low: minutes_left < WARN_MINUTES,
    }
}

impl Room {
    /// "about 40 min of recording space left".
    pub fn words(&self) -> String {
        let m = self.minutes_left;
        if m < 1.0 {
            "less than a minute of recording space left".into()
        } else if m < 120.0 {
            format!("about {} min of recording space left", m.round() as u64)
        } else {
            format!("about {:.0} h of recording space left", (m / 60.0).floor())
        }
    }
}

/// While recording at `rate` bytes a second: why to stop now, when the disk of `dir`
/// is down to its reserve. A disk whose space cannot be read is not a reason.
pub fn too_low(dir: &Path, rate: f64) -> Option<crate::problem::Problem> {
    let free = free(dir).ok()?;
    (free < reserve(rate)).then(|| crate::problem::Problem::disk_almost_full(free))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_left_above_the_reserve_and_the_warning() {
        let gb = 1_000_000_000;
        let r = room_of(10 * gb, EXPECTED_RATE);
        assert!((r.minutes_left - 221.9).abs() < 0.5, "{r:?}");
        assert!(!r.low);
        assert_eq!(r.words(), "about 3 h of recording space left");
        let r = room_of(gb * 18 / 10, EXPECTED_RATE);
        assert!(!r.low, "{r:?}");
        assert_eq!(r.words(), "about 40 min of recording space left");
        let r = room_of(gb * 12 / 10, EXPECTED_RATE);
        assert!(r.low, "{r:?}");
        assert_eq!(r.words(), "about 26 min of recording space left");
        let r = room_of(10 << 20, EXPECTED_RATE);
        assert_eq!(r.minutes_left, 0.0);
        assert_eq!(r.words(), "less than a minute of recording space left");
    }

    #[test]
    fn the_reserve_grows_with_the_rate() {
        assert_eq!(reserve(100_000.0), 16 << 20);
        assert_eq!(reserve(5_000_000.0), 50_000_000);
    }

    #[test]
    fn a_folder_still_to_be_made_reports_its_disk() {
        let dir = tempfile::tempdir().unwrap();
        let here = free(dir.path()).unwrap();
        let later = free(&dir.path().join("not/yet")).unwrap();
        assert!(here > 0 && later > 0);
        assert!(too_low(dir.path(), 1.0).is_none());
    }
}
