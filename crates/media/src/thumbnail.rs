//! A JPEG from a representative frame: 10 % into the video, found by input seeking
//! (`-ss` before `-i`: a keyframe jump, not a decode of everything before it), so the
//! first frame — often black — is skipped and a long file takes well under a second.

use crate::probe::{ProbeError, probe};
use std::path::{Path, PathBuf};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);
/// Widest thumbnail made; smaller videos keep their size.
pub const MAX_WIDTH: u32 = 1280;

#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnail {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    /// Where in the video the frame was taken, seconds.
    pub at: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error(transparent)]
    Probe(#[from] ProbeError),
    #[error("{0}: ffmpeg took longer than 30 s")]
    Timeout(String),
    #[error("{file}: no frame could be decoded ({reason})")]
    NoFrame { file: String, reason: String },
    #[error("{0} already exists; pass -o to choose where the thumbnail goes")]
    Exists(String),
    #[error("cannot run ffmpeg: {0}")]
    Ffmpeg(String),
}

/// The default place for a video's thumbnail: beside it, `<name>.thumbnail.jpg`.
pub fn default_path(video: &Path) -> PathBuf {
    let stem = video
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video".into());
    video.with_file_name(format!("{stem}.thumbnail.jpg"))
}

/// The frame's time: 10 % in, and never past the last half second.
pub fn frame_time(duration: f64) -> f64 {
    (duration * 0.1).min((duration - 0.5).max(0.0))
}

/// Size after scaling to at most `MAX_WIDTH` wide, keeping the aspect, even height.
pub fn scaled(width: u32, height: u32) -> (u32, u32) {
    if width <= MAX_WIDTH || width == 0 {
        return (width, height);
    }
    let h = (u64::from(height) * u64::from(MAX_WIDTH) / u64::from(width)) as u32;
    (MAX_WIDTH, h + h % 2)
}

/// Writes the thumbnail of `video` to `out` (None: [`default_path`], never overwriting).
pub async fn thumbnail(video: &Path, out: Option<&Path>) -> Result<Thumbnail, ThumbnailError> {
    // The MP4/MOV header gives the duration for one ffmpeg run in all; other files are
    // probed (which also explains files that are not videos).
    let duration = match crate::headers::mp4_duration(video) {
        Some(d) => d,
        None => probe(video).await?.duration,
    };
    let shown = video.display().to_string();
    let (path, overwrite) = match out {
        Some(p) => (p.to_path_buf(), true),
        None => (default_path(video), false),
    };
    if !overwrite && path.exists() {
        return Err(ThumbnailError::Exists(path.display().to_string()));
    }
    let at = frame_time(duration);
    let run = tokio::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-ss",
            &format!("{at:.3}"),
            "-i",
        ])
        .arg(video)
        .args([
            "-frames:v",
            "1",
            "-an",
            "-vf",
            &format!("scale='min({MAX_WIDTH},iw)':-2"),
            "-q:v",
            "3",
            "-f",
            "image2",
        ])
        .arg(&path)
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(TIMEOUT, run).await {
        Err(_) => return Err(ThumbnailError::Timeout(shown)),
        Ok(Err(e)) => return Err(ThumbnailError::Ffmpeg(e.to_string())),
        Ok(Ok(o)) => o,
    };
    // A truncated file can make ffmpeg exit 0 without writing an image: check the file.
    let written = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    if !output.status.success() || written == 0 {
        if written == 0 {
            let _ = std::fs::remove_file(&path); // an empty file is of no use to anyone
        }
        let reason = String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or("ffmpeg wrote no image")
            .trim()
            .to_string();
        return Err(ThumbnailError::NoFrame {
            file: shown,
            reason: if reason.is_empty() {
                "ffmpeg wrote no image".into()
            } else {
                reason
            },
        });
    }
    let (width, height) = std::fs::read(&path)
        .ok()
        .and_then(|b| crate::headers::jpeg_size(&b))
        .unwrap_or((0, 0));
    Ok(Thumbnail {
        path,
        width,
        height,
        at,
    })
}

