//! The H.264 encoder of a recording: an ordered list per OS (hardware first, by GPU
//! vendor on Windows, always ending in libx264), each with its real-time options. An
//! ffmpeg build lists encoders the hardware may not have (this one lists nvenc, vaapi
//! and qsv on a machine with none), so an encoder is used only after a short trial
//! encode worked here; the trials are remembered per machine and ffmpeg build.

use crate::devices::Os;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// How long a trial encode may take (a hardware encoder that hangs opening counts as
/// not working).
const TRIAL_TIMEOUT: Duration = Duration::from_secs(15);

/// One H.264 encoder and how a recording drives it.
#[derive(Debug, PartialEq, Eq)]
pub struct Encoder {
    /// ffmpeg's name, `-c:v NAME`.
    pub name: &'static str,
    /// What the app shows, e.g. "libx264 (software)".
    pub label: &'static str,
    pub hardware: bool,
    /// Global options before the inputs (a device the encoder opens).
    pub device: &'static [&'static str],
    /// Appended to the video chain (which ends in yuv420p): the pixel format it takes
    /// and the upload to its device, if any.
    pub filter: &'static str,
    /// Real-time options at about libx264 CRF 23's quality.
    pub options: &'static [&'static str],
    /// Appended to `options` to keep the video under a bitrate ("Online fast"): `{k}`
    /// is the cap in kbit/s, `{b}` the rate buffer (two seconds of it). A recording
    /// that may be capped is capped from its first process (at the ceiling), so every
    /// process of one file runs the same rate control and writes the same header.
    pub cap: &'static [&'static str],
    /// Sets the H.264 level (`{level}`, e.g. `3.2`) of a continuation to the file's:
    /// an encoder picks the level from the rate settings too, and a continuation's
    /// header is dropped, so its level must be the first process's.
    pub level: &'static [&'static str],
}

impl Encoder {
    /// `level` for an `avcC` level byte (32 → `3.2`).
    pub fn level_args(&self, level: u8) -> Vec<String> {
        let level = format!("{}.{}", level / 10, level % 10);
        self.level
            .iter()
            .map(|a| a.replace("{level}", &level))
            .collect()
    }

    /// `cap` for `kbps`.
    pub fn cap_args(&self, kbps: u32) -> Vec<String> {
        self.cap
            .iter()
            .map(|a| {
                a.replace("{k}", &kbps.to_string())
                    .replace("{b}", &(kbps * 2).to_string())
            })
            .collect()
    }
}

pub const LIBX264: Encoder = Encoder {
    name: "libx264",
    label: "libx264 (software)",
    hardware: false,
    device: &[],
    filter: "",
    options: &[
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        // Keyframes only at the set interval: fragments of one GOP each.
        "-sc_threshold",
        "0",
        // Headers that do not depend on the content or the rate: the processes of one
        // file (a pause, a new cap) share the first one's.
        "-x264-params",
        "stitchable=1",
    ],
    // Quality stays CRF 23's where the picture is simple; the cap binds where not.
    cap: &["-maxrate", "{k}k", "-bufsize", "{b}k"],
    level: &["-level", "{level}"],
};

const VIDEOTOOLBOX: Encoder = Encoder {
    name: "h264_videotoolbox",
    label: "Apple VideoToolbox (hardware)",
    hardware: true,
    device: &[],
    filter: "format=nv12",
    options: &["-realtime", "1", "-allow_sw", "0", "-b:v", "6M"],
    cap: &["-b:v", "{k}k", "-maxrate", "{k}k"],
    // On paper: its level option is not known to keep headers equal.
    level: &[],
};

const NVENC: Encoder = Encoder {
    name: "h264_nvenc",
    label: "NVIDIA NVENC (hardware)",
    hardware: true,
    device: &[],
    filter: "",
    options: &[
        "-preset", "p2", "-tune", "ll", "-rc", "vbr", "-cq", "23", "-b:v", "0",
    ],
    cap: &["-maxrate", "{k}k", "-bufsize", "{b}k"],
    // On paper (no NVIDIA GPU here): nvenc takes levels as "3.2" too.
    level: &["-level", "{level}"],
};

