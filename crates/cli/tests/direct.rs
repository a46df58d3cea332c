//! `--direct`: uploading to one's own bucket (Garage here) with no iDance backend.

mod common;

use common::idance;
use md5::{Digest, Md5};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn garage_env(cmd: &mut Command) -> &mut Command {
    let var = |n: &str| {
        std::env::var(n)
            .unwrap_or_else(|_| panic!("{n} is not set: run scripts/test (it starts Garage)"))
    };
    cmd.env("S3_BUCKET_NAME", var("IDANCE_TEST_S3_BUCKET"))
        .env("S3_ENDPOINT_URL", var("IDANCE_TEST_S3_ENDPOINT"))
        .env("AWS_REGION", var("IDANCE_TEST_S3_REGION"))
        .env("AWS_ACCESS_KEY_ID", var("IDANCE_TEST_S3_ACCESS_KEY"))
        .env("AWS_SECRET_ACCESS_KEY", var("IDANCE_TEST_S3_SECRET_KEY"))
}

#[tokio::test]
async fn direct_mode_uploads_to_the_bucket_without_a_backend() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("own.mp4");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25:duration=3,noise=alls=60:allf=t+u",
        ])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "40000k",
            "-maxrate",
            "100M",
            "-bufsize",
            "100M",
        ])
        .arg(&video)
        .status()
        .unwrap();
    assert!(made.success());
    let data = std::fs::read(&video).unwrap();

    let out = garage_env(&mut idance(dir.path()))
        .args(["--direct", "upload", "--session", "new", "--json"])
        .arg(&video)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(job["state"], "completed", "{job}");
    let key = job["file_key"].as_str().unwrap().to_string();
    assert!(key.starts_with("sessions/direct/"), "{key}");

    // Read it back through a service over the same bucket and the direct-mode records.
    let records = dir.path().join("client/direct");
    let mut server = garage_env(&mut idance(&records))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().trim_start_matches("listening on ").to_string();
    let token = String::from_utf8(
        garage_env(&mut idance(&records))
            .args(["token", "--user", "direct"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let http = reqwest::Client::new();
    let url: serde_json::Value = http
        .get(format!("{base}/api/s3/files/{key}/url"))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let got = http
        .get(url["download_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        hex::encode(Md5::digest(&got)),
        hex::encode(Md5::digest(&data)),
        "stored object differs"
    );
    let _ = server.kill();
    let _ = server.wait();
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
