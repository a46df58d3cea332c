//! The `idance` binary as scripts use it: `serve` announces its address, `token` makes
//! tokens that server accepts, config errors exit 2 naming the variable.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_idance");

fn clean_command(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir);
    for var in [
        "S3_BUCKET_NAME",
        "JWT_SECRET",
        "DATABASE_URL",
        "MAX_UPLOAD_MB",
        "PRESIGN_EXPIRES_SECONDS",
        "CORS_ALLOWED_ORIGINS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[tokio::test]
async fn serve_prints_its_address_and_accepts_tokens_from_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = clean_command(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
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
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let out = clean_command(dir.path())
        .args(["token", "--user", "cli_user", "--ttl", "2m"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(token.split('.').count(), 3, "not a JWT: {token}");

    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/api/sessions/start"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    // A token from another data dir (another secret) is refused.
    let other = tempfile::tempdir().unwrap();
    let out = clean_command(other.path())
        .args(["token", "--user", "cli_user"])
        .output()
        .unwrap();
    let foreign = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let r = http
        .post(format!("{base}/api/sessions/start"))
        .bearer_auth(&foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn config_and_usage_errors_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = clean_command(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("MAX_UPLOAD_MB", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MAX_UPLOAD_MB"), "{err}");

    let out = clean_command(dir.path())
        .args(["token", "--user", "no spaces allowed"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("user id"));

    let out = clean_command(dir.path())
        .args(["token", "--user", "u", "--ttl", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
