//! The CLI on Windows for real: `idance.exe` built with mingw, run by Wine against a
//! Linux `idance serve` on 127.0.0.1. What an instructor's Windows laptop does: an
//! upload from a folder with spaces and accents completes byte-identical; uploads
//! queued offline complete with `idance sync` once the service is back; a process
//! killed mid-upload resumes with only the missing parts. (What Wine cannot show — the
//! Windows keychain, ffmpeg for Windows — is in the README's Platforms table.)

mod common;

use common::{idance, make_video, md5_hex, plan, serve, serve_on, stored_bytes, token};
use idance_tests::download_stored as download;
use idance_tests::wine::Wine;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// A Windows user of one test (each its own, so the tests share Wine's prefix, not
/// their folders): its data folder and its video, as Windows names them.
struct User {
    name: String,
    data_dir: String,
    video: String,
}

impl User {
    fn new(wine: &Wine, name: &str) -> User {
        let _ = std::fs::remove_dir_all(wine.c_drive(&format!("users/{name}")));
        User {
            name: name.to_string(),
            data_dir: format!(r"C:\Users\{name}\AppData\Roaming\iDance Capture"),
            video: format!(r"C:\Users\{name}\Vídeos\aula 1.mp4"),
        }
    }

    /// Where a file of this user's is on this machine.
    fn here(&self, wine: &Wine, rest: &str) -> std::path::PathBuf {
        wine.c_drive(&format!("users/{}/{rest}", self.name))
    }

    /// A real video at `video` from `source`; its bytes.
    fn make_video(&self, wine: &Wine, source: &str) -> Vec<u8> {
        let path = self.here(wine, "Vídeos/aula 1.mp4");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        make_video(
            &path,
            source,
            &["-b:v", "80000k", "-maxrate", "200M", "-bufsize", "200M"],
        );
        std::fs::read(&path).unwrap()
    }

    /// `idance.exe` with this user's data folder, against `base` with `token`.
    fn idance(&self, wine: &Wine, base: &str, token: &str) -> std::process::Command {
        let mut c = wine.idance();
        c.args([
            "--data-dir",
            &self.data_dir,
            "--server",
            base,
            "--token",
            token,
        ]);
        c
    }

    fn queue_db(&self, wine: &Wine) -> std::path::PathBuf {
        self.here(wine, "AppData/Roaming/iDance Capture/client/queue.db")
    }
}

/// The jobs `idance.exe … --json` printed, failing with its words if it failed.
fn jobs(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "idance.exe failed ({:?}): {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn the_video(jobs: &[serde_json::Value]) -> serde_json::Value {
    jobs.iter()
        .find(|j| j["file"].as_str().is_some_and(|f| f.ends_with(".mp4")))
        .cloned()
        .unwrap_or_else(|| panic!("no line for the video: {jobs:?}"))
}

/// The tests, named `under_wine::…`: they mostly wait on Wine, so `scripts/test` runs
/// them on their own, all at once.
mod under_wine {
    use super::*;

    #[tokio::test]
    async fn windows_uploads_from_a_folder_with_spaces_and_accents_byte_identical() {
        let wine = Wine::from_env();
        let dir = tempfile::tempdir().unwrap();
        let server = serve(idance(&dir.path().join("srv")));
        let token = token(idance(&dir.path().join("srv")), "jose");
        let user = User::new(&wine, "José");
        let data = user.make_video(&wine, "testsrc2=size=320x240:rate=25:duration=3");
        let out = user
            .idance(&wine, &server.base, &token)
            .args(["upload", &user.video, "--session", "new", "--json"])
            .output()
            .unwrap();
        let job = the_video(&jobs(&out));
        assert_eq!(job["state"], "completed", "{job}");
        assert_eq!(
            job["file"],
            user.video.as_str(),
            "the file as Windows names it"
        );
        let stored = download(&server.base, &token, job["file_key"].as_str().unwrap()).await;
        assert_eq!(md5_hex(&stored), md5_hex(&data), "stored bytes differ");
        // Its queue lives in the Windows data folder, spaces and accents and all.
        let queue = user.queue_db(&wine);
        assert!(queue.exists(), "{} missing", queue.display());
    }