const QSV: Encoder = Encoder {
    name: "h264_qsv",
    label: "Intel Quick Sync (hardware)",
    hardware: true,
    device: &[],
    filter: "format=nv12",
    options: &["-preset", "veryfast", "-global_quality", "23"],
    cap: &["-b:v", "{k}k", "-maxrate", "{k}k", "-bufsize", "{b}k"],
    // On paper: its level option is not known to keep headers equal.
    level: &[],
};

const AMF: Encoder = Encoder {
    name: "h264_amf",
    label: "AMD AMF (hardware)",
    hardware: true,
    device: &[],
    filter: "format=nv12",
    options: &[
        "-usage",
        "lowlatency",
        "-quality",
        "speed",
        "-rc",
        "cqp",
        "-qp_i",
        "23",
        "-qp_p",
        "23",
    ],
    cap: &["-rc", "vbr_peak", "-b:v", "{k}k", "-maxrate", "{k}k"],
    // On paper: its level option is not known to keep headers equal.
    level: &[],
};

const MEDIA_FOUNDATION: Encoder = Encoder {
    name: "h264_mf",
    label: "Windows Media Foundation (hardware)",
    hardware: true,
    device: &[],
    filter: "format=nv12",
    options: &[
        "-hw_encoding",
        "1",
        "-scenario",
        "display_remoting",
        "-rate_control",
        "quality",
        "-quality",
        "60",
    ],
    cap: &["-rate_control", "pc_vbr", "-b:v", "{k}k"],
    // On paper: its level option is not known to keep headers equal.
    level: &[],
};

const VAAPI: Encoder = Encoder {
    name: "h264_vaapi",
    label: "VA-API (hardware)",
    hardware: true,
    device: &["-vaapi_device", "/dev/dri/renderD128"],
    filter: "format=nv12,hwupload",
    options: &["-rc_mode", "CQP", "-qp", "23"],
    cap: &["-rc_mode", "VBR", "-b:v", "{k}k", "-maxrate", "{k}k"],
    // On paper: its level option is not known to keep headers equal.
    level: &[],
};

/// Every encoder this module knows, for looking one up by name.
const ALL: [&Encoder; 7] = [
    &LIBX264,
    &VIDEOTOOLBOX,
    &NVENC,
    &QSV,
    &AMF,
    &MEDIA_FOUNDATION,
    &VAAPI,
];

pub fn by_name(name: &str) -> Option<&'static Encoder> {
    ALL.into_iter().find(|e| e.name == name)
}

/// The names of every encoder known here.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|e| e.name).collect()
}

/// A graphics card's maker, which decides the Windows order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuVendor {
    Nvidia,
    Intel,
    Amd,
}

impl GpuVendor {
    /// From an adapter's name as Windows reports it ("NVIDIA GeForce RTX 3060",
    /// "Intel(R) UHD Graphics 620", "AMD Radeon RX 6600").
    pub fn from_name(name: &str) -> Option<GpuVendor> {
        let n = name.to_ascii_lowercase();
        if n.contains("nvidia") || n.contains("geforce") || n.contains("quadro") {
            Some(GpuVendor::Nvidia)
        } else if n.contains("intel") {
            Some(GpuVendor::Intel)
        } else if n.contains("amd") || n.contains("radeon") || n.contains("ati ") {
            Some(GpuVendor::Amd)
        } else {
            None
        }
    }

    /// From a PCI vendor id (Linux: `/sys/class/drm/card*/device/vendor`).
    pub fn from_pci(id: &str) -> Option<GpuVendor> {
        match id.trim().to_ascii_lowercase().as_str() {
            "0x10de" => Some(GpuVendor::Nvidia),
            "0x8086" => Some(GpuVendor::Intel),
            "0x1002" => Some(GpuVendor::Amd),
            _ => None,
        }
    }
}

