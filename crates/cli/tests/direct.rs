//! `--direct`: uploading to one's own bucket (Garage here) with no iDance backend.

mod common;

use common::{idance, make_video, md5_hex, serve, token};
use idance_tests::download_stored as download;
use std::process::Command;

/// `cmd` with the Garage of this test run as the bucket.
fn garage_env(mut cmd: Command) -> Command {
    let var = |n: &str| {
        std::env::var(n)
            .unwrap_or_else(|_| panic!("{n} is not set: run scripts/test (it starts Garage)"))
    };
    cmd.env("S3_BUCKET_NAME", var("IDANCE_TEST_S3_BUCKET"))
        .env("S3_ENDPOINT_URL", var("IDANCE_TEST_S3_ENDPOINT"))
        .env("AWS_REGION", var("IDANCE_TEST_S3_REGION"))
        .env("AWS_ACCESS_KEY_ID", var("IDANCE_TEST_S3_ACCESS_KEY"))
        .env("AWS_SECRET_ACCESS_KEY", var("IDANCE_TEST_S3_SECRET_KEY"));
    cmd
}

#[tokio::test]
async fn direct_mode_uploads_to_the_bucket_without_a_backend() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("own.mp4");
    make_video(
        &video,
        "testsrc2=size=640x360:rate=25:duration=3,noise=alls=60:allf=t+u",
        &["-b:v", "40000k", "-maxrate", "100M", "-bufsize", "100M"],
    );
    let data = std::fs::read(&video).unwrap();

    let out = garage_env(idance(dir.path()))
        .args(["--direct", "upload", "--session", "new", "--json"])
        .arg(&video)
        .output()
        .unwrap();
    common::assert_ok(&out);
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(job["state"], "completed", "{job}");
    let key = job["file_key"].as_str().unwrap().to_string();
    assert!(key.starts_with("sessions/direct/"), "{key}");

    // Read it back through a service over the same bucket and the direct-mode records.
    let records = dir.path().join("client/direct");
    let server = serve(garage_env(idance(&records)));
    let token = token(garage_env(idance(&records)), "direct");
    let got = download(&server.base, &token, &key).await;
    assert_eq!(md5_hex(&got), md5_hex(&data), "stored object differs");
}

#[test]
fn direct_mode_without_a_bucket_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("x.mp4");
    std::fs::write(&video, b"x").unwrap();
    let out = idance(dir.path())
        .args(["--direct", "upload", "--session", "new"])
        .arg(&video)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("S3_BUCKET_NAME"));
}