/// Thumbnails of several videos (`(video, out)`, `out` overwritten) from one ffmpeg run:
/// ffmpeg's start-up (~50 ms here, most of a small clip's thumbnail) is paid once. When
/// that run fails (one unreadable file fails it all), each is made on its own, so every
/// result is the one [`thumbnail`] gives.
pub async fn thumbnails(items: &[(PathBuf, PathBuf)]) -> Vec<Result<Thumbnail, ThumbnailError>> {
    let mut times = Vec::with_capacity(items.len());
    for (video, _) in items {
        match crate::headers::mp4_duration(video) {
            Some(d) => times.push(frame_time(d)),
            None => break,
        }
    }
    if items.len() > 1 && times.len() == items.len() && batch(items, &times).await {
        let mut out = Vec::with_capacity(items.len());
        for ((_, path), at) in items.iter().zip(times) {
            let (width, height) = std::fs::read(path)
                .ok()
                .and_then(|b| crate::headers::jpeg_size(&b))
                .unwrap_or((0, 0));
            out.push(Ok(Thumbnail {
                path: path.clone(),
                width,
                height,
                at,
            }));
        }
        return out;
    }
    let mut out = Vec::with_capacity(items.len());
    for (video, path) in items {
        out.push(thumbnail(video, Some(path)).await);
    }
    out
}

