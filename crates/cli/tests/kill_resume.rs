//! kill -9 of a real `idance upload` process mid-upload, then `idance sync`: the object
//! completes byte-identical and nothing storage already had is sent again (asserted
//! from the server's part list and the client's own byte counter, not from timing).

mod common;

use common::{idance, make_video, md5_hex, plan, serve, stored_bytes, token};
use idance_tests::download_stored as download;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[tokio::test]
async fn kill_9_mid_upload_then_sync_resends_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("srv");
    let client_dir = dir.path().join("cli");
    let server = serve(idance(&server_dir));
    let base = server.base.clone();
    let token = token(idance(&server_dir), "killer");

    // ~40 MB real video: 5 parts of 8 MiB.
    let video = dir.path().join("long.mp4");
    make_video(
        &video,
        "testsrc2=size=640x360:rate=25:duration=4,noise=alls=60:allf=t+u",
        &["-b:v", "80000k", "-maxrate", "200M", "-bufsize", "200M"],
    );
    let data = std::fs::read(&video).unwrap();
    let size = data.len() as u64;
    assert!(size > 32 * 1024 * 1024, "video too small: {size}");

    let mut uploader = idance(&client_dir)
        .args([
            "--server",
            &base,
            "--token",
            &token,
            "upload",
            "--session",
            "new",
            "--limit",
            "6M",
        ])
        .arg(&video)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let queue_db = client_dir.join("client/queue.db");
    let started = Instant::now();
    let (upload_id, key) = loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the upload never started"
        );
        if let Some(p) = plan(&queue_db)
            && stored_bytes(&base, &token, &p.0, &p.1).await >= size / 2
        {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    uploader.kill().unwrap(); // SIGKILL
    let _ = uploader.wait();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stored_at_kill = stored_bytes(&base, &token, &upload_id, &key).await;
    assert!(stored_at_kill < size, "the upload finished before the kill");

    let out = idance(&client_dir)
        .args([
            "--server",
            &base,
            "--token",
            &token,
            "sync",
            "--json",
            "--timeout",
            "2m",
        ])
        .output()
        .unwrap();
    common::assert_ok(&out);
    // One line per job: the video's thumbnail, sent with it, and the video.
    let job: serde_json::Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|j| j["file"].as_str().is_some_and(|f| f.ends_with(".mp4")))
        .expect("the video's line");
    assert_eq!(job["state"], "completed", "{job}");
    let resent = job["bytes_sent"].as_u64().unwrap();
    assert!(
        resent > 0 && resent <= size - stored_at_kill,
        "sync sent {resent} bytes; {} were missing",
        size - stored_at_kill
    );

    let got = download(&base, &token, job["file_key"].as_str().unwrap()).await;
    assert_eq!(md5_hex(&got), md5_hex(&data), "resumed object differs");
    assert!(video.exists(), "the user's file must never be touched");
}
