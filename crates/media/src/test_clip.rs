//! Test clips made with ffmpeg's test source (ffmpeg from PATH, as in the app).

use std::path::{Path, PathBuf};

/// A 320x240, 10 fps test-pattern clip of `secs` seconds at `dir/name`, encoded with
/// `args` (codec, container flags).
pub fn clip(dir: &Path, name: &str, secs: u32, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let source = format!("testsrc=size=320x240:rate=10:duration={secs}");
    let ok = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", &source])
        .args(args)
        .arg(&path)
        .status()
        .expect("ffmpeg runs (scripts/install-deps installs it)")
        .success();
    assert!(ok, "ffmpeg could not make {name}");
    path
}

/// A 3-second AAC file with no picture at `dir/name` (an `.m4a`: MP4 header, no video).
pub fn audio_only(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=3",
            "-c:a",
            "aac",
        ])
        .arg(&path)
        .status()
        .expect("ffmpeg runs (scripts/install-deps installs it)")
        .success();
    assert!(ok, "ffmpeg could not make {name}");
    path
}
