//! When an upload was last marked active. The database writes `touched_at` at most
//! once a minute per upload (the reaper's grain is hours); this instance remembers its
//! own last write, so the sign and part-list calls in between skip the database
//! altogether instead of asking it to write nothing. Losing this memory (a restart)
//! costs one write, nothing else: the database's own condition stays the rule.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The database's grain for `touched_at` (`touch_upload`'s condition), in seconds.
pub const TOUCH_EVERY: i64 = 60;
/// Past this many remembered uploads, those no longer within a minute are forgotten
/// (ended uploads are never asked about again).
const PRUNE_AT: usize = 4096;

#[derive(Clone, Default)]
pub struct Touches(Arc<Mutex<HashMap<String, i64>>>);

impl Touches {
    /// Whether `upload_id` is due for a write at `now` (unix seconds).
    pub fn due(&self, upload_id: &str, now: i64) -> bool {
        let last = self.0.lock().unwrap_or_else(|p| p.into_inner());
        last.get(upload_id)
            .is_none_or(|&at| at <= now - TOUCH_EVERY)
    }

    /// Records a write made at `now`.
    pub fn wrote(&self, upload_id: &str, now: i64) {
        let mut last = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= PRUNE_AT {
            last.retain(|_, at| *at > now - TOUCH_EVERY);
        }
        last.insert(upload_id.to_string(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_write_a_minute_per_upload() {
        let t = Touches::default();
        assert!(t.due("a", 1000));
        t.wrote("a", 1000);
        assert!(!t.due("a", 1000 + TOUCH_EVERY - 1));
        assert!(t.due("b", 1000), "uploads are apart");
        assert!(t.due("a", 1000 + TOUCH_EVERY));
    }

    #[test]
    fn memory_stays_bounded() {
        let t = Touches::default();
        for i in 0..(PRUNE_AT * 3) {
            // each upload written once, a minute after the previous batch
            t.wrote(&i.to_string(), (i / PRUNE_AT) as i64 * TOUCH_EVERY * 2);
        }
        assert!(t.0.lock().unwrap().len() <= PRUNE_AT + 1);
    }
}
