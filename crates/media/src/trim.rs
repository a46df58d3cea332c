//! Cutting the dead minutes at a video's start and end before it goes up: a stream copy
//! (no re-encode, seconds for an hour) into a new file; the original is never touched.
//! A copy can only start at a keyframe, so the cut starts at the keyframe at or before
//! the asked start (at most one keyframe interval early, never late: nothing asked
//! for is lost).

use crate::probe::{ProbeError, VideoInfo, probe};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An hour of video copies in a few seconds; this bounds a stuck ffmpeg.
const TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum TrimError {
    #[error(transparent)]
    Probe(#[from] ProbeError),
    #[error(
        "{file}: cannot cut from {start:.1} s to {end:.1} s of a {duration:.1} s video: the start must come before the end, inside the video"
    )]
    Range {
        file: String,
        start: f64,
        end: f64,
        duration: f64,
    },
    #[error("{0} already exists; pass -o to choose where the cut goes")]
    Exists(String),
    #[error("{file}: ffmpeg could not cut it ({reason}); the original is untouched")]
    Ffmpeg { file: String, reason: String },
    #[error("{0}: ffmpeg took longer than 10 minutes; the original is untouched")]
    Timeout(String),
}

/// The default place for a cut: beside the video, `<name>.trimmed.<ext>`, or
/// `<name>.trimmed-2.<ext>` and on when that exists (never overwriting).
pub fn default_path(video: &Path) -> PathBuf {
    let ext = video
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mp4".into());
    crate::derived_path(
        video.parent().unwrap_or(Path::new(".")),
        video,
        "trimmed",
        &ext,
    )
}

/// Cuts `video` to `start..end` seconds (`end` None: to its end) into `out` (None:
/// [`default_path`]); answers the cut's path and what it probes as.
pub async fn trim(
    video: &Path,
    start: f64,
    end: Option<f64>,
    out: Option<&Path>,
) -> Result<(PathBuf, VideoInfo), TrimError> {
    let info = probe(video).await?;
    let shown = video.display().to_string();
    let end = end.unwrap_or(info.duration).min(info.duration);
    if !(start >= 0.0 && start < end && end - start >= 0.5) {
        return Err(TrimError::Range {
            file: shown,
            start,
            end,
            duration: info.duration,
        });
    }
    let out = match out {
        Some(p) if p.exists() => return Err(TrimError::Exists(p.display().to_string())),
        Some(p) => p.to_path_buf(),
        None => default_path(video),
    };
    // The cut is written under a temporary name and renamed when whole, so a cut
    // interrupted half-way is never taken for a video.
    let partial = out.with_file_name(format!(
        ".{}.partial",
        out.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let format = match info.container.split(',').next() {
        Some("matroska") => "matroska",
        _ => "mp4",
    };
    let run = tokio::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-ss",
            &format!("{start:.3}"),
        ])
        .arg("-i")
        .arg(video)
        .args(["-t", &format!("{:.3}", end - start)])
        // Every stream as it is; timestamps from zero at the keyframe the cut starts on.
        .args(["-map", "0:v:0", "-map", "0:a?", "-c", "copy"])
        .args(["-avoid_negative_ts", "make_zero"])
        .args(["-f", format])
        .args(match format {
            "mp4" => &["-movflags", "+faststart"][..],
            _ => &[][..],
        })
        .arg(&partial)
        .kill_on_drop(true)
        .output();
    let failed = |reason: String| {
        let _ = std::fs::remove_file(&partial);
        TrimError::Ffmpeg {
            file: shown.clone(),
            reason,
        }
    };
    let output = match tokio::time::timeout(TIMEOUT, run).await {
        Err(_) => {
            let _ = std::fs::remove_file(&partial);
            return Err(TrimError::Timeout(shown));
        }
        Ok(Err(e)) => return Err(failed(format!("cannot run ffmpeg: {e}"))),
        Ok(Ok(o)) => o,
    };
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr)
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("ffmpeg failed")
            .trim()
            .to_string();
        return Err(failed(why));
    }
    let cut = match probe(&partial).await {
        Ok(i) => i,
        Err(e) => return Err(failed(e.to_string())),
    };
    if out.exists() {
        let _ = std::fs::remove_file(&partial);
        return Err(TrimError::Exists(out.display().to_string()));
    }
    std::fs::rename(&partial, &out).map_err(|e| failed(e.to_string()))?;
    Ok((out, cut))
}

/// A strip of `frames` small pictures across the video, side by side in one JPEG (one
/// ffmpeg run), for choosing where to cut.
pub async fn strip(video: &Path, frames: u32, out: &Path) -> Result<(), TrimError> {
    let info = probe(video).await?;
    let shown = video.display().to_string();
    let every = info.duration / f64::from(frames.max(1));
    let run = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y", "-i"])
        .arg(video)
        .args([
            "-vf",
            &format!("fps=1/{every:.3},scale=160:-2,tile={frames}x1"),
            "-frames:v",
            "1",
            "-q:v",
            "5",
            "-an",
        ])
        .arg(out)
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(TIMEOUT, run).await {
        Err(_) => Err(TrimError::Timeout(shown)),
        Ok(Ok(o)) if o.status.success() && out.exists() => Ok(()),
        Ok(Ok(o)) => Err(TrimError::Ffmpeg {
            file: shown,
            reason: String::from_utf8_lossy(&o.stderr).trim().to_string(),
        }),
        Ok(Err(e)) => Err(TrimError::Ffmpeg {
            file: shown,
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 s with a keyframe every 2 s (as a phone records).
    fn clip(dir: &Path) -> PathBuf {
        crate::test_clip::clip(
            dir,
            "class.mp4",
            60,
            &["-c:v", "libx264", "-preset", "ultrafast", "-g", "20"],
        )
    }

    #[tokio::test]
    async fn cuts_ten_to_forty_into_a_new_file_and_leaves_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let video = clip(dir.path());
        let before = std::fs::read(&video).unwrap();
        let (out, info) = trim(&video, 10.0, Some(40.0), None).await.unwrap();
        assert_eq!(out, dir.path().join("class.trimmed.mp4"));
        // ±1 keyframe interval (2 s): a copy starts on a keyframe.
        assert!((info.duration - 30.0).abs() <= 2.0, "{info:?}");
        assert_eq!(
            std::fs::read(&video).unwrap(),
            before,
            "the original changed"
        );
        // A second cut never overwrites the first.
        let (again, _) = trim(&video, 0.0, Some(5.0), None).await.unwrap();
        assert_eq!(again, dir.path().join("class.trimmed-2.mp4"));
        assert!(matches!(
            trim(&video, 0.0, None, Some(&out)).await,
            Err(TrimError::Exists(_))
        ));
    }

    #[tokio::test]
    async fn a_range_outside_the_video_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let video = clip(dir.path());
        for (start, end) in [(40.0, Some(10.0)), (70.0, None), (-1.0, Some(5.0))] {
            let e = trim(&video, start, end, None).await.unwrap_err();
            assert!(matches!(e, TrimError::Range { .. }), "{e}");
            assert!(e.to_string().contains("must come before the end"), "{e}");
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a file was left"
        );
    }

    #[tokio::test]
    async fn a_strip_is_one_jpeg_of_frames_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let video = clip(dir.path());
        let out = dir.path().join("strip.jpg");
        strip(&video, 8, &out).await.unwrap();
        let size = crate::headers::jpeg_size(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(size, (8 * 160, 120));
    }
}