/// The encoders to try on `os` with these graphics cards, best first; always ends in
/// libx264.
pub fn candidates(os: Os, gpus: &[GpuVendor]) -> Vec<&'static Encoder> {
    let mut list: Vec<&'static Encoder> = match os {
        Os::MacOs => vec![&VIDEOTOOLBOX],
        Os::Windows => {
            let mut l: Vec<&'static Encoder> = gpus
                .iter()
                .map(|g| match g {
                    GpuVendor::Nvidia => &NVENC,
                    GpuVendor::Intel => &QSV,
                    GpuVendor::Amd => &AMF,
                })
                .collect();
            // Media Foundation drives whichever card there is.
            l.push(&MEDIA_FOUNDATION);
            l
        }
        Os::Linux => {
            // VA-API serves Intel and AMD; NVIDIA's own encoder for its cards.
            let mut l: Vec<&'static Encoder> = Vec::new();
            if gpus.is_empty() || gpus.iter().any(|g| *g != GpuVendor::Nvidia) {
                l.push(&VAAPI);
            }
            if gpus.is_empty() || gpus.contains(&GpuVendor::Nvidia) {
                l.push(&NVENC);
            }
            if gpus.is_empty() || gpus.contains(&GpuVendor::Intel) {
                l.push(&QSV);
            }
            l
        }
    };
    list.dedup_by_key(|e| e.name);
    list.push(&LIBX264);
    list
}

/// The graphics cards of this machine, as far as cheaply known (none: try them all).
pub async fn gpus(os: Os) -> Vec<GpuVendor> {
    let mut found = match os {
        Os::Linux => linux_gpus(),
        Os::Windows => windows_gpus().await,
        Os::MacOs => Vec::new(),
    };
    found.dedup();
    found
}

fn linux_gpus() -> Vec<GpuVendor> {
    let Ok(cards) = std::fs::read_dir("/sys/class/drm") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for card in cards.flatten() {
        let vendor = std::fs::read_to_string(card.path().join("device/vendor"));
        if let Some(v) = vendor.ok().as_deref().and_then(GpuVendor::from_pci)
            && !found.contains(&v)
        {
            found.push(v);
        }
    }
    found
}

async fn windows_gpus() -> Vec<GpuVendor> {
    let out = tokio::process::Command::new("powershell")
        .args([
            "-NoProfile",
            "-Command",
            "(Get-CimInstance Win32_VideoController).Name",
        ])
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(10), out).await {
        Ok(Ok(o)) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(GpuVendor::from_name)
            .collect(),
        _ => Vec::new(),
    }
}

/// The arguments of a trial: half a second of a small test picture through the
/// encoder with its options, to nowhere.
pub fn trial_args(e: &Encoder) -> Vec<String> {
    let mut a: Vec<String> = ["-hide_banner", "-v", "error", "-nostdin"]
        .map(String::from)
        .to_vec();
    a.extend(e.device.iter().map(|s| s.to_string()));
    let chain = match e.filter {
        "" => "format=yuv420p".to_string(),
        f => format!("format=yuv420p,{f}"),
    };
    a.extend(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=30:duration=0.5",
            "-vf",
            &chain,
            "-c:v",
            e.name,
        ]
        .map(String::from),
    );
    a.extend(e.options.iter().map(|s| s.to_string()));
    a.extend(["-f", "null", "-"].map(String::from));
    a
}

/// One encoder's trial on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trial {
    pub encoder: String,
    pub ok: bool,
    /// ffmpeg's last words when it failed.
    pub error: Option<String>,
}

/// Runs one trial encode.
pub async fn trial(e: &Encoder) -> Trial {
    let run = tokio::process::Command::new("ffmpeg")
        .args(trial_args(e))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let error = match tokio::time::timeout(TRIAL_TIMEOUT, run).await {
        Err(_) => Some(format!("no answer within {} s", TRIAL_TIMEOUT.as_secs())),
        Ok(Err(e)) => Some(format!("cannot run ffmpeg: {e}")),
        Ok(Ok(o)) if o.status.success() => None,
        Ok(Ok(o)) => Some(first_words(&String::from_utf8_lossy(&o.stderr))),
    };
    Trial {
        encoder: e.name.to_string(),
        ok: error.is_none(),
        error,
    }
}

/// The cause, which ffmpeg says first ("Cannot load libcuda.so.1"), without the
/// `[h264_nvenc @ 0x…]` it is prefixed with; what follows is the general failure.
fn first_words(stderr: &str) -> String {
    let line = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("ffmpeg failed");
    match line.split_once("] ") {
        Some((context, rest)) if line.starts_with('[') && context.contains(" @ ") => rest,
        _ => line,
    }
    .to_string()
}