/// One ffmpeg run: input i seeks to `times[i]`, output i takes its first frame. True
/// when every JPEG was written.
async fn batch(items: &[(PathBuf, PathBuf)], times: &[f64]) -> bool {
    let mut cmd = tokio::process::Command::new("ffmpeg");
    cmd.args(["-v", "error", "-nostdin", "-y", "-filter_threads", "1"]);
    // One thread per decoder, filter and encoder: each handles a frame or two, and a
    // thread pool for each costs more than that (measured: ~5 ms a file, not ~9).
    for ((video, _), at) in items.iter().zip(times) {
        cmd.args(["-threads", "1", "-ss", &format!("{at:.3}"), "-i"])
            .arg(video);
    }
    let scale = format!("scale='min({MAX_WIDTH},iw)':-2");
    for (i, (_, out)) in items.iter().enumerate() {
        cmd.args([
            "-map",
            &format!("{i}:v:0"),
            "-frames:v",
            "1",
            "-threads",
            "1",
        ])
        .args(["-an", "-vf"])
        .args([scale.as_str(), "-q:v", "3", "-f", "image2"])
        .arg(out);
    }
    let run = cmd.kill_on_drop(true).output();
    let ok = matches!(tokio::time::timeout(TIMEOUT, run).await, Ok(Ok(o)) if o.status.success());
    ok && items
        .iter()
        .all(|(_, out)| std::fs::metadata(out).is_ok_and(|m| m.len() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn several_thumbnails_in_one_run_or_each_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let h264 = ["-c:v", "libx264", "-preset", "ultrafast"];
        let a = make(dir.path(), "a.mp4", &h264);
        let b = crate::test_clip::clip(dir.path(), "b.mp4", 10, &["-s", "640x360"]);
        let jpg = |n: &str| dir.path().join(n);
        let got = thumbnails(&[(a.clone(), jpg("a.jpg")), (b.clone(), jpg("b.jpg"))]).await;
        let sizes: Vec<_> = got
            .iter()
            .map(|t| {
                let t = t.as_ref().unwrap();
                (t.width, t.height, t.at)
            })
            .collect();
        assert_eq!(sizes, [(320, 240, 0.4), (640, 360, 1.0)]);
        for t in &got {
            let bytes = std::fs::read(&t.as_ref().unwrap().path).unwrap();
            assert_eq!(&bytes[..2], &[0xFF, 0xD8], "not a JPEG");
        }
        // A file without a picture (its MP4 header reads fine) fails the shared run:
        // the others still get theirs.
        let broken = crate::test_clip::audio_only(dir.path(), "c.m4a");
        assert!(crate::headers::mp4_duration(&broken).is_some());
        let got = thumbnails(&[(broken, jpg("c.jpg")), (b, jpg("b2.jpg"))]).await;
        assert!(got[0].is_err(), "{:?}", got[0]);
        assert_eq!(got[1].as_ref().unwrap().width, 640);
    }

    fn make(dir: &Path, name: &str, codec: &[&str]) -> PathBuf {
        crate::test_clip::clip(dir, name, 4, codec)
    }

    #[test]
    fn frame_time_and_scaling() {
        assert_eq!(frame_time(100.0), 10.0);
        assert_eq!(frame_time(0.4), 0.0);
        assert_eq!(scaled(1920, 1080), (1280, 720));
        assert_eq!(scaled(640, 360), (640, 360));
        assert_eq!(scaled(3000, 1001).1 % 2, 0);
    }

    #[tokio::test]
    async fn every_accepted_container_gets_a_jpeg() {
        let dir = tempfile::tempdir().unwrap();
        let h264 = ["-c:v", "libx264", "-preset", "ultrafast"];
        for (name, codec) in [
            ("a.mp4", &h264[..]),
            ("b.mov", &h264[..]),
            ("c.mkv", &h264[..]),
            (
                "d.webm",
                &["-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime"][..],
            ),
        ] {
            let video = make(dir.path(), name, codec);
            let t = thumbnail(&video, None)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let bytes = std::fs::read(&t.path).unwrap();
            assert_eq!(&bytes[..2], &[0xFF, 0xD8], "{name}: not a JPEG");
            assert_eq!((t.width, t.height), (320, 240));
            assert!((t.at - 0.4).abs() < 1e-9, "{name}: frame at {}", t.at);
            // never overwrites without being told to
            assert!(matches!(
                thumbnail(&video, None).await,
                Err(ThumbnailError::Exists(_))
            ));
        }
    }

    #[tokio::test]
    async fn bad_files_get_clear_errors_and_no_image() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.mp4");
        std::fs::write(&empty, b"").unwrap();
        let text = dir.path().join("text.mov");
        std::fs::write(&text, b"hello").unwrap();
        // A faststart MP4 cut just after its index: the index is there, the frames are not.
        let whole = make(
            dir.path(),
            "whole.mp4",
            &[
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-movflags",
                "+faststart",
            ],
        );
        let bytes = std::fs::read(&whole).unwrap();
        let cut = dir.path().join("cut.mp4");
        let mdat = bytes
            .windows(4)
            .position(|w| w == b"mdat")
            .expect("an mdat box");
        std::fs::write(&cut, &bytes[..mdat + 64]).unwrap();
        // ffmpeg would make a JPEG of a text file (its tty demuxer draws the text) or
        // of a picture: not videos, refused.
        let notes = dir.path().join("notes.txt");
        let lines: String = (1..=200)
            .map(|i| format!("{i}. Warm up, salsa basics\n"))
            .collect();
        std::fs::write(&notes, lines).unwrap();
        let picture = crate::test_clip::clip(dir.path(), "still.png", 1, &["-frames:v", "1"]);
        let song = dir.path().join("song.m4a");
        assert!(
            std::process::Command::new("ffmpeg")
                .args([
                    "-v", "error", "-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac"
                ])
                .arg(&song)
                .status()
                .unwrap()
                .success()
        );
        for f in [&empty, &text, &cut, &notes, &picture, &song] {
            let out = dir.path().join("out.jpg");
            let e = thumbnail(f, Some(&out))
                .await
                .expect_err("a thumbnail from a bad file");
            assert!(e.to_string().contains(&f.display().to_string()), "{e}");
            assert!(!out.exists() || std::fs::metadata(&out).unwrap().len() > 0);
        }
    }
}
