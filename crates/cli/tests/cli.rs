//! The `idance` binary as scripts use it: `serve` announces its address, `token` makes
//! tokens that server accepts, config errors exit 2 naming the variable.

mod common;

use common::{idance, make_video, serve, token};

#[tokio::test]
async fn serve_prints_its_address_and_accepts_tokens_from_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(idance(dir.path()));
    let base = server.base.clone();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let out = idance(dir.path())
        .args(["token", "--user", "cli_user", "--ttl", "2m"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token_ = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(token_.split('.').count(), 3, "not a JWT: {token_}");

    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/api/sessions/start"))
        .bearer_auth(&token_)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    // A token from another data dir (another secret) is refused.
    let other = tempfile::tempdir().unwrap();
    let foreign = token(idance(other.path()), "cli_user");
    let r = http
        .post(format!("{base}/api/sessions/start"))
        .bearer_auth(&foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // upload: a real video is stored and its session completed; NDJSON job objects.
    let video = dir.path().join("class.mp4");
    make_video(&video, "testsrc=size=320x240:rate=10:duration=3", &[]);
    let upload = |file: &std::path::Path, extra: &[&str]| {
        idance(dir.path())
            .args([
                "--server",
                &base,
                "--token",
                &token_,
                "upload",
                "--session",
                "new",
            ])
            .args(extra)
            .arg(file)
            .output()
            .unwrap()
    };
    let out = upload(&video, &["--json"]);
    common::assert_ok(&out);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["state"], "completed", "{line}");
    assert_eq!(line["size"], std::fs::metadata(&video).unwrap().len());
    assert_eq!(line["bytes_sent"], line["size"]);
    for field in ["job_id", "session_id", "file", "file_key"] {
        assert!(line[field].is_string(), "{field} missing in {line}");
    }
    let queued = || {
        idance(dir.path())
            .args(["queue", "--json"])
            .output()
            .unwrap()
            .stdout
    };
    // The video, and the thumbnail `upload` made and sent with it.
    let listed: Vec<serde_json::Value> = String::from_utf8_lossy(&queued())
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().any(|j| j["job_id"] == line["job_id"]));
    assert!(
        listed
            .iter()
            .any(|j| j["file"].as_str().is_some_and(|f| f.ends_with(".jpg"))
                && j["state"] == "completed"),
        "no thumbnail sent: {listed:?}"
    );

    // A file that is not a video: exit 1, one line naming it, nothing queued.
    let junk = dir.path().join("notes.mp4");
    std::fs::write(&junk, b"not a video").unwrap();
    let out = upload(&junk, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.mp4"));
    assert_eq!(
        String::from_utf8_lossy(&queued()).lines().count(),
        2,
        "the bad file was queued"
    );
}

#[test]
fn uses_the_server_and_token_the_desktop_app_saved() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(idance(dir.path()));
    let tok = token(idance(dir.path()), "instructor-9");
    // What the app writes: its settings store and (without a keychain) the secrets file.
    std::fs::write(
        dir.path().join("settings.json"),
        serde_json::json!({"backend": {"mode": "remote", "server_url": served.base}}).to_string(),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("client")).unwrap();
    std::fs::write(
        dir.path().join("client/secrets.json"),
        serde_json::json!({"sign-in-token": tok}).to_string(),
    )
    .unwrap();
    let video = dir.path().join("class.mp4");
    make_video(&video, "testsrc=size=320x240:rate=10:duration=2", &[]);
    let out = idance(dir.path())
        .args(["upload", "--session", "new", "--json"])
        .arg(&video)
        .output()
        .unwrap();
    common::assert_ok(&out);
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["state"], "completed", "{line}");
    assert!(
        line["file_key"]
            .as_str()
            .unwrap()
            .starts_with("sessions/instructor-9/")
    );
}

#[test]
fn config_and_usage_errors_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = idance(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("MAX_UPLOAD_MB", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MAX_UPLOAD_MB"), "{err}");

    let out = idance(dir.path())
        .args(["token", "--user", "no spaces allowed"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("user id"));

    let out = idance(dir.path())
        .args(["token", "--user", "u", "--ttl", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn json_logs_are_one_object_a_line_naming_the_route_not_the_path() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let mut child = idance(dir.path())
        .env("IDANCE_LOG_FORMAT", "json")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();
    let secret_path = "/api/s3/files/sessions/someone/s1/20261202_000000_abc.mp4/url";
    let answer = http
        .get(format!("{base}{secret_path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let t = token(idance(dir.path()), "log-user");
    let started = http
        .post(format!("{base}/api/sessions/start"))
        .bearer_auth(&t)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["message"] == "request")
        .unwrap_or_else(|| panic!("no request line in {text}"));
    assert_eq!(
        request["route"], "/api/s3/files/{file_key}/url",
        "{request}"
    );
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 401);
    assert!(request["latency_ms"].is_u64(), "{request}");
    assert!(
        request["timestamp"].is_string() && request["level"] == "INFO",
        "{request}"
    );
    assert!(
        !text.contains("someone"),
        "a key's user id reached the log: {text}"
    );
    assert_eq!(request["user"], "", "no user before sign-in: {request}");
    let signed_in = lines
        .iter()
        .find(|l| l["message"] == "request" && l["route"] == "/api/sessions/start")
        .unwrap_or_else(|| panic!("no start line in {text}"));
    assert_eq!(signed_in["user"], "log-user", "{signed_in}");
    assert!(!text.contains(&t), "a token reached the log");
}