/// The encoders that worked here, best first (libx264 last even when its own trial
/// failed: then the recording's error says why), and every trial made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What the trials were made with: a new ffmpeg or another card means new trials.
    pub machine: String,
    pub trials: Vec<Trial>,
}

impl Choice {
    /// The encoders to record with, best first.
    pub fn usable(&self) -> Vec<&'static Encoder> {
        let mut l: Vec<&'static Encoder> = self
            .trials
            .iter()
            .filter(|t| t.ok)
            .filter_map(|t| by_name(&t.encoder))
            .collect();
        if !l.iter().any(|e| e.name == LIBX264.name) {
            l.push(&LIBX264);
        }
        l
    }

    pub fn chosen(&self) -> &'static Encoder {
        self.usable()[0]
    }
}

/// The file that remembers the trials, in the client's data folder.
const CACHE_FILE: &str = "encoders.json";

/// The encoders to record with on this machine: the remembered trials when they were
/// made with this ffmpeg and these cards, else new trials (about a second, once).
pub async fn choose(cache_dir: &Path) -> Choice {
    let os = Os::current();
    let gpus = gpus(os).await;
    let machine = format!("{} | {:?} | {:?}", ffmpeg_version().await, os, gpus);
    let cache = cache_dir.join(CACHE_FILE);
    if let Ok(bytes) = tokio::fs::read(&cache).await
        && let Ok(c) = serde_json::from_slice::<Choice>(&bytes)
        && c.machine == machine
    {
        return c;
    }
    // All of them (a failing one answers within a fraction of a second): the app and
    // `idance devices --encoders` show each, and a fallback needs the next that works.
    let mut trials = Vec::new();
    for e in candidates(os, &gpus) {
        trials.push(trial(e).await);
    }
    let choice = Choice { machine, trials };
    let saved = choice.clone();
    let _ = tokio::task::spawn_blocking(move || remember(&cache, &saved)).await;
    choice
}

/// A hardware encoder that failed to start a recording is not tried again on this
/// machine (until ffmpeg or the cards change). Blocking: called from the recorder's
/// own thread.
pub fn forget(cache_dir: &Path, failed: &str, why: &str) {
    let cache = cache_dir.join(CACHE_FILE);
    let Ok(bytes) = std::fs::read(&cache) else {
        return;
    };
    let Ok(mut c) = serde_json::from_slice::<Choice>(&bytes) else {
        return;
    };
    for t in c.trials.iter_mut().filter(|t| t.encoder == failed) {
        t.ok = false;
        t.error = Some(why.to_string());
    }
    remember(&cache, &c);
}

/// Blocking: a small file written whole then renamed, so a crash leaves the old
/// trials or none, never half.
fn remember(cache: &Path, choice: &Choice) {
    let Ok(json) = serde_json::to_vec_pretty(choice) else {
        return;
    };
    let tmp = cache.with_extension("json.tmp");
    if let Some(dir) = cache.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if std::fs::write(&tmp, json).is_ok() {
        let _ = std::fs::rename(&tmp, cache);
    }
}

