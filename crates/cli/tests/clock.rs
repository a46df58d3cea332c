//! A signer whose clock is hours off makes every presigned URL expired at birth. The
//! job must wait with the clock reason within seconds (never a re-sign loop), and
//! `idance sync --timeout` must return on time. Real parts: `idance serve` under
//! faketime (3 hours behind) over Garage, which checks the URLs against its own clock.

mod common;

use common::{idance, make_video, serve, token};
use std::time::{Duration, Instant};

/// Runs `cmd` to the end, or kills it after `limit` and fails the test (a re-sign
/// loop would never end).
fn output_within(mut cmd: std::process::Command, limit: Duration) -> std::process::Output {
    use std::process::Stdio;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &id.to_string()])
                .status();
            panic!("still running after {limit:?}");
        }
    }
}

fn var(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the tests with scripts/test"))
}

#[test]
fn urls_expired_at_birth_make_the_job_wait_for_the_clock_and_sync_returns_on_time() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("server");
    let client_dir = dir.path().join("client");
    let video = dir.path().join("class.mp4");
    make_video(&video, "testsrc2=size=640x360:rate=25:duration=4", &[]);

    // libfaketime preloaded into idance itself (the `faketime` wrapper forks, and a
    // killed wrapper would leave the server running).
    let lib = std::fs::read_dir("/usr/lib")
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path().join("faketime/libfaketime.so.1")))
        .find(|p| p.exists())
        .expect("libfaketime (Debian's faketime package; scripts/install-deps installs it)");
    let mut cmd = idance(&server_dir);
    cmd.env("LD_PRELOAD", lib).env("FAKETIME", "-3h");
    cmd.env("S3_BUCKET_NAME", var("IDANCE_TEST_S3_BUCKET"))
        .env("S3_ENDPOINT_URL", var("IDANCE_TEST_S3_ENDPOINT"))
        .env("AWS_REGION", var("IDANCE_TEST_S3_REGION"))
        .env("AWS_ACCESS_KEY_ID", var("IDANCE_TEST_S3_ACCESS_KEY"))
        .env("AWS_SECRET_ACCESS_KEY", var("IDANCE_TEST_S3_SECRET_KEY"))
        .env("JWT_SECRET", "clock-test-secret-0123456789abcdef");
    let served = serve(cmd);
    let mut tok = idance(&server_dir);
    tok.env("JWT_SECRET", "clock-test-secret-0123456789abcdef");
    let token = token(tok, "teacher");

    let client = |args: &[&str]| {
        let mut c = idance(&client_dir);
        c.args(["--server", &served.base, "--token", &token])
            .args(args);
        c
    };
    let started = Instant::now();
    let out = output_within(
        client(&[
            "upload",
            video.to_str().unwrap(),
            "--session",
            "new",
            "--json",
        ]),
        Duration::from_secs(60),
    );
    let took = started.elapsed();
    let line: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap())
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(line["state"], "waiting", "{line}");
    assert_eq!(line["wait_reason"], "clock", "{line}");
    assert!(
        line["error"].as_str().unwrap().contains("clock"),
        "the reason names the clock: {line}"
    );
    assert_eq!(out.status.code(), Some(1), "a job left waiting is exit 1");
    assert!(took < Duration::from_secs(20), "took {took:?} to give up");

    // sync --timeout bounds the retries of a job that keeps being refused.
    let started = Instant::now();
    let out = output_within(
        client(&["sync", "--timeout", "8s", "--json"]),
        Duration::from_secs(60),
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8 + 6),
        "sync --timeout 8s took {took:?}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"wait_reason\":\"clock\""), "{text}");
    drop(served);
}
