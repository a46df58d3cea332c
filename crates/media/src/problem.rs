//! What went wrong with a recording, or why it stopped by itself: a kind the window
//! words in the instructor's language, the detail only the program knows (ffmpeg's
//! own line, a path), and English words for the CLI and the logs.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    DeviceBusy,
    PermissionDenied,
    DiskFull,
    NoDisplay,
    DeviceMissing,
    DeviceIo,
    SoundRefused,
    /// The recorder's own thread ended without a word (its panic).
    StoppedUnexpectedly,
    /// ffmpeg failed in a way no table names: the detail is all there is.
    Failed,
    /// Stopped by itself, the recording kept: the disk is down to its reserve.
    DiskAlmostFull,
    /// The recording is kept, but queuing it failed.
    NotQueued,
    NothingRecorded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// ffmpeg's line, a path with its error; empty when the kind says it all.
    pub detail: String,
    /// For [`ProblemKind::DiskAlmostFull`]: the bytes still free.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_bytes: Option<u64>,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            free_bytes: None,
        }
    }

    pub fn failed(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::Failed, detail)
    }

    pub fn disk_almost_full(free_bytes: u64) -> Self {
        Self {
            free_bytes: Some(free_bytes),
            ..Self::new(ProblemKind::DiskAlmostFull, "")
        }
    }
}

/// ffmpeg's error lines that are about the devices or the disk, by what they contain.
const FFMPEG_LINES: &[(&str, ProblemKind)] = &[
    ("device or resource busy", ProblemKind::DeviceBusy),
    ("permission denied", ProblemKind::PermissionDenied),
    ("no space left on device", ProblemKind::DiskFull),
    ("cannot open display", ProblemKind::NoDisplay),
    ("can't open display", ProblemKind::NoDisplay),
    ("no such file or directory", ProblemKind::DeviceMissing),
    ("no such device", ProblemKind::DeviceMissing),
    ("input/output error", ProblemKind::DeviceIo),
    ("connection refused", ProblemKind::SoundRefused),
];

/// An ffmpeg error line as a problem a person can act on; None for lines that are not
/// about the devices or the disk.
pub fn explain(line: &str) -> Option<Problem> {
    let lower = line.to_lowercase();
    FFMPEG_LINES
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|(_, kind)| Problem::new(*kind, line.trim()))
}

impl ProblemKind {
    fn words(self) -> &'static str {
        match self {
            Self::DeviceBusy => {
                "a capture device is in use by another program: close it and try again"
            }
            Self::PermissionDenied => {
                "permission to use a capture device was denied: allow screen/camera/microphone access in the system settings"
            }
            Self::DiskFull => {
                "the disk is full: recording stopped; what was recorded so far is kept"
            }
            Self::NoDisplay => "cannot open the screen for capture (no display available)",
            Self::DeviceMissing => "a capture device was not found: is it plugged in?",
            Self::DeviceIo => "a capture device stopped responding",
            Self::SoundRefused => "the sound server refused the microphone connection",
            Self::StoppedUnexpectedly => "the recorder stopped unexpectedly",
            Self::Failed => "the recording failed",
            Self::DiskAlmostFull => "the disk is almost full",
            Self::NotQueued => "the recording is kept but could not be queued",
            Self::NothingRecorded => "nothing was recorded",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProblemKind::*;
        match self.kind {
            Failed => f.write_str(&self.detail),
            DiskAlmostFull => write!(
                f,
                "the disk is almost full ({} MB free): the recording was stopped and is kept; free some space before recording again",
                self.free_bytes.unwrap_or(0) / 1_000_000
            ),
            NotQueued => write!(f, "{} ({})", self.kind.words(), self.detail),
            StoppedUnexpectedly | NothingRecorded => f.write_str(self.kind.words()),
            _ => write!(f, "{} (ffmpeg: {})", self.kind.words(), self.detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_device_and_disk_errors() {
        let busy =
            explain("[video4linux2,v4l2 @ 0x1] ioctl(VIDIOC_STREAMON): Device or resource busy")
                .unwrap();
        assert_eq!(busy.kind, ProblemKind::DeviceBusy);
        assert!(
            busy.to_string().contains("in use by another program"),
            "{busy}"
        );
        assert!(busy.to_string().contains("VIDIOC_STREAMON"), "{busy}");
        assert_eq!(
            explain("av_interleaved_write_frame(): No space left on device")
                .unwrap()
                .kind,
            ProblemKind::DiskFull
        );
        assert_eq!(
            explain("[x11grab @ 0x1] Cannot open display :5, error 1.")
                .unwrap()
                .kind,
            ProblemKind::NoDisplay
        );
        assert_eq!(
            explain("/dev/video0: Permission denied").unwrap().kind,
            ProblemKind::PermissionDenied
        );
        assert_eq!(explain("Past duration 0.999 too large"), None);
    }

    #[test]
    fn the_window_gets_a_kind_and_its_parameters_not_words() {
        let json = serde_json::to_value(Problem::disk_almost_full(20_000_000)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "disk_almost_full", "detail": "", "free_bytes": 20_000_000})
        );
        assert!(
            Problem::disk_almost_full(20_000_000)
                .to_string()
                .contains("20 MB free")
        );
    }
}
