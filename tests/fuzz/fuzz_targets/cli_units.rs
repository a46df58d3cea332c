//! The times and rates a user types on the command line (crates/cli/src/units.rs,
//! compiled here on its own). Whatever the text: no panic, and what is accepted is a
//! real value: a position is a finite number of seconds, a rate a positive byte count.
#![no_main]

#[path = "../../../crates/cli/src/units.rs"]
#[allow(dead_code)]
mod units;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(secs) = units::parse_position(text) {
        assert!(secs.is_finite() && secs >= 0.0, "{text:?} -> {secs}");
    }
    if let Ok(rate) = units::parse_rate(text) {
        assert!(rate > 0);
    }
    let _ = units::parse_duration(text);
});