async fn ffmpeg_version() -> String {
    let out = tokio::process::Command::new("ffmpeg")
        .arg("-version")
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(10), out).await {
        Ok(Ok(o)) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(l: &[&Encoder]) -> Vec<&'static str> {
        l.iter().map(|e| e.name).collect()
    }

    #[test]
    fn each_os_tries_its_hardware_first_and_ends_in_libx264() {
        use GpuVendor::*;
        for (os, gpus, want) in [
            (Os::MacOs, &[][..], &["h264_videotoolbox", "libx264"][..]),
            (
                Os::Windows,
                &[Nvidia],
                &["h264_nvenc", "h264_mf", "libx264"],
            ),
            (Os::Windows, &[Intel], &["h264_qsv", "h264_mf", "libx264"]),
            (Os::Windows, &[Amd], &["h264_amf", "h264_mf", "libx264"]),
            // A laptop with both: the discrete card as Windows lists it first.
            (
                Os::Windows,
                &[Nvidia, Intel],
                &["h264_nvenc", "h264_qsv", "h264_mf", "libx264"],
            ),
            (Os::Windows, &[], &["h264_mf", "libx264"]),
            (Os::Linux, &[Intel], &["h264_vaapi", "h264_qsv", "libx264"]),
            (Os::Linux, &[Amd], &["h264_vaapi", "libx264"]),
            (Os::Linux, &[Nvidia], &["h264_nvenc", "libx264"]),
            (
                Os::Linux,
                &[],
                &["h264_vaapi", "h264_nvenc", "h264_qsv", "libx264"],
            ),
        ] {
            assert_eq!(names(&candidates(os, gpus)), want, "{os:?} {gpus:?}");
        }
    }

    #[test]
    fn vendors_from_windows_names_and_pci_ids() {
        use GpuVendor::*;
        for (name, v) in [
            ("NVIDIA GeForce RTX 3060 Laptop GPU", Some(Nvidia)),
            ("Intel(R) UHD Graphics 620", Some(Intel)),
            ("AMD Radeon(TM) Graphics", Some(Amd)),
            ("Microsoft Basic Display Adapter", None),
        ] {
            assert_eq!(GpuVendor::from_name(name), v, "{name}");
        }
        assert_eq!(GpuVendor::from_pci("0x10de\n"), Some(Nvidia));
        assert_eq!(GpuVendor::from_pci("0x8086"), Some(Intel));
        assert_eq!(GpuVendor::from_pci("0x1af4"), None);
    }

    #[test]
    fn the_cause_is_ffmpegs_first_line() {
        let nvenc = "[h264_nvenc @ 0x55af77c926c0] Cannot load libcuda.so.1\nError initializing output stream 0:0\n";
        assert_eq!(first_words(nvenc), "Cannot load libcuda.so.1");
        assert_eq!(
            first_words("\nDevice creation failed: -22.\n"),
            "Device creation failed: -22."
        );
        assert_eq!(first_words(""), "ffmpeg failed");
    }

    #[test]
    fn a_trial_is_the_encoder_with_its_own_options() {
        let a = trial_args(&VAAPI).join(" ");
        assert!(
            a.contains("-vaapi_device /dev/dri/renderD128 -f lavfi"),
            "{a}"
        );
        assert!(
            a.ends_with(
                "-vf format=yuv420p,format=nv12,hwupload -c:v h264_vaapi -rc_mode CQP -qp 23 -f null -"
            ),
            "{a}"
        );
    }

    /// Real ffmpeg: this build lists h264_nvenc and h264_vaapi but the machine has
    /// neither; libx264 works.
    #[tokio::test]
    async fn trials_tell_listed_from_working() {
        let x264 = trial(&LIBX264).await;
        assert!(x264.ok, "{x264:?}");
        for e in [&NVENC, &VAAPI] {
            let t = trial(e).await;
            assert!(!t.ok, "{} works here?", e.name);
            assert!(t.error.as_deref().is_some_and(|w| !w.is_empty()), "{t:?}");
        }
    }

    #[test]
    fn the_choice_is_the_first_that_worked_and_libx264_is_always_there() {
        let t = |n: &str, ok| Trial {
            encoder: n.into(),
            ok,
            error: None,
        };
        let c = Choice {
            machine: String::new(),
            trials: vec![t("h264_vaapi", false), t("h264_nvenc", true)],
        };
        assert_eq!(names(&c.usable()), ["h264_nvenc", "libx264"]);
        assert_eq!(c.chosen().label, "NVIDIA NVENC (hardware)");
        let none = Choice {
            machine: String::new(),
            trials: vec![t("h264_vaapi", false)],
        };
        assert_eq!(none.chosen().name, "libx264");
    }

    #[tokio::test]
    async fn trials_are_remembered_and_a_failed_start_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let first = choose(dir.path()).await;
        assert!(dir.path().join(CACHE_FILE).exists());
        // Remembered: the same answer without new trials (a changed cache proves it).
        let mut c = first.clone();
        c.trials.insert(
            0,
            Trial {
                encoder: "h264_qsv".into(),
                ok: true,
                error: None,
            },
        );
        remember(&dir.path().join(CACHE_FILE), &c);
        assert_eq!(choose(dir.path()).await.chosen().name, "h264_qsv");
        forget(dir.path(), "h264_qsv", "could not open the device");
        let after = choose(dir.path()).await;
        assert_eq!(after.chosen().name, "libx264");
        assert!(
            after.trials.iter().any(|t| t.encoder == "h264_qsv"
                && t.error.as_deref() == Some("could not open the device"))
        );
    }
}
