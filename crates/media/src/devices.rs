//! Capture devices per OS: how ffmpeg lists them and the input arguments that open them.
//! Everything OS-specific is in the tables below, so the macOS and Windows parts, which
//! cannot run here, are covered by unit tests of the same functions.

use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Screen,
    Camera,
    Mic,
}

/// A device as the UI lists it: `id` is what [`Source::Device`] takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub kind: DeviceKind,
    pub id: String,
    pub name: String,
    /// The OS's default device of this kind.
    pub default: bool,
}

/// What to capture for one input: a real device or an ffmpeg test source
/// (`lavfi:<graph>`, for tests and demos; paced in real time like a device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    Device(String),
    Lavfi(String),
}

impl Source {
    /// `lavfi:<graph>`, a device id, or empty for the default device.
    pub fn parse(s: &str) -> Source {
        match s.strip_prefix("lavfi:") {
            Some(graph) => Source::Lavfi(graph.to_string()),
            None if s.is_empty() => Source::Default,
            None => Source::Device(s.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    #[error("no {0:?} device given and this OS has no default one: pick one from `idance devices`")]
    NoDefault(DeviceKind),
}

/// ffmpeg input arguments (everything up to and including `-i X`) for one source.
pub fn input_args(
    os: Os,
    kind: DeviceKind,
    source: &Source,
    fps: u32,
) -> Result<Vec<String>, DeviceError> {
    let fps = fps.to_string();
    let id = match source {
        Source::Lavfi(graph) => {
            return Ok(strings(&["-re", "-f", "lavfi", "-i", graph]));
        }
        Source::Device(id) => id.clone(),
        Source::Default => default_id(os, kind).ok_or(DeviceError::NoDefault(kind))?,
    };
    // Live devices deliver at their own pace: a deep queue keeps ffmpeg from dropping
    // frames while the encoder catches up.
    let mut args = strings(&["-thread_queue_size", "1024"]);
    args.extend(match (os, kind) {
        (Os::Linux, DeviceKind::Screen) => strings(&[
            "-f",
            "x11grab",
            "-framerate",
            &fps,
            "-draw_mouse",
            "1",
            "-i",
            &id,
        ]),
        (Os::Linux, DeviceKind::Camera) => strings(&["-f", "v4l2", "-framerate", &fps, "-i", &id]),
        (Os::Linux, DeviceKind::Mic) => match id.strip_prefix("alsa:") {
            Some(alsa) => strings(&["-f", "alsa", "-i", alsa]),
            None => strings(&["-f", "pulse", "-i", &id]),
        },
        (Os::MacOs, DeviceKind::Screen) => strings(&[
            "-f",
            "avfoundation",
            "-framerate",
            &fps,
            "-capture_cursor",
            "1",
            "-i",
            &format!("{id}:none"),
        ]),
        (Os::MacOs, DeviceKind::Camera) => strings(&[
            "-f",
            "avfoundation",
            "-framerate",
            &fps,
            "-i",
            &format!("{id}:none"),
        ]),
        (Os::MacOs, DeviceKind::Mic) => strings(&["-f", "avfoundation", "-i", &format!(":{id}")]),
        (Os::Windows, DeviceKind::Screen) => strings(&[
            "-f",
            "gdigrab",
            "-framerate",
            &fps,
            "-draw_mouse",
            "1",
            "-i",
            &id,
        ]),
        (Os::Windows, DeviceKind::Camera) => strings(&[
            "-f",
            "dshow",
            "-framerate",
            &fps,
            "-i",
            &format!("video={id}"),
        ]),
        (Os::Windows, DeviceKind::Mic) => strings(&["-f", "dshow", "-i", &format!("audio={id}")]),
    });
    Ok(args)
}

/// The device used when none is named; None where the OS has no such notion
/// (DirectShow devices are only known by name: the listing's first one is used).
fn default_id(os: Os, kind: DeviceKind) -> Option<String> {
    match (os, kind) {
        (Os::Linux, DeviceKind::Screen) => Some(std::env::var("DISPLAY").unwrap_or(":0".into())),
        (Os::Linux, DeviceKind::Camera) => Some("/dev/video0".into()),
        (Os::Linux, DeviceKind::Mic) => Some("default".into()),
        (Os::MacOs, DeviceKind::Screen) => Some("Capture screen 0".into()),
        (Os::MacOs, _) => Some("default".into()),
        (Os::Windows, DeviceKind::Screen) => Some("desktop".into()),
        (Os::Windows, _) => None,
    }
}

/// The ffmpeg invocations that list devices on `os`, with the kinds each one lists.
pub fn listing_commands(os: Os) -> Vec<Vec<&'static str>> {
    match os {
        Os::Linux => vec![
            vec!["-hide_banner", "-sources", "v4l2"],
            vec!["-hide_banner", "-sources", "pulse"],
        ],
        Os::MacOs => vec![vec![
            "-hide_banner",
            "-f",
            "avfoundation",
            "-list_devices",
            "true",
            "-i",
            "",
        ]],
        Os::Windows => vec![vec![
            "-hide_banner",
            "-list_devices",
            "true",
            "-f",
            "dshow",
            "-i",
            "dummy",
        ]],
    }
}

/// Lists this machine's devices by running ffmpeg's own listing (each call bounded).
pub async fn list() -> Vec<Device> {
    let os = Os::current();
    let mut devices = screens(os);
    for args in listing_commands(os) {
        let run = tokio::process::Command::new("ffmpeg")
            .args(&args)
            .kill_on_drop(true)
            .output();
        let Ok(Ok(out)) = tokio::time::timeout(Duration::from_secs(10), run).await else {
            continue;
        };
        // Listings go to stdout (-sources) or to the log on stderr (-list_devices).
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        devices.extend(parse_listing(os, &args, &text));
    }
    devices
}

/// Screens that ffmpeg cannot list: X11's display, Windows' whole desktop.
/// (macOS lists its screens among the video devices.)
fn screens(os: Os) -> Vec<Device> {
    match os {
        Os::Linux => std::env::var("DISPLAY")
            .ok()
            .map(|d| Device {
                kind: DeviceKind::Screen,
                name: format!("Screen {d}"),
                id: d,
                default: true,
            })
            .into_iter()
            .collect(),
        Os::Windows => vec![Device {
            kind: DeviceKind::Screen,
            id: "desktop".into(),
            name: "Whole desktop".into(),
            default: true,
        }],
        Os::MacOs => Vec::new(),
    }
}

pub fn parse_listing(os: Os, args: &[&str], text: &str) -> Vec<Device> {
    match os {
        Os::Linux => {
            let kind = if args.contains(&"v4l2") {
                DeviceKind::Camera
            } else {
                DeviceKind::Mic
            };
            parse_sources(kind, text)
        }
        Os::MacOs => parse_avfoundation(text),
        Os::Windows => parse_dshow(text),
    }
}

/// `ffmpeg -sources X`: `  ID [Description] (types)`, the default marked with `*`.
fn parse_sources(kind: DeviceKind, text: &str) -> Vec<Device> {
    text.lines()
        .filter(|l| l.starts_with("  ") || l.starts_with("* "))
        .filter_map(|l| {
            let default = l.starts_with('*');
            let rest = l[2..].trim();
            let (id, tail) = rest.split_once(" [")?;
            let name = tail.split_once(']').map_or(tail, |(n, _)| n);
            Some(Device {
                kind,
                id: id.to_string(),
                name: name.to_string(),
                default,
            })
        })
        .filter(|d| d.id != "null")
        .collect()
}

/// `-f avfoundation -list_devices true`: `[AVFoundation indev @ 0x..] [N] Name` under
/// "video devices:" / "audio devices:" headers; screens are video devices named
/// "Capture screen N".
fn parse_avfoundation(text: &str) -> Vec<Device> {
    let mut section = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let body = line.split_once("] ").map_or(line, |(_, b)| b).trim();
        if body.contains("video devices:") {
            section = Some(DeviceKind::Camera);
            continue;
        }
        if body.contains("audio devices:") {
            section = Some(DeviceKind::Mic);
            continue;
        }
        let (Some(kind), Some(rest)) = (section, body.strip_prefix('[')) else {
            continue;
        };
        let Some((index, name)) = rest.split_once("] ") else {
            continue;
        };
        if index.parse::<u32>().is_err() {
            continue;
        }
        let kind = if kind == DeviceKind::Camera && name.starts_with("Capture screen") {
            DeviceKind::Screen
        } else {
            kind
        };
        let default = !out.iter().any(|d: &Device| d.kind == kind);
        out.push(Device {
            kind,
            id: index.to_string(),
            name: name.to_string(),
            default,
        });
    }
    out
}

/// `-list_devices true -f dshow`: `[dshow @ ..] "Name" (video)` (ffmpeg ≥ 4.4) or the
/// older headers "DirectShow video devices" / "DirectShow audio devices" followed by
/// `"Name"` lines. "Alternative name" lines are skipped. The first of a kind is default.
fn parse_dshow(text: &str) -> Vec<Device> {
    let mut section = None;
    let mut out: Vec<Device> = Vec::new();
    for line in text.lines() {
        let body = line.split_once("] ").map_or(line, |(_, b)| b).trim();
        if body.starts_with("DirectShow video devices") {
            section = Some(DeviceKind::Camera);
            continue;
        }
        if body.starts_with("DirectShow audio devices") {
            section = Some(DeviceKind::Mic);
            continue;
        }
        if body.starts_with("Alternative name") || !body.starts_with('"') {
            continue;
        }
        let Some((name, tail)) = body[1..].split_once('"') else {
            continue;
        };
        let kind = match tail.trim() {
            "(video)" => Some(DeviceKind::Camera),
            "(audio)" => Some(DeviceKind::Mic),
            "(none)" => None,
            _ => section,
        };
        let Some(kind) = kind else { continue };
        let default = !out.iter().any(|d| d.kind == kind);
        out.push(Device {
            kind,
            id: name.to_string(),
            name: name.to_string(),
            default,
        });
    }
    out
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(kind: DeviceKind, id: &str, name: &str, default: bool) -> Device {
        Device {
            kind,
            id: id.into(),
            name: name.into(),
            default,
        }
    }

    #[test]
    fn input_args_per_os_and_kind() {
        let d = |s: &str| Source::Device(s.into());
        let cases: &[(Os, DeviceKind, Source, &str)] = &[
            (
                Os::Linux,
                DeviceKind::Screen,
                d(":1.0"),
                "-f x11grab -framerate 30 -draw_mouse 1 -i :1.0",
            ),
            (
                Os::Linux,
                DeviceKind::Camera,
                d("/dev/video2"),
                "-f v4l2 -framerate 30 -i /dev/video2",
            ),
            (
                Os::Linux,
                DeviceKind::Mic,
                Source::Default,
                "-f pulse -i default",
            ),
            (
                Os::Linux,
                DeviceKind::Mic,
                d("alsa:hw:1"),
                "-f alsa -i hw:1",
            ),
            (
                Os::MacOs,
                DeviceKind::Screen,
                Source::Default,
                "-f avfoundation -framerate 30 -capture_cursor 1 -i Capture screen 0:none",
            ),
            (
                Os::MacOs,
                DeviceKind::Camera,
                d("0"),
                "-f avfoundation -framerate 30 -i 0:none",
            ),
            (Os::MacOs, DeviceKind::Mic, d("1"), "-f avfoundation -i :1"),
            (
                Os::Windows,
                DeviceKind::Screen,
                Source::Default,
                "-f gdigrab -framerate 30 -draw_mouse 1 -i desktop",
            ),
            (
                Os::Windows,
                DeviceKind::Camera,
                d("Integrated Camera"),
                "-f dshow -framerate 30 -i video=Integrated Camera",
            ),
            (
                Os::Windows,
                DeviceKind::Mic,
                d("Microphone (Realtek)"),
                "-f dshow -i audio=Microphone (Realtek)",
            ),
        ];
        for (os, kind, source, want) in cases {
            let args = input_args(*os, *kind, source, 30).unwrap();
            assert_eq!(
                &args[..2],
                ["-thread_queue_size", "1024"],
                "{os:?} {kind:?}"
            );
            assert_eq!(args[2..].join(" "), *want, "{os:?} {kind:?}");
        }
    }

    #[test]
    fn lavfi_sources_are_paced_like_devices_on_every_os() {
        for os in [Os::Linux, Os::MacOs, Os::Windows] {
            let args = input_args(
                os,
                DeviceKind::Mic,
                &Source::parse("lavfi:sine=frequency=440"),
                30,
            )
            .unwrap();
            assert_eq!(args, ["-re", "-f", "lavfi", "-i", "sine=frequency=440"]);
        }
    }

    #[test]
    fn windows_has_no_default_camera_or_mic() {
        assert_eq!(
            input_args(Os::Windows, DeviceKind::Camera, &Source::Default, 30),
            Err(DeviceError::NoDefault(DeviceKind::Camera))
        );
    }

    #[test]
    fn source_parse() {
        assert_eq!(Source::parse(""), Source::Default);
        assert_eq!(
            Source::parse("lavfi:testsrc2"),
            Source::Lavfi("testsrc2".into())
        );
        assert_eq!(
            Source::parse("/dev/video0"),
            Source::Device("/dev/video0".into())
        );
    }

    #[test]
    fn parses_linux_sources() {
        let v4l2 = "Auto-detected sources for video4linux2,v4l2:\n  /dev/video0 [Integrated Camera: Integrated C] (none)\n  /dev/video2 [USB Camera] (none)\n";
        let pulse = "Auto-detected sources for pulse:\n  alsa_output.pci.analog-stereo.monitor [Monitor of Built-in Audio] (none)\n* alsa_input.pci.analog-stereo [Built-in Audio Analog Stereo] (none)\n";
        let alsa_only = "Auto-detected sources for alsa:\n  null [Discard all samples (playback) or generate zero samples (capture)] (none)\n";
        assert_eq!(
            parse_listing(Os::Linux, &["-sources", "v4l2"], v4l2),
            [
                dev(
                    DeviceKind::Camera,
                    "/dev/video0",
                    "Integrated Camera: Integrated C",
                    false
                ),
                dev(DeviceKind::Camera, "/dev/video2", "USB Camera", false),
            ]
        );
        assert_eq!(
            parse_listing(Os::Linux, &["-sources", "pulse"], pulse),
            [
                dev(
                    DeviceKind::Mic,
                    "alsa_output.pci.analog-stereo.monitor",
                    "Monitor of Built-in Audio",
                    false
                ),
                dev(
                    DeviceKind::Mic,
                    "alsa_input.pci.analog-stereo",
                    "Built-in Audio Analog Stereo",
                    true
                ),
            ]
        );
        assert!(parse_listing(Os::Linux, &["-sources", "alsa"], alsa_only).is_empty());
        let failed = "Auto-detected sources for pulse:\nCannot list sources: Generic error in an external library\n";
        assert!(parse_listing(Os::Linux, &["-sources", "pulse"], failed).is_empty());
    }

    #[test]
    fn parses_avfoundation() {
        let text = "[AVFoundation indev @ 0x7f9] AVFoundation video devices:\n[AVFoundation indev @ 0x7f9] [0] FaceTime HD Camera\n[AVFoundation indev @ 0x7f9] [1] Capture screen 0\n[AVFoundation indev @ 0x7f9] [2] Capture screen 1\n[AVFoundation indev @ 0x7f9] AVFoundation audio devices:\n[AVFoundation indev @ 0x7f9] [0] MacBook Pro Microphone\n[AVFoundation indev @ 0x7f9] [1] BlackHole 2ch\n: Input/output error\n";
        assert_eq!(
            parse_listing(Os::MacOs, &[], text),
            [
                dev(DeviceKind::Camera, "0", "FaceTime HD Camera", true),
                dev(DeviceKind::Screen, "1", "Capture screen 0", true),
                dev(DeviceKind::Screen, "2", "Capture screen 1", false),
                dev(DeviceKind::Mic, "0", "MacBook Pro Microphone", true),
                dev(DeviceKind::Mic, "1", "BlackHole 2ch", false),
            ]
        );
    }

    #[test]
    fn parses_dshow_new_and_old_formats() {
        let new = "[dshow @ 000001] \"Integrated Camera\" (video)\n[dshow @ 000001]   Alternative name \"@device_pnp_\\\\?\\usb#vid\"\n[dshow @ 000001] \"OBS Virtual Camera\" (none)\n[dshow @ 000001] \"Microphone Array (Realtek(R) Audio)\" (audio)\n[dshow @ 000001]   Alternative name \"@device_cm_{33D9A762}\"\ndummy: Immediate exit requested\n";
        let old = "[dshow @ 0000] DirectShow video devices (some may be both video and audio devices)\n[dshow @ 0000]  \"USB2.0 HD UVC WebCam\"\n[dshow @ 0000]     Alternative name \"@device_pnp_x\"\n[dshow @ 0000] DirectShow audio devices\n[dshow @ 0000]  \"Microphone (USB Audio)\"\n";
        let cam = |n: &str, d| dev(DeviceKind::Camera, n, n, d);
        let mic = |n: &str, d| dev(DeviceKind::Mic, n, n, d);
        assert_eq!(
            parse_listing(Os::Windows, &[], new),
            [
                cam("Integrated Camera", true),
                mic("Microphone Array (Realtek(R) Audio)", true)
            ]
        );
        assert_eq!(
            parse_listing(Os::Windows, &[], old),
            [
                cam("USB2.0 HD UVC WebCam", true),
                mic("Microphone (USB Audio)", true)
            ]
        );
    }

    #[test]
    fn listing_commands_name_the_right_backend() {
        assert!(listing_commands(Os::MacOs)[0].contains(&"avfoundation"));
        assert!(listing_commands(Os::Windows)[0].contains(&"dshow"));
        let linux = listing_commands(Os::Linux);
        assert!(linux.iter().any(|a| a.contains(&"v4l2")));
        assert!(linux.iter().any(|a| a.contains(&"pulse")));
    }
}
