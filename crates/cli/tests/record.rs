//! `idance record`: real recordings of an Xvfb screen (x11grab) with a lavfi test tone
//! standing in for the microphone.

mod common;

use common::{decodes_cleanly, idance, probe, serve, token, xvfb};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TONE: &str = "--mic=lavfi:sine=frequency=440:sample_rate=48000";

fn stdout_path(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits until `file` holds at least `bytes`.
fn wait_for_bytes(file: &Path, bytes: u64) {
    let start = Instant::now();
    while std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) < bytes {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{} never grew",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A dead microphone (digital silence) is said within seconds of its tenth silent
/// second; the recording goes on to its end.
#[test]
fn a_microphone_silent_for_ten_seconds_is_warned_of() {
    let (_x, display) = xvfb();
    let dir = tempfile::tempdir().unwrap();
    let out = idance(dir.path())
        .env("DISPLAY", &display)
        .args([
            "record",
            "--screen",
            "--mic=lavfi:anullsrc=r=48000:cl=mono",
            "--duration",
            "14s",
        ])
        .output()
        .unwrap();
    common::assert_ok(&out);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("warning: the microphone has heard nothing for 10 s: check that it is plugged in, switched on and not muted"),
        "{said}"
    );
    let info = probe(Path::new(&stdout_path(&out)));
    assert!(info["duration"].as_f64().unwrap() > 12.0, "{info}");
}

#[test]
fn twenty_seconds_of_screen_and_mic_stop_by_themselves_as_h264_aac() {
    let (_x, display) = xvfb();
    let dir = tempfile::tempdir().unwrap();
    let out = idance(dir.path())
        .env("DISPLAY", &display)
        .args(["record", "--screen", TONE, "--duration", "20s"])
        .output()
        .unwrap();
    common::assert_ok(&out);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("microphone has heard nothing"),
        "a tone was taken for silence"
    );
    let file = stdout_path(&out);
    assert!(
        file.starts_with(&dir.path().join("client/recordings").display().to_string()),
        "{file}"
    );
    let info = probe(Path::new(&file));
    assert_eq!(info["video_codec"], "h264", "{info}");
    assert_eq!(info["audio_codec"], "aac", "{info}");
    assert_eq!(
        (info["width"].as_u64(), info["height"].as_u64()),
        (Some(1280), Some(720))
    );
    let duration = info["duration"].as_f64().unwrap();
    assert!((19.5..=20.6).contains(&duration), "duration {duration}");
    decodes_cleanly(Path::new(&file));
    assert!(
        !Path::new(&format!("{file}.recording")).exists(),
        "a finished recording keeps no recovery marker"
    );
}

