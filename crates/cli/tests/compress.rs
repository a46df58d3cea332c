//! `idance upload --compress`: a 1080p clip far above what a class needs is encoded
//! again while it uploads and the compressed copy is what is stored; a modest clip goes
//! up as it is; a copy that would not fit is not started; an encode killed half-way is
//! never uploaded truncated (the original is sent instead).

mod common;

use common::{assert_ok, idance, make_video, serve, token};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// 20 s of 1080p at about 20 Mbit/s, as a phone films.
fn phone_clip(dir: &Path) -> PathBuf {
    idance_tests::phone_clip(dir, "phone.mp4", 20)
}

fn jobs(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn a_phone_clip_is_compressed_while_it_uploads_and_the_copy_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(idance(dir.path()));
    let tok = token(idance(dir.path()), "instructor-1");
    let clip = phone_clip(dir.path());
    let original = std::fs::read(&clip).unwrap();
    let out = idance(dir.path())
        .args(["--server", &server.base, "--token", &tok])
        .arg("upload")
        .arg(&clip)
        .args(["--session", "new", "--compress", "auto", "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    let jobs = jobs(&out);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let job = &jobs[0];
    assert_eq!(job["state"], "completed", "{job}");
    let copy = PathBuf::from(job["file"].as_str().unwrap());
    assert_eq!(
        copy,
        dir.path().join("client/optimized/phone.optimized.mp4")
    );
    let copy_bytes = std::fs::read(&copy).unwrap();
    assert!(
        copy_bytes.len() * 2 < original.len(),
        "{} → {} bytes",
        original.len(),
        copy_bytes.len()
    );
    common::decodes_cleanly(&copy);
    let info = common::probe(&copy);
    assert!(
        (info["duration"].as_f64().unwrap() - 20.0).abs() < 0.5,
        "{info}"
    );
    assert_eq!(info["height"], 1080);
    let stored =
        idance_tests::download_stored(&server.base, &tok, job["file_key"].as_str().unwrap()).await;
    assert!(
        stored == copy_bytes,
        "the stored object is not the compressed copy"
    );
    assert!(
        std::fs::read(&clip).unwrap() == original,
        "the original changed"
    );
}

#[tokio::test]
async fn a_modest_clip_goes_up_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(idance(dir.path()));
    let tok = token(idance(dir.path()), "instructor-1");
    let clip = dir.path().join("screen.mp4");
    // 1.5 Mbit/s at 720p, as a screen recording.
    make_video(
        &clip,
        "testsrc2=size=1280x720:rate=30:duration=5",
        &["-b:v", "1500k", "-maxrate", "1500k", "-bufsize", "3M"],
    );
    let out = idance(dir.path())
        .args(["--server", &server.base, "--token", &tok])
        .arg("upload")
        .arg(&clip)
        .args(["--session", "new", "--compress", "auto", "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    let jobs = jobs(&out);
    assert_eq!(jobs[0]["file"], clip.display().to_string(), "{jobs:?}");
    let stored =
        idance_tests::download_stored(&server.base, &tok, jobs[0]["file_key"].as_str().unwrap())
            .await;
    assert!(stored == std::fs::read(&clip).unwrap());
    assert!(
        !dir.path()
            .join("client/optimized/screen.optimized.mp4")
            .exists()
    );
}

/// The copies' folder on a 24 MiB disk: the copy (~12 MB + the reserve) would not fit,
/// so it is not started and the original is queued as it is.
#[test]
fn a_copy_that_would_not_fit_is_not_started() {
    let dir = tempfile::tempdir().unwrap();
    let copies = dir.path().join("client/optimized");
    let _disk = idance_tests::SmallDisk::mount(&copies, 24);
    let clip = phone_clip(dir.path());
    let out = idance(dir.path())
        .arg("upload")
        .arg(&clip)
        .args([
            "--session",
            "new",
            "--compress",
            "auto",
            "--queue-only",
            "--json",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    let jobs = jobs(&out);
    assert_eq!(jobs[0]["file"], clip.display().to_string(), "{jobs:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("only") && said.contains("MB are free"),
        "{said}"
    );
    assert_eq!(std::fs::read_dir(&copies).unwrap().count(), 0);
}

/// kill -9 while encoding: the copy's growing job is not uploaded as it stands; the
/// next `idance sync` sends the original in its place.
#[tokio::test]
async fn an_encode_killed_half_way_sends_the_original_instead() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(idance(dir.path()));
    let tok = token(idance(dir.path()), "instructor-1");
    let clip = phone_clip(dir.path());
    let mut child = idance(dir.path())
        .args(["--server", &server.base, "--token", &tok])
        .arg("upload")
        .arg(&clip)
        .args(["--session", "new", "--compress", "always", "--limit", "1M"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let copy = dir.path().join("client/optimized/phone.optimized.mp4");
    let start = Instant::now();
    while std::fs::metadata(&copy).map(|m| m.len()).unwrap_or(0) < 2_000_000 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the encode never began"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = idance(dir.path())
        .args(["--server", &server.base, "--token", &tok])
        .args(["sync", "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    let listed = idance(dir.path())
        .args(["queue", "--json"])
        .output()
        .unwrap();
    let jobs = jobs(&listed);
    let video = |file: &Path| {
        jobs.iter()
            .find(|j| j["file"] == file.display().to_string())
            .unwrap_or_else(|| panic!("no job for {}: {jobs:?}", file.display()))
    };
    assert_eq!(video(&copy)["state"], "cancelled", "{jobs:?}");
    let sent = video(&clip);
    assert_eq!(sent["state"], "completed", "{jobs:?}");
    let stored =
        idance_tests::download_stored(&server.base, &tok, sent["file_key"].as_str().unwrap()).await;
    assert!(
        stored == std::fs::read(&clip).unwrap(),
        "the stored video is not the original"
    );
}
