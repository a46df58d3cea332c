//! `ffprobe` as JSON: duration, size, codecs, container. Every call has a timeout, and
//! a file ffprobe cannot read gets a clear error, never a hang.

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

/// What `idance probe --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoInfo {
    pub duration: f64,
    pub width: u32,
    pub height: u32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    pub container: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("ffprobe was not found on PATH; install ffmpeg")]
    Missing,
    #[error("{file}: ffprobe took longer than {secs} s")]
    Timeout { file: String, secs: u64 },
    #[error("{file}: not a readable video ({reason})")]
    NotVideo { file: String, reason: String },
    #[error("{file}: {reason}")]
    Io { file: String, reason: String },
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    duration: Option<String>,
}

#[derive(Deserialize)]
struct Format {
    format_name: Option<String>,
    duration: Option<String>,
}

pub async fn probe(file: &Path) -> Result<VideoInfo, ProbeError> {
    let shown = file.display().to_string();
    let meta = std::fs::metadata(file).map_err(|e| ProbeError::Io {
        file: shown.clone(),
        reason: e.to_string(),
    })?;
    if meta.len() == 0 {
        return Err(ProbeError::NotVideo {
            file: shown,
            reason: "the file is empty".into(),
        });
    }
    let child = tokio::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(file)
        .kill_on_drop(true)
        .output();
    let out = match tokio::time::timeout(TIMEOUT, child).await {
        Err(_) => {
            return Err(ProbeError::Timeout {
                file: shown,
                secs: TIMEOUT.as_secs(),
            });
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Err(ProbeError::Missing),
        Ok(Err(e)) => {
            return Err(ProbeError::Io {
                file: shown,
                reason: e.to_string(),
            });
        }
        Ok(Ok(out)) => out,
    };
    if !out.status.success() {
        let reason = String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("ffprobe failed")
            .trim()
            .to_string();
        return Err(ProbeError::NotVideo {
            file: shown,
            reason,
        });
    }
    parse(&shown, &out.stdout)
}

fn parse(file: &str, json: &[u8]) -> Result<VideoInfo, ProbeError> {
    let not_video = |reason: &str| ProbeError::NotVideo {
        file: file.to_string(),
        reason: reason.to_string(),
    };
    let out: Output =
        serde_json::from_slice(json).map_err(|_| not_video("ffprobe's answer was unreadable"))?;
    let video = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video") && s.width.is_some())
        .ok_or_else(|| not_video("it has no video stream"))?;
    let audio = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    let format = out.format.as_ref();
    let duration = format
        .and_then(|f| f.duration.as_deref())
        .or(video.duration.as_deref())
        .and_then(|d| d.parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or_else(|| not_video("its duration is unknown"))?;
    Ok(VideoInfo {
        duration,
        width: video.width.unwrap_or(0),
        height: video.height.unwrap_or(0),
        video_codec: video.codec_name.clone().unwrap_or_default(),
        audio_codec: audio.and_then(|a| a.codec_name.clone()),
        container: format
            .and_then(|f| f.format_name.clone())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_video(dir: &Path, name: &str, secs: u32) -> std::path::PathBuf {
        let path = dir.join(name);
        let status = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("testsrc=size=320x240:rate=10:duration={secs}"))
            .args(["-f", "lavfi", "-i"])
            .arg(format!("sine=frequency=440:duration={secs}"))
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-c:a",
                "aac",
                "-shortest",
            ])
            .arg(&path)
            .status()
            .expect("ffmpeg runs (apt install ffmpeg)");
        assert!(status.success());
        path
    }

    #[tokio::test]
    async fn probes_a_real_video() {
        let dir = tempfile::tempdir().unwrap();
        let v = make_video(dir.path(), "clip.mp4", 3);
        let info = probe(&v).await.unwrap();
        assert!((info.duration - 3.0).abs() < 0.3, "{info:?}");
        assert_eq!((info.width, info.height), (320, 240));
        assert_eq!(info.video_codec, "h264");
        assert_eq!(info.audio_codec.as_deref(), Some("aac"));
        assert!(info.container.contains("mp4"), "{info:?}");
    }

    #[tokio::test]
    async fn bad_files_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.mp4");
        std::fs::write(&empty, b"").unwrap();
        let text = dir.path().join("notes.mp4");
        std::fs::write(&text, b"this is not a video at all").unwrap();
        for f in [&empty, &text] {
            let e = probe(f).await.unwrap_err();
            assert!(matches!(e, ProbeError::NotVideo { .. }), "{e}");
            assert!(e.to_string().contains(&f.display().to_string()));
        }
        assert!(matches!(
            probe(&dir.path().join("gone.mp4")).await,
            Err(ProbeError::Io { .. })
        ));
    }
}
