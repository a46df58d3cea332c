//! The one ffmpeg command line of a recording: inputs from [`crate::devices`], a filter
//! graph that composes screen + camera, meters the microphone and splits off a preview,
//! H.264 + AAC in fragmented MP4 on stdout (ffmpeg never rewrites bytes of a pipe, so
//! whatever the app has appended to the file is final), and the preview JPEG.

use super::fragments::Continuation;
use crate::devices::{DeviceError, DeviceKind, Os, Source, input_args};
use crate::encoders::{Encoder, LIBX264};
use std::path::PathBuf;
use std::time::Duration;

/// The metadata key the audio meter prints (dBFS RMS over the last ~0.1 s).
pub const LEVEL_KEY: &str = "lavfi.astats.Overall.RMS_level";
/// Preview frames per second and width.
const PREVIEW_FPS: u32 = 2;
const PREVIEW_WIDTH: u32 = 320;
/// Camera width when it is a picture-in-picture over the screen.
const PIP_WIDTH: u32 = 480;

#[derive(Debug, Clone)]
pub struct RecordSpec {
    pub screen: Option<Source>,
    pub camera: Option<Source>,
    pub mic: Option<Source>,
    pub fps: u32,
    /// Stop by itself after this long.
    pub duration: Option<Duration>,
    /// Keep rewriting a small JPEG of what is being recorded here.
    pub preview: Option<PathBuf>,
    /// The encoders to use, best first (from [`crate::encoders::choose`]); a hardware
    /// one that fails to start gives way to the next. Empty: libx264.
    pub encoders: Vec<&'static Encoder>,
    /// The client's data folder, where an encoder that failed is remembered.
    pub encoder_cache: Option<PathBuf>,
    /// Encode this file instead of recording devices (compression before upload).
    pub reencode: Option<crate::compress::Reencode>,
    /// "Online fast": the video's first bitrate cap, kbit/s; later processes take the
    /// cap [`super::Controls::cap_video`] sets. None: quality first, never capped.
    pub video_cap: Option<u32>,
}

impl Default for RecordSpec {
    fn default() -> Self {
        RecordSpec {
            screen: None,
            camera: None,
            mic: None,
            fps: 30,
            duration: None,
            preview: None,
            encoders: Vec::new(),
            encoder_cache: None,
            reencode: None,
            video_cap: None,
        }
    }
}