#[test]
fn ctrl_c_stops_gracefully_and_never_overwrites() {
    let (_x, display) = xvfb();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("class.mp4");
    let child = idance(dir.path())
        .env("DISPLAY", &display)
        .args(["record", "--screen", TONE, "--out"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_bytes(&file, 100_000);
    std::thread::sleep(Duration::from_secs(2));
    signal(child.id(), "-INT");
    let out = child.wait_with_output().unwrap();
    common::assert_ok(&out);
    assert_eq!(stdout_path(&out), file.display().to_string());
    let info = probe(&file);
    assert!(info["duration"].as_f64().unwrap() >= 2.0, "{info}");
    decodes_cleanly(&file);

    // The same --out again: refused (exit 2), the recording untouched.
    let before = std::fs::read(&file).unwrap();
    let again = idance(dir.path())
        .env("DISPLAY", &display)
        .args(["record", "--screen", "--duration", "1", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

/// Paused, then resumed, then paused again and killed -9: the file holds both parts,
/// plays to its end without an error, and is offered for recovery.
#[test]
fn kill_9_while_paused_leaves_a_playable_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("paused.mp4");
    let started = Instant::now();
    let mut child = idance(dir.path())
        .args([
            "record",
            "--screen=lavfi:testsrc2=size=320x240:rate=15",
            TONE,
        ])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_bytes(&out, 50_000);
    std::thread::sleep(Duration::from_secs(2));
    signal(child.id(), "-USR1"); // pause
    std::thread::sleep(Duration::from_secs(2));
    signal(child.id(), "-USR1"); // resume
    std::thread::sleep(Duration::from_secs(3));
    signal(child.id(), "-USR1"); // pause
    std::thread::sleep(Duration::from_secs(2));
    let paused = std::fs::metadata(&out).unwrap().len();
    let wall = started.elapsed().as_secs_f64();
    child.kill().unwrap(); // SIGKILL while paused
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(std::fs::metadata(&out).unwrap().len(), paused);
    let secs = probe(&out)["duration"].as_f64().unwrap();
    // Both parts are there (at least 2 s + 3 s less each start's moment), and neither
    // pause (2 s each) is.
    assert!(
        secs >= 4.0 && secs <= wall - 3.0,
        "{secs} s recorded in {wall} s"
    );
    decodes_cleanly(&out);
    let offered = idance_media::record::unfinished(dir.path());
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert_eq!(offered[0].path, out);
}

#[test]
fn kill_9_mid_recording_leaves_a_playable_prefix_that_is_offered_for_recovery() {
    let (_x, display) = xvfb();
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("client/recordings");
    let mut child = idance(dir.path())
        .env("DISPLAY", &display)
        .args(["record", "--screen", TONE])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let file = loop {
        let found = std::fs::read_dir(&recordings)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "mp4"));
        if let Some(f) = found {
            break f;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no recording appeared"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    wait_for_bytes(&file, 150_000);
    std::thread::sleep(Duration::from_secs(2));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // ffmpeg loses its reader and exits: the file stops growing.
    let mut len = std::fs::metadata(&file).unwrap().len();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = std::fs::metadata(&file).unwrap().len();
        if now == len {
            break;
        }
        len = now;
    }
    let info = probe(&file);
    assert!(info["duration"].as_f64().unwrap() >= 1.0, "{info}");
    assert_eq!(info["video_codec"], "h264");
    decodes_cleanly(&file);

    // The next recording notices the unfinished one, and leaves it as it is.
    let before = std::fs::read(&file).unwrap();
    let next = idance(dir.path())
        .env("DISPLAY", &display)
        .args(["record", "--screen", "--duration", "1"])
        .output()
        .unwrap();
    common::assert_ok(&next);
    let note = String::from_utf8_lossy(&next.stderr);
    assert!(
        note.contains(&file.display().to_string()) && note.contains("not finished"),
        "{note}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[tokio::test]
async fn uploads_while_recording_and_stores_the_identical_file_and_its_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(idance(dir.path()));
    let tok = token(idance(dir.path()), "instructor-1");
    // Noise makes a big recording (~60 Mbit/s): several 8 MiB parts while it runs.
    let mut child = idance(dir.path())
        .args(["--server", &server.base, "--token", &tok])
        .args([
            "record",
            "--screen=lavfi:testsrc2=size=1280x720:rate=30,noise=alls=30:allf=t",
            TONE,
            "--duration",
            "8",
            "--upload",
            "--session",
            "new",
            "--title",
            "Morning salsa",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // While it records, parts are already stored and confirmed in the queue.
    let queue = idance_core::Queue::open(&dir.path().join("client/queue.db")).unwrap();
    let start = Instant::now();
    let parts_while_recording = loop {
        let jobs = queue.jobs().await.unwrap();
        if let Some(job) = jobs.iter().find(|j| j.growing) {
            let parts = queue.parts(job.job_id.clone()).await.unwrap().len();
            if parts >= 2 {
                break parts;
            }
        }
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "idance record ended before any part was stored: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no part was uploaded while recording: {jobs:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(parts_while_recording >= 2);
    let out = child.wait_with_output().unwrap();
    common::assert_ok(&out);
    let file = stdout_path(&out);
    let listed = idance(dir.path())
        .args(["queue", "--json"])
        .output()
        .unwrap();
    let jobs: Vec<serde_json::Value> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(jobs.len(), 2, "video and thumbnail: {jobs:?}");
    assert!(jobs.iter().all(|j| j["state"] == "completed"), "{jobs:?}");
    let video = jobs
        .iter()
        .find(|j| j["file"] == file.as_str())
        .expect("the video job");
    let key = video["file_key"].as_str().unwrap();
    let stored = idance_tests::download_stored(&server.base, &tok, key).await;
    let local = std::fs::read(&file).unwrap();
    assert!(
        local.len() > 3 * 8 * 1024 * 1024,
        "a multi-part recording: {}",
        local.len()
    );
    assert_eq!(stored, local, "stored object differs");
    let thumb = jobs.iter().find(|j| j["file"] != file.as_str()).unwrap();
    let jpeg =
        idance_tests::download_stored(&server.base, &tok, thumb["file_key"].as_str().unwrap())
            .await;
    assert_eq!(&jpeg[..3], [0xFF, 0xD8, 0xFF], "thumbnail is not a JPEG");
}

/// Paused by SIGUSR1 after parts went up, resumed by Enter (`--pause-key`): the file
/// stops growing while paused, `--duration` counts recorded time, the parts sent while
/// recording stay valid, and the stored object is the file.
#[tokio::test]
async fn a_recording_paused_and_resumed_uploads_as_one_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let server = serve(idance(dir.path()));
    let tok = token(idance(dir.path()), "instructor-1");
    let mut child = idance(dir.path())
        .args(["--server", &server.base, "--token", &tok])
        .args([
            "record",
            "--screen=lavfi:testsrc2=size=1280x720:rate=30,noise=alls=30:allf=t",
            TONE,
            "--duration",
            "10",
            "--pause-key",
            "--upload",
            "--session",
            "new",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let queue = idance_core::Queue::open(&dir.path().join("client/queue.db")).unwrap();
    let start = Instant::now();
    let job = loop {
        let jobs = queue.jobs().await.unwrap();
        if let Some(job) = jobs.iter().find(|j| j.growing)
            && queue.parts(job.job_id.clone()).await.unwrap().len() >= 2
        {
            break job.clone();
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "idance record ended early"
        );
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no part uploaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    signal(child.id(), "-USR1");
    // ffmpeg finishes its last fragment, then nothing more is written.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let paused_size = std::fs::metadata(&job.file).unwrap().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        std::fs::metadata(&job.file).unwrap().len(),
        paused_size,
        "the file grew while paused"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "a pause ended the recording"
    );
    child.stdin.as_mut().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    common::assert_ok(&out);
    let elapsed = start.elapsed();
    let file = stdout_path(&out);
    assert_eq!(file, job.file);
    let info = probe(Path::new(&file));
    let secs = info["duration"].as_f64().unwrap();
    assert!((secs - 10.0).abs() < 0.6, "{secs} s recorded");
    assert!(
        elapsed > Duration::from_secs(14),
        "the pause was not a pause: {elapsed:?}"
    );
    decodes_cleanly(Path::new(&file));
    let job = queue.job(job.job_id.clone()).await.unwrap();
    assert_eq!(job.state, idance_core::JobState::Completed, "{job:?}");
    let idance_core::Transfer::Stored { key, .. } = &job.transfer else {
        panic!("not stored: {job:?}");
    };
    let stored = idance_tests::download_stored(&server.base, &tok, key).await;
    assert!(
        stored == std::fs::read(&file).unwrap(),
        "stored object differs"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = idance(dir.path()).args(["record", TONE]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("screen and/or a camera"));
}
