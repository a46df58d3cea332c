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
    #[serde(default)]
    disposition: Disposition,
}

#[derive(Deserialize, Default)]
struct Disposition {
    /// Cover art of an audio file: a picture, not a video.
    #[serde(default)]
    attached_pic: u8,
}

/// Containers a class video comes in, by one of the names in ffprobe's `format_name`
/// (which lists a demuxer's aliases, e.g. `mov,mp4,m4a,3gp,3g2,mj2`). Anything else —
/// ffmpeg also reads text (`tty`), images (`image2`, `png_pipe`, `gif`) and audio
/// files — is not a video, whatever streams ffmpeg makes of it.
const VIDEO_CONTAINERS: &[&str] = &[
    "mov", "matroska", "webm", "avi", "mpegts", "mpeg", "flv", "asf", "ogg", "mxf",
];

/// What a container that is not a video is, in words, by its demuxer's name.
fn what_it_is(format_name: &str) -> &'static str {
    let names: Vec<&str> = format_name.split(',').collect();
    let any = |f: &dyn Fn(&str) -> bool| names.iter().any(|n| f(n));
    if any(&|n| matches!(n, "tty" | "txt" | "srt" | "ass" | "webvtt")) {
        "a text file"
    } else if any(&|n| {
        n.ends_with("_pipe") || matches!(n, "image2" | "gif" | "apng" | "webp" | "ico" | "svg")
    }) {
        "an image"
    } else if any(&|n| {
        matches!(
            n,
            "mp3" | "wav" | "flac" | "aac" | "ac3" | "aiff" | "amr" | "opus" | "w64"
        )
    }) {
        "an audio file"
    } else {
        "not a video container"
    }
}

/// Codecs ffmpeg decodes to pictures of text: never a class video.
const TEXT_CODECS: &[&str] = &["ansi", "bintext", "xbin", "idf", "tty"];

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
    let format = out.format.as_ref();
    let container = format
        .and_then(|f| f.format_name.clone())
        .unwrap_or_default();
    if !container.split(',').any(|n| VIDEO_CONTAINERS.contains(&n)) {
        return Err(not_video(&format!(
            "ffmpeg reads it as {} ({container})",
            what_it_is(&container)
        )));
    }
    let audio = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    let video = out
        .streams
        .iter()
        .find(|s| {
            s.codec_type.as_deref() == Some("video")
                && s.width.is_some()
                && s.disposition.attached_pic == 0
                && !TEXT_CODECS.contains(&s.codec_name.as_deref().unwrap_or_default())
        })
        .ok_or_else(|| {
            not_video(if audio.is_some() {
                "it has sound but no video"
            } else {
                "it has no video stream"
            })
        })?;
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
        container,
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

    /// ffmpeg reads all of these; none is a video (`idance probe notes.txt` once
    /// answered `{"video_codec": "ansi", "container": "tty"}`).
    #[tokio::test]
    async fn text_images_and_audio_are_not_videos() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let notes = d.join("notes.txt");
        // Long enough for ffmpeg's tty demuxer to take it (a short one fails anyway).
        let lines: String = (1..=200)
            .map(|i| format!("{i}. Salsa basics: 1-2-3, 5-6-7, turn on 1\n"))
            .collect();
        std::fs::write(&notes, lines).unwrap();
        let png = crate::test_clip::clip(d, "still.png", 1, &["-frames:v", "1"]);
        let jpg = crate::test_clip::clip(d, "still.jpg", 1, &["-frames:v", "1"]);
        let gif = crate::test_clip::clip(d, "moving.gif", 1, &[]);
        let ffmpeg = |args: &[&str]| {
            assert!(
                std::process::Command::new("ffmpeg")
                    .args(["-v", "error", "-y"])
                    .args(args)
                    .status()
                    .unwrap()
                    .success()
            )
        };
        let mp3 = d.join("song.mp3");
        ffmpeg(&["-f", "lavfi", "-i", "sine=d=2", mp3.to_str().unwrap()]);
        let m4a = d.join("song.m4a");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=d=2",
            "-c:a",
            "aac",
            m4a.to_str().unwrap(),
        ]);
        let cover = d.join("cover.mp3");
        ffmpeg(&[
            "-i",
            mp3.to_str().unwrap(),
            "-i",
            jpg.to_str().unwrap(),
            "-map",
            "0",
            "-map",
            "1",
            "-c",
            "copy",
            "-disposition:v",
            "attached_pic",
            cover.to_str().unwrap(),
        ]);
        for (file, words) in [
            (&notes, "a text file"),
            (&png, "an image"),
            (&jpg, "an image"),
            (&gif, "an image"),
            (&mp3, "an audio file"),
            (&cover, "an audio file"),
            (&m4a, "sound but no video"),
        ] {
            let e = probe(file).await.expect_err("not a video");
            let said = e.to_string();
            assert!(matches!(e, ProbeError::NotVideo { .. }), "{said}");
            assert!(said.contains(words), "{}: {said}", file.display());
        }
    }

    #[test]
    fn cover_art_and_text_pictures_are_no_video_stream() {
        let answer = |container: &str, codec: &str, pic: u8| {
            format!(
                r#"{{"streams": [{{"codec_type": "video", "codec_name": "{codec}", "width": 64, "height": 64,
                   "disposition": {{"attached_pic": {pic}}}}}],
                   "format": {{"format_name": "{container}", "duration": "3.0"}}}}"#
            )
        };
        let mp4 = "mov,mp4,m4a,3gp,3g2,mj2";
        assert!(parse("a", answer(mp4, "h264", 0).as_bytes()).is_ok());
        assert!(parse("a", answer("matroska,webm", "vp9", 0).as_bytes()).is_ok());
        assert!(parse("a", answer("avi", "mjpeg", 0).as_bytes()).is_ok());
        for (container, codec, pic) in [
            (mp4, "mjpeg", 1),
            (mp4, "ansi", 0),
            ("tty", "ansi", 0),
            ("png_pipe", "png", 0),
            ("image2", "mjpeg", 0),
            ("", "h264", 0),
        ] {
            let e = parse("a", answer(container, codec, pic).as_bytes());
            assert!(
                matches!(e, Err(ProbeError::NotVideo { .. })),
                "{container} {codec} {pic}: {e:?}"
            );
        }
    }
}
