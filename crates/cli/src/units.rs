//! The time and rate values of the command line, as text a user typed. Only text in, so
//! it compiles on its own: the fuzz target `cli_units` (tests/fuzz) includes this file.

use std::time::Duration;

/// humantime, plus a bare number as seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime_duration(s).map_err(|e| format!("'{s}' is not a duration like 30s, 2m, 1h: {e}"))
}

/// `humantime::parse_duration` on text short enough that its total stays far below
/// u64::MAX seconds: at the limit it panics instead of answering an error (humantime
/// issue #66; found here by the fuzz target `cli_units`). Nobody types a longer time.
fn humantime_duration(s: &str) -> Result<Duration, String> {
    let longest_number = s
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if s.len() > 64 || longest_number > 9 {
        return Err("too long to be a time here".into());
    }
    humantime::parse_duration(s).map_err(|e| e.to_string())
}

/// A point in a video: seconds (`90`, `12.5`), `M:SS`, `H:MM:SS(.s)` or humantime
/// (`1m30s`).
pub fn parse_position(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let bad = || format!("'{s}' is not a time in the video like 90, 1:30, 00:01:30 or 1m30s");
    if let Ok(secs) = s.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then_some(secs)
            .ok_or_else(bad);
    }
    if s.contains(':') {
        let mut total = 0.0;
        for (i, part) in s.split(':').enumerate() {
            let v: f64 = part.parse().map_err(|_| bad())?;
            // Minutes and seconds after the first field are under 60.
            if !(v >= 0.0 && (i == 0 || v < 60.0)) {
                return Err(bad());
            }
            total = total * 60.0 + v;
        }
        // "inf:00" or a huge first field is no time in a video.
        return total.is_finite().then_some(total).ok_or_else(bad);
    }
    humantime_duration(s)
        .map(|d| d.as_secs_f64())
        .map_err(|_| bad())
}

/// `123`, `500K`, `8M`, `1G` (powers of 1024) as bytes per second.
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1024),
        Some('M') => (&s[..s.len() - 1], 1024 * 1024),
        Some('G') => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    match digits.parse::<u64>().map(|n| (n, n.checked_mul(mult))) {
        Ok((n, Some(rate))) if n > 0 => Ok(rate),
        Ok((_, None)) => Err(format!("'{s}' is more than any link carries")),
        _ => Err(format!("'{s}' is not a rate like 500K or 8M")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz target `cli_units`: `--limit 6606660666662G` overflowed (a
    /// panic), and a clock time whose first field is `inf` or huge was taken.
    #[test]
    fn values_past_the_limits_are_refused() {
        assert!(
            parse_rate("6606660666662G")
                .unwrap_err()
                .contains("more than any link")
        );
        assert!(parse_rate("18446744073709551615K").is_err());
        for bad in ["inf:00", "1e308:59:59", "NaN:1"] {
            assert!(parse_position(bad).is_err(), "{bad}");
        }
        // humantime panics here (its issue #66); found after 400 s of fuzzing.
        for huge in [
            "18446744073709551615s 1000000000ns",
            "18446744073709551615.115s330ms311ms244ms6000000000",
            "584542046090y 1000000000ns",
        ] {
            assert!(parse_duration(huge).is_err(), "{huge}");
            assert!(parse_position(huge).is_err(), "{huge}");
        }
        assert_eq!(
            parse_duration("999999999ms"),
            Ok(Duration::from_millis(999_999_999))
        );
    }

    #[test]
    fn durations_accept_humantime_and_bare_seconds() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn positions_accept_seconds_clock_times_and_humantime() {
        assert_eq!(parse_position("90"), Ok(90.0));
        assert_eq!(parse_position("12.5"), Ok(12.5));
        assert_eq!(parse_position("1:30"), Ok(90.0));
        assert_eq!(parse_position("01:02:03.5"), Ok(3723.5));
        assert_eq!(parse_position("1m30s"), Ok(90.0));
        for bad in ["-3", "1:75", "soon", "1::2"] {
            assert!(parse_position(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_accept_suffixes() {
        assert_eq!(parse_rate("8M"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_rate("500k"), Ok(500 * 1024));
        assert_eq!(parse_rate("42"), Ok(42));
        assert!(parse_rate("0").is_err() && parse_rate("fast").is_err());
    }
}