/// One ffmpeg process of a recording: a pause ends one, a resume starts the next.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    pub encoder: &'a Encoder,
    /// Where this process's output goes on in the file; None for the first.
    pub continuation: Option<Continuation>,
    /// What is left of the recording's set duration.
    pub duration: Option<Duration>,
    /// The video's bitrate cap, kbit/s.
    pub cap_kbps: Option<u32>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgsError {
    #[error("nothing to record: choose a screen and/or a camera")]
    NoVideo,
    #[error(transparent)]
    Device(#[from] DeviceError),
}

/// The command line of a recording's first process with its first encoder.
pub fn ffmpeg_args(os: Os, spec: &RecordSpec) -> Result<Vec<String>, ArgsError> {
    segment_args(
        os,
        spec,
        Segment {
            encoder: spec.encoders.first().copied().unwrap_or(&LIBX264),
            continuation: None,
            duration: spec.duration,
            cap_kbps: spec.video_cap,
        },
    )
}

pub fn segment_args(os: Os, spec: &RecordSpec, seg: Segment) -> Result<Vec<String>, ArgsError> {
    if let Some(r) = &spec.reencode {
        return Ok(crate::compress::reencode_args(r, seg));
    }
    let mut args: Vec<String> = ["-hide_banner", "-y", "-stats_period", "0.5"]
        .map(String::from)
        .to_vec();
    args.extend(seg.encoder.device.iter().map(|s| s.to_string()));
    let mut next = 0;
    let mut add = |kind, source: &Option<Source>, args: &mut Vec<String>| {
        source
            .as_ref()
            .map(|s| {
                args.extend(input_args(os, kind, s, spec.fps)?);
                next += 1;
                Ok::<_, DeviceError>(next - 1)
            })
            .transpose()
    };
    let screen = add(DeviceKind::Screen, &spec.screen, &mut args)?;
    let camera = add(DeviceKind::Camera, &spec.camera, &mut args)?;
    let mic = add(DeviceKind::Mic, &spec.mic, &mut args)?;

    // Even dimensions (yuv420p needs them), constant frame rate, one pixel format.
    let even = "scale=trunc(iw/2)*2:trunc(ih/2)*2";
    let fps = spec.fps;
    let mut graph = match (screen, camera) {
        (Some(s), Some(c)) => format!(
            "[{s}:v]{even}[bg];[{c}:v]scale={PIP_WIDTH}:-2[pip];\
             [bg][pip]overlay=W-w-24:H-h-24,fps={fps},format=yuv420p"
        ),
        (Some(i), None) | (None, Some(i)) => format!("[{i}:v]{even},fps={fps},format=yuv420p"),
        (None, None) => return Err(ArgsError::NoVideo),
    };
    // The encoder's own format (and upload to its device) on the recorded branch only:
    // the preview is scaled in memory.
    let to_encoder = match seg.encoder.filter {
        "" => String::new(),
        f => format!(",{f}"),
    };
    if spec.preview.is_some() {
        let (split, recorded) = match to_encoder.as_str() {
            "" => ("[v]".to_string(), String::new()),
            f => ("[v0]".to_string(), format!(";[v0]{}[v]", &f[1..])),
        };
        graph.push_str(&format!(
            ",split=2{split}[pv0]{recorded};[pv0]fps={PREVIEW_FPS},scale={PREVIEW_WIDTH}:-2[pv]"
        ));
    } else {
        graph.push_str(&format!("{to_encoder}[v]"));
    }
    if let Some(m) = mic {
        // 4800-sample frames at 48 kHz: ten level readings a second.
        graph.push_str(&format!(
            ";[{m}:a]aresample=48000,asetnsamples=n=4800,astats=metadata=1:reset=1,\
             ametadata=mode=print:key={LEVEL_KEY}[a]"
        ));
    }
    args.extend(["-filter_complex".into(), graph]);

    let limit: Vec<String> = seg
        .duration
        .map(|d| vec!["-t".into(), format!("{:.3}", d.as_secs_f64())])
        .unwrap_or_default();
    let keyint = fps.to_string();
    args.extend(["-map", "[v]"].map(String::from));
    if mic.is_some() {
        args.extend(["-map", "[a]"].map(String::from));
    }
    args.extend(["-c:v".to_string(), seg.encoder.name.to_string()]);
    args.extend(seg.encoder.options.iter().map(|s| s.to_string()));
    if let Some(k) = seg.cap_kbps {
        args.extend(seg.encoder.cap_args(k));
    }
    if let Some(level) = seg.continuation.and_then(|c| c.h264_level) {
        args.extend(seg.encoder.level_args(level));
    }
    // A keyframe every second: fragments of ~1 s each.
    args.extend(["-g", &keyint, "-keyint_min", &keyint].map(String::from));
    if mic.is_some() {
        args.extend(["-c:a", "aac", "-b:a", "128k"].map(String::from));
    }
    let movflags = match seg.continuation {
        None => "+frag_keyframe+empty_moov+default_base_moof",
        // Timed from where the file ends, numbered on from its last fragment.
        Some(_) => "+frag_keyframe+empty_moov+default_base_moof+frag_discont",
    };
    args.extend(
        [
            "-movflags",
            movflags,
            "-frag_duration",
            "1000000",
            "-flush_packets",
            "1",
        ]
        .map(String::from),
    );
    if let Some(c) = seg.continuation {
        args.extend([
            "-avoid_negative_ts".into(),
            "make_non_negative".into(),
            "-output_ts_offset".into(),
            format!("{:.6}", c.offset_secs),
            "-fragment_index".into(),
            c.fragment_index.to_string(),
        ]);
    }
    args.extend(limit.iter().cloned());
    args.extend(["-f", "mp4", "pipe:1"].map(String::from));
    if let Some(preview) = &spec.preview {
        args.extend(PREVIEW_JPEG.map(String::from));
        args.extend(limit);
        args.extend(["-f".into(), "image2".into()]);
        args.push(preview.to_string_lossy().into_owned());
    }
    Ok(args)
}

/// The preview output: one small JPEG rewritten in place, atomically (the window never
/// reads a half-written frame).
const PREVIEW_JPEG: [&str; 8] = [
    "-map",
    "[pv]",
    "-q:v",
    "6",
    "-update",
    "1",
    "-atomic_writing",
    "1",
];

/// A preview alone, before recording (framing the camera): the same video inputs and
/// composition, no encoding, only the small JPEG rewritten twice a second. It must be
/// stopped before the recording opens the same devices.
pub fn preview_args(
    os: Os,
    spec: &RecordSpec,
    out: &std::path::Path,
) -> Result<Vec<String>, ArgsError> {
    let video_only = RecordSpec {
        mic: None,
        preview: None,
        duration: None,
        // No encoder runs: none of an encoder's device or format either.
        encoders: Vec::new(),
        ..spec.clone()
    };
    let full = ffmpeg_args(os, &video_only)?;
    // Inputs and the graph are everything up to the first `-map`.
    let cut = full.iter().position(|a| a == "-map").unwrap_or(full.len());
    let mut args = full[..cut].to_vec();
    if let Some(graph) = args.last_mut() {
        graph.truncate(graph.len() - "[v]".len());
        graph.push_str(&format!(",fps={PREVIEW_FPS},scale={PREVIEW_WIDTH}:-2[pv]"));
    }
    args.extend(PREVIEW_JPEG.map(String::from));
    args.extend(["-f", "image2"].map(String::from));
    args.push(out.to_string_lossy().into_owned());
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lavfi(g: &str) -> Option<Source> {
        Some(Source::Lavfi(g.into()))
    }

    #[test]
    fn screen_and_mic_with_preview() {
        let spec = RecordSpec {
            screen: Some(Source::Device(":99".into())),
            mic: lavfi("sine"),
            preview: Some("/tmp/p.jpg".into()),
            duration: Some(Duration::from_secs(20)),
            ..RecordSpec::default()
        };
        let a = ffmpeg_args(Os::Linux, &spec).unwrap().join(" ");
        assert!(
            a.contains("-f x11grab -framerate 30 -draw_mouse 1 -i :99"),
            "{a}"
        );
        assert!(a.contains("-re -f lavfi -i sine"), "{a}");
        assert!(
            a.contains(
                "[0:v]scale=trunc(iw/2)*2:trunc(ih/2)*2,fps=30,format=yuv420p,split=2[v][pv0]"
            ),
            "{a}"
        );
        assert!(a.contains("[1:a]aresample=48000"), "{a}");
        assert!(a.contains("-map [v] -map [a] -c:v libx264"), "{a}");
        assert!(
            a.contains("-sc_threshold 0 -x264-params stitchable=1 -g 30 -keyint_min 30 -c:a aac"),
            "{a}"
        );
        assert!(
            !a.contains("frag_discont") && !a.contains("output_ts_offset"),
            "{a}"
        );
        assert!(a.contains("-t 20.000 -f mp4 pipe:1"), "{a}");
        assert!(
            a.ends_with(
                "-map [pv] -q:v 6 -update 1 -atomic_writing 1 -t 20.000 -f image2 /tmp/p.jpg"
            ),
            "{a}"
        );
    }

    #[test]
    fn screen_and_camera_compose_picture_in_picture_without_audio() {
        let spec = RecordSpec {
            screen: Some(Source::Default),
            camera: Some(Source::Device("Integrated Camera".into())),
            ..RecordSpec::default()
        };
        let a = ffmpeg_args(Os::Windows, &spec).unwrap().join(" ");
        assert!(
            a.contains("-f gdigrab -framerate 30 -draw_mouse 1 -i desktop"),
            "{a}"
        );
        assert!(a.contains("-i video=Integrated Camera"), "{a}");
        assert!(
            a.contains(
                "[0:v]scale=trunc(iw/2)*2:trunc(ih/2)*2[bg];[1:v]scale=480:-2[pip];[bg][pip]overlay"
            ),
            "{a}"
        );
        assert!(
            !a.contains("-map [a]") && !a.contains("aac") && !a.contains("[pv]"),
            "{a}"
        );
        assert!(a.ends_with("-f mp4 pipe:1"), "{a}");
    }

    #[test]
    fn camera_only_on_macos() {
        let spec = RecordSpec {
            camera: Some(Source::Default),
            mic: Some(Source::Default),
            fps: 25,
            ..RecordSpec::default()
        };
        let a = ffmpeg_args(Os::MacOs, &spec).unwrap().join(" ");
        assert!(
            a.contains("-f avfoundation -framerate 25 -i default:none"),
            "{a}"
        );
        assert!(a.contains("-f avfoundation -i :default"), "{a}");
        assert!(
            a.contains("[0:v]scale=trunc(iw/2)*2:trunc(ih/2)*2,fps=25"),
            "{a}"
        );
        assert!(a.contains("[1:a]"), "{a}");
    }

    #[test]
    fn preview_alone_has_the_video_inputs_and_only_the_jpeg() {
        let spec = RecordSpec {
            camera: Some(Source::Device("/dev/video0".into())),
            mic: Some(Source::Default),
            ..RecordSpec::default()
        };
        let a = preview_args(Os::Linux, &spec, std::path::Path::new("/tmp/p.jpg"))
            .unwrap()
            .join(" ");
        assert!(a.contains("-f v4l2 -framerate 30 -i /dev/video0"), "{a}");
        assert!(
            !a.contains("pulse") && !a.contains("libx264") && !a.contains("pipe:1"),
            "{a}"
        );
        assert!(a.contains("format=yuv420p,fps=2,scale=320:-2[pv]"), "{a}");
        assert!(
            a.ends_with("-map [pv] -q:v 6 -update 1 -atomic_writing 1 -f image2 /tmp/p.jpg"),
            "{a}"
        );
    }

    #[test]
    fn audio_alone_is_refused() {
        let spec = RecordSpec {
            mic: Some(Source::Default),
            ..RecordSpec::default()
        };
        assert_eq!(ffmpeg_args(Os::Linux, &spec), Err(ArgsError::NoVideo));
    }

    /// After a pause: the same encoder, timed on from the file's end, fragments
    /// numbered on, the time left of a set duration.
    #[test]
    fn a_continuation_goes_on_where_the_file_ends() {
        let spec = RecordSpec {
            screen: lavfi("testsrc2"),
            mic: lavfi("sine"),
            duration: Some(Duration::from_secs(20)),
            ..RecordSpec::default()
        };
        let a = segment_args(
            Os::Linux,
            &spec,
            Segment {
                encoder: &LIBX264,
                continuation: Some(Continuation {
                    offset_secs: 7.25,
                    fragment_index: 9,
                    h264_level: Some(32),
                }),
                duration: Some(Duration::from_millis(12_750)),
                cap_kbps: Some(2500),
            },
        )
        .unwrap()
        .join(" ");
        assert!(a.contains("+default_base_moof+frag_discont"), "{a}");
        // A capped process keeps CRF 23 under the cap, with two seconds of buffer.
        assert!(
            a.contains("-crf 23") && a.contains("-maxrate 2500k -bufsize 5000k -level 3.2"),
            "{a}"
        );
        assert!(
            a.contains(
                "-avoid_negative_ts make_non_negative -output_ts_offset 7.250000 -fragment_index 9 -t 12.750 -f mp4 pipe:1"
            ),
            "{a}"
        );
    }

    /// A hardware encoder opens its device before the inputs and takes its own pixel
    /// format on the recorded branch; the preview stays in memory.
    #[test]
    fn a_hardware_encoder_gets_its_device_and_format() {
        let vaapi = crate::encoders::by_name("h264_vaapi").unwrap();
        let spec = RecordSpec {
            screen: lavfi("testsrc2"),
            preview: Some("/tmp/p.jpg".into()),
            encoders: vec![vaapi],
            ..RecordSpec::default()
        };
        let a = ffmpeg_args(Os::Linux, &spec).unwrap().join(" ");
        assert!(
            a.starts_with(
                "-hide_banner -y -stats_period 0.5 -vaapi_device /dev/dri/renderD128 -re"
            ),
            "{a}"
        );
        assert!(
            a.contains("format=yuv420p,split=2[v0][pv0];[v0]format=nv12,hwupload[v];[pv0]fps=2"),
            "{a}"
        );
        assert!(
            a.contains("-c:v h264_vaapi -rc_mode CQP -qp 23 -g 30"),
            "{a}"
        );
    }
}
