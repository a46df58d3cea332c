//! Compression before upload: a video whose bitrate is far above what a class needs
//! (a phone's 4K at 40 Mbit/s, a camera's 1080p at 25 Mbit/s) is encoded again to H.264
//! at a sensible target with the machine's encoder, into fragmented MP4 — the
//! recorder's own pipeline, so the encode is uploaded while it runs. The original is
//! never touched; a video that would not get much smaller goes up as it is.

use crate::probe::VideoInfo;
use crate::record::args::Segment;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The setting: off, automatic (only videos far above the target), always (every video
/// above the target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Off,
    Auto,
    Always,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "off" => Ok(Mode::Off),
            "auto" | "automatic" => Ok(Mode::Auto),
            "always" => Ok(Mode::Always),
            _ => Err(format!("'{s}' is not off, auto or always")),
        }
    }
}

/// 1080p, the reference the bitrates below are given for (scaled by pixels).
const REFERENCE_PIXELS: f64 = 1920.0 * 1080.0;
/// What a class needs at 1080p: H.264 of a person moving in a room looks good here.
const TARGET_BITRATE: f64 = 4_000_000.0;
/// Automatic compresses only above this at 1080p ("far above" the target).
const AUTO_ABOVE: f64 = 8_000_000.0;
/// Always compresses above this share of the target (below, little would be gained).
const ALWAYS_ABOVE: f64 = 1.5;
/// The tallest picture sent: a class needs no more than 1080p.
const MAX_HEIGHT: u32 = 1080;
const AUDIO_BITRATE: u64 = 128_000;

/// What a compressed copy is encoded to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The picture's height (the width follows, even).
    pub height: u32,
    /// Video bits per second at most.
    pub video_bitrate: u64,
}

/// The encode of `source` to `target`: what a recording's processes read instead of
/// capture devices.
#[derive(Debug, Clone, PartialEq)]
pub struct Reencode {
    pub source: PathBuf,
    pub target: Target,
}

/// The video's bits per second, all streams.
pub fn bitrate(info: &VideoInfo, size: u64) -> f64 {
    size as f64 * 8.0 / info.duration.max(0.001)
}

/// Whether and to what `info` (of a file of `size` bytes) is compressed under `mode`.
pub fn plan(info: &VideoInfo, size: u64, mode: Mode) -> Option<Target> {
    if info.height == 0 || info.width == 0 {
        return None;
    }
    let height = info.height.min(MAX_HEIGHT);
    let width = f64::from(info.width) * f64::from(height) / f64::from(info.height);
    let scale = width * f64::from(height) / REFERENCE_PIXELS;
    let target = (TARGET_BITRATE * scale).max(1_000_000.0);
    let above = match mode {
        Mode::Off => return None,
        Mode::Auto => (AUTO_ABOVE * scale).max(2.0 * target),
        Mode::Always => ALWAYS_ABOVE * target,
    };
    (bitrate(info, size) > above).then_some(Target {
        height,
        video_bitrate: target as u64,
    })
}

/// About how many bytes the compressed copy of `secs` takes (with a margin), to know
/// before starting whether it fits on the disk.
pub fn expected_size(target: &Target, secs: f64) -> u64 {
    ((target.video_bitrate + AUDIO_BITRATE) as f64 * secs / 8.0 * 1.2) as u64
}