    #[tokio::test]
    async fn windows_uploads_queued_offline_complete_with_sync_when_the_service_is_back() {
        let wine = Wine::from_env();
        let dir = tempfile::tempdir().unwrap();
        let srv = dir.path().join("srv");
        let token = token(idance(&srv), "jose");
        // A port nothing listens on yet: the service is down.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let user = User::new(&wine, "Ana María");
        let data = user.make_video(&wine, "testsrc2=size=320x240:rate=25:duration=3");
        let client = || user.idance(&wine, &base, &token);
        let queued = client()
            .args([
                "upload",
                &user.video,
                "--session",
                "new",
                "--queue-only",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(queued.status.success(), "{queued:?}");
        // Offline: sync gives up after its timeout and the job stays queued.
        let offline = client()
            .args(["sync", "--json", "--timeout", "3s"])
            .output()
            .unwrap();
        let waiting = String::from_utf8_lossy(&offline.stdout);
        assert!(!waiting.contains("\"completed\""), "{waiting}");
        let server = serve_on(idance(&srv), &format!("127.0.0.1:{port}"));
        let out = client()
            .args(["sync", "--json", "--timeout", "2m"])
            .output()
            .unwrap();
        let job = the_video(&jobs(&out));
        assert_eq!(job["state"], "completed", "{job}");
        let stored = download(&server.base, &token, job["file_key"].as_str().unwrap()).await;
        assert_eq!(md5_hex(&stored), md5_hex(&data), "stored bytes differ");
    }

    #[tokio::test]
    async fn a_killed_windows_upload_resumes_with_only_the_missing_parts() {
        let wine = Wine::from_env();
        let dir = tempfile::tempdir().unwrap();
        let server = serve(idance(&dir.path().join("srv")));
        let token = token(idance(&dir.path().join("srv")), "jose");
        // ~40 MB: 5 parts of 8 MiB.
        let user = User::new(&wine, "João");
        let data = user.make_video(
            &wine,
            "testsrc2=size=640x360:rate=25:duration=4,noise=alls=60:allf=t+u",
        );
        let size = data.len() as u64;
        assert!(size > 32 << 20, "video too small: {size}");
        let client = || user.idance(&wine, &server.base, &token);
        let mut uploader = client()
            .args(["upload", &user.video, "--session", "new", "--limit", "6M"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let queue_db = user.queue_db(&wine);
        let began = Instant::now();
        let (upload_id, key) = loop {
            assert!(began.elapsed() < Duration::from_secs(90), "never started");
            if let Some(p) = plan(&queue_db)
                && stored_bytes(&server.base, &token, &p.0, &p.1).await >= size / 2
            {
                break p;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // The Windows process itself (Wine runs it in this process): SIGKILL.
        uploader.kill().unwrap();
        let _ = uploader.wait();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let at_kill = stored_bytes(&server.base, &token, &upload_id, &key).await;
        assert!(at_kill < size, "finished before the kill");
        let out = client()
            .args(["sync", "--json", "--timeout", "2m"])
            .output()
            .unwrap();
        let job = the_video(&jobs(&out));
        assert_eq!(job["state"], "completed", "{job}");
        let resent = job["bytes_sent"].as_u64().unwrap();
        assert!(
            resent > 0 && resent <= size - at_kill,
            "sync sent {resent} bytes; {} were missing",
            size - at_kill
        );
        let stored = download(&server.base, &token, job["file_key"].as_str().unwrap()).await;
        assert_eq!(md5_hex(&stored), md5_hex(&data), "resumed object differs");
        assert!(
            user.here(&wine, "Vídeos/aula 1.mp4").exists(),
            "the user's file must never be touched"
        );
    }
}
