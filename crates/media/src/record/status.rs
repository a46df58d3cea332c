//! What a recording reports while it runs, read from ffmpeg's log lines.

use super::args::LEVEL_KEY;
use crate::problem::Problem;
use serde::Serialize;

/// A recording's state, in the order it moves through them (Recording and Paused may
/// alternate). The recorder reports Starting, Recording, Paused and its end (Finished
/// or Failed); Stopping and Finishing (being queued) are set by the take that owns the
/// recording (`idance_core::take`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    Starting,
    Recording,
    /// Between two ffmpeg processes: nothing is recorded, the devices are free.
    Paused,
    Stopping,
    Finishing,
    Finished,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordStatus {
    pub state: RecordState,
    /// Seconds of video encoded so far.
    pub elapsed_secs: f64,
    /// Bytes in the recording file.
    pub bytes_written: u64,
    /// Bytes in the file known to be on disk (synced): never rewritten, safe to upload.
    pub bytes_durable: u64,
    pub fps: f32,
    pub dropped_frames: u64,
    /// Microphone loudness, dBFS RMS (about -90 silent, 0 full scale).
    pub audio_level_db: Option<f32>,
    /// The microphone has heard nothing for [`SILENT_READINGS`] readings (10 s): a
    /// dead, muted or wrong device. Cleared when it hears sound again.
    pub mic_silent: bool,
    /// Readings in a row under [`SILENT_BELOW_DB`] (kept across pauses).
    #[serde(skip)]
    pub silent_readings: u32,
    /// The first problem (a kind the window words, with its detail).
    pub error: Option<Problem>,
    /// Why the recording stopped by itself though nothing failed (the disk almost
    /// full).
    pub notice: Option<Problem>,
    /// The encoder in use, as shown: "libx264 (software)".
    pub encoder: Option<String>,
    /// The video's bitrate cap now, kbit/s ("Online fast"); None when quality comes
    /// first.
    pub video_kbps: Option<u32>,
    /// Processes whose codec headers were not the file's (see
    /// [`super::fragments::Fragments::codec_changes`]): 0 when all is well.
    #[serde(skip)]
    pub codec_changes: u32,
}

impl Default for RecordStatus {
    fn default() -> Self {
        RecordStatus {
            state: RecordState::Starting,
            elapsed_secs: 0.0,
            bytes_written: 0,
            bytes_durable: 0,
            fps: 0.0,
            dropped_frames: 0,
            audio_level_db: None,
            mic_silent: false,
            silent_readings: 0,
            error: None,
            notice: None,
            encoder: None,
            video_kbps: None,
            codec_changes: 0,
        }
    }
}

/// Quieter than this, a microphone picks nothing up: a working one in a quiet room
/// reads its own and the room's noise well above it; a dead, muted or unplugged one
/// sends digital silence (-inf).
pub const SILENT_BELOW_DB: f32 = -70.0;
/// Ten seconds of the meter's readings (ten a second).
pub const SILENT_READINGS: u32 = 100;

impl RecordStatus {
    /// One reading of the microphone's meter.
    pub fn hear(&mut self, db: f32) {
        self.audio_level_db = Some(db);
        self.silent_readings = if db < SILENT_BELOW_DB {
            self.silent_readings.saturating_add(1)
        } else {
            0
        };
        self.mic_silent = self.silent_readings >= SILENT_READINGS;
    }
}

/// ffmpeg's `time=HH:MM:SS.ss` as seconds.
pub fn parse_time(t: &str) -> Option<f64> {
    let mut parts = t.trim().split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    Some(h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
}

/// `drop=N` of a progress line (absent while nothing was dropped).
pub fn parse_dropped(line: &str) -> Option<u64> {
    let rest = &line[line.find("drop=")? + 5..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The meter's `lavfi.astats.Overall.RMS_level=-21.04` (`-inf` for silence).
pub fn parse_level(line: &str) -> Option<f32> {
    let value = line.split_once(&format!("{LEVEL_KEY}="))?.1.trim();
    if value == "-inf" {
        return Some(-90.0);
    }
    value.parse::<f32>().ok().map(|v| v.max(-90.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_progress_fields() {
        assert_eq!(parse_time("00:01:02.50"), Some(62.5));
        assert_eq!(parse_time("01:00:00.00"), Some(3600.0));
        assert_eq!(parse_time("N/A"), None);
        let line = "frame=  300 fps= 30 q=28.0 size=    1024kB time=00:00:10.00 bitrate= 838.9kbits/s dup=0 drop=7 speed=1.00x";
        assert_eq!(parse_dropped(line), Some(7));
        assert_eq!(parse_dropped("frame=1 fps=0.0 q=0.0 size=1kB"), None);
    }

    #[test]
    fn ten_seconds_of_silence_raise_the_warning_and_a_sound_clears_it() {
        let mut s = RecordStatus::default();
        for _ in 0..SILENT_READINGS - 1 {
            s.hear(-90.0);
        }
        assert!(!s.mic_silent, "warned before 10 s");
        s.hear(-90.0);
        assert!(s.mic_silent);
        s.hear(-35.0);
        assert!(!s.mic_silent);
        // A quiet room through a working microphone is not silence.
        for _ in 0..SILENT_READINGS * 3 {
            s.hear(-62.0);
        }
        assert!(!s.mic_silent);
    }

    #[test]
    fn parses_audio_level() {
        let l = "[Parsed_ametadata_4 @ 0x5646d6244600] lavfi.astats.Overall.RMS_level=-21.039359";
        assert_eq!(parse_level(l), Some(-21.039359));
        assert_eq!(
            parse_level("x lavfi.astats.Overall.RMS_level=-inf"),
            Some(-90.0)
        );
        assert_eq!(parse_level("frame:1 pts:1024"), None);
    }
}