/// The command line of an encode: the file in, H.264 + AAC in fragmented MP4 on stdout
/// (as a recording), a keyframe every 2 s whatever the frame rate.
pub(crate) fn reencode_args(r: &Reencode, seg: Segment) -> Vec<String> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let mut a = s(&["-hide_banner", "-y", "-stats_period", "0.5"]);
    a.extend(s(seg.encoder.device));
    a.push("-i".into());
    a.push(r.source.to_string_lossy().into_owned());
    let to_encoder = match seg.encoder.filter {
        "" => String::new(),
        f => format!(",{f}"),
    };
    a.extend([
        "-filter_complex".into(),
        format!(
            "[0:v:0]scale=-2:'min(ih,{})',format=yuv420p{to_encoder}[v]",
            r.target.height
        ),
    ]);
    a.extend(s(&[
        "-map",
        "[v]",
        "-map",
        "0:a:0?",
        "-c:v",
        seg.encoder.name,
    ]));
    a.extend(s(seg.encoder.options));
    let rate = r.target.video_bitrate;
    a.extend([
        "-maxrate".into(),
        rate.to_string(),
        "-bufsize".into(),
        (2 * rate).to_string(),
        "-force_key_frames".into(),
        "expr:gte(t,n_forced*2)".into(),
        "-c:a".into(),
        "aac".into(),
        "-b:a".into(),
        AUDIO_BITRATE.to_string(),
    ]);
    a.extend(s(&[
        "-movflags",
        "+frag_keyframe+empty_moov+default_base_moof",
        "-frag_duration",
        "1000000",
        "-f",
        "mp4",
        "pipe:1",
    ]));
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoders::LIBX264;

    fn info(width: u32, height: u32, secs: f64) -> VideoInfo {
        VideoInfo {
            duration: secs,
            width,
            height,
            video_codec: "h264".into(),
            audio_codec: Some("aac".into()),
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
        }
    }

    fn mbit(secs: f64, rate: f64) -> u64 {
        (rate * 1_000_000.0 * secs / 8.0) as u64
    }

    #[test]
    fn automatic_takes_only_what_is_far_above_a_class_s_needs() {
        let hd = info(1920, 1080, 300.0);
        // A phone's 1080p at 20 Mbit/s: to 4 Mbit/s.
        assert_eq!(
            plan(&hd, mbit(300.0, 20.0), Mode::Auto),
            Some(Target {
                height: 1080,
                video_bitrate: 4_000_000
            })
        );
        // A screen recording at 3 Mbit/s, or 7 Mbit/s: as it is.
        assert_eq!(plan(&hd, mbit(300.0, 3.0), Mode::Auto), None);
        assert_eq!(plan(&hd, mbit(300.0, 7.0), Mode::Auto), None);
        // Always: 7 Mbit/s is above 1.5 × 4.
        assert!(plan(&hd, mbit(300.0, 7.0), Mode::Always).is_some());
        assert_eq!(plan(&hd, mbit(300.0, 50.0), Mode::Off), None);
        // 4K at 45 Mbit/s comes down to 1080p.
        let uhd = info(3840, 2160, 60.0);
        assert_eq!(
            plan(&uhd, mbit(60.0, 45.0), Mode::Auto).map(|t| t.height),
            Some(1080)
        );
        // 720p: the thresholds scale with the picture (4 × 0.44 → 1.8 Mbit/s target).
        let hd720 = info(1280, 720, 60.0);
        let t = plan(&hd720, mbit(60.0, 10.0), Mode::Auto).unwrap();
        assert_eq!((t.height, t.video_bitrate), (720, 1_777_777));
        assert_eq!(plan(&hd720, mbit(60.0, 3.0), Mode::Auto), None);
    }

    #[test]
    fn an_encode_is_a_recording_of_the_file() {
        let r = Reencode {
            source: "/v/phone.mov".into(),
            target: Target {
                height: 1080,
                video_bitrate: 4_000_000,
            },
        };
        let a = reencode_args(
            &r,
            Segment {
                encoder: &LIBX264,
                continuation: None,
                duration: None,
                cap_kbps: None,
            },
        )
        .join(" ");
        assert!(
            a.contains(
                "-i /v/phone.mov -filter_complex [0:v:0]scale=-2:'min(ih,1080)',format=yuv420p[v]"
            ),
            "{a}"
        );
        assert!(
            a.contains("-map [v] -map 0:a:0? -c:v libx264 -preset veryfast -crf 23"),
            "{a}"
        );
        assert!(
            a.contains(
                "-maxrate 4000000 -bufsize 8000000 -force_key_frames expr:gte(t,n_forced*2)"
            ),
            "{a}"
        );
        assert!(
            a.ends_with(
                "+frag_keyframe+empty_moov+default_base_moof -frag_duration 1000000 -f mp4 pipe:1"
            ),
            "{a}"
        );
    }
}
