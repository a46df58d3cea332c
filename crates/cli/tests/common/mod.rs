//! What the binary's tests share: running `idance`, a served instance, test videos,
//! reading objects back.
// Each test binary uses only some of these.
#![allow(dead_code)]

use md5::{Digest, Md5};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_idance");

/// `idance --data-dir DIR` with none of the developer's settings leaking in.
pub fn idance(data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir);
    // Never the developer's keychain: the user-only file stands in for it.
    cmd.env("IDANCE_NO_KEYCHAIN", "1");
    for var in [
        "S3_BUCKET_NAME",
        "JWT_SECRET",
        "DATABASE_URL",
        "MAX_UPLOAD_MB",
        "PRESIGN_EXPIRES_SECONDS",
        "CORS_ALLOWED_ORIGINS",
        "IDANCE_TOKEN",
        "IDANCE_SERVER",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A running `idance serve`; stopped when dropped.
pub struct Served {
    child: Child,
    pub base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd serve --listen 127.0.0.1:0` and waits for its `listening on URL` line.
pub fn serve(cmd: Command) -> Served {
    serve_on(cmd, "127.0.0.1:0")
}

/// Runs `cmd serve --listen ADDR` and waits for its `listening on URL` line.
pub fn serve_on(mut cmd: Command, addr: &str) -> Served {
    let mut child = cmd
        .args(["serve", "--listen", addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Served { child, base }
}

/// The token `cmd token --user USER` prints.
pub fn token(mut cmd: Command, user: &str) -> String {
    let out = cmd.args(["token", "--user", user]).output().unwrap();
    assert_ok(&out);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Makes `path` with ffmpeg from a lavfi `source`, H.264 plus `extra` output options.
pub fn make_video(path: &Path, source: &str, extra: &[&str]) {
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            source,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .args(extra)
        .arg(path)
        .status()
        .expect("ffmpeg runs (scripts/install-deps installs it)");
    assert!(made.success(), "ffmpeg failed");
}

pub fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// A private X server for screen-capture tests (stopped when the first value drops).
pub fn xvfb() -> (idance_tests::desktop::Proc, String) {
    idance_tests::desktop::xvfb_sized("1280x720")
}

/// `idance probe FILE --json` as JSON.
pub fn probe(file: &Path) -> serde_json::Value {
    let out = Command::new(BIN)
        .args(["probe", "--json"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The command succeeded; else fails with its stderr.
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// ffmpeg decodes `file` to the end without one error line.
pub fn decodes_cleanly(file: &Path) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(
        out.stderr.is_empty(),
        "decode errors in {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// (upload_id, file_key) once the queue has recorded a multipart upload.
pub fn plan(queue_db: &std::path::Path) -> Option<(String, String)> {
    let conn = rusqlite::Connection::open(queue_db).ok()?;
    conn.query_row(
        "SELECT upload_id, file_key FROM jobs WHERE upload_id IS NOT NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .ok()
}

/// Bytes storage has of the multipart upload `upload_id` (its part list, all pages).
pub async fn stored_bytes(base: &str, token: &str, upload_id: &str, key: &str) -> u64 {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/s3/multipart/parts"))
        .bearer_auth(token)
        .json(&serde_json::json!({"file_key": key, "upload_id": upload_id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["parts"]
        .as_array()
        .map(|p| p.iter().map(|p| p["size"].as_u64().unwrap_or(0)).sum())
        .unwrap_or(0)
}
