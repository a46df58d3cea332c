//! Home uplinks, for real: `idance upload` runs in a network namespace of its own
//! behind a token bucket, against `idance serve` on this machine's side of the link.
//! A part slower than any whole-request timeout completes; a silent blackout and an
//! address change are noticed, and sending resumes within seconds (measured on the
//! link's own byte counter, not from the client's word).

mod common;

use common::{BIN, idance, make_video, md5_hex, token};
use idance_tests::download_stored as download;
use idance_tests::netns::Netns;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

struct Upload {
    child: Child,
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `idance upload FILE --session new` inside `link`, against `base`.
fn upload(link: &Netns, data: &Path, base: &str, token: &str, file: &Path) -> Upload {
    let child = link
        .command(Path::new(BIN))
        .arg("--data-dir")
        .arg(data)
        .env("IDANCE_NO_KEYCHAIN", "1")
        .env_remove("IDANCE_SERVER")
        .env_remove("IDANCE_TOKEN")
        .args([
            "--server",
            base,
            "--token",
            token,
            "upload",
            "--session",
            "new",
            "--json",
        ])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Upload { child }
}

/// Waits for the upload to end; the last completed job it printed.
fn finished(mut up: Upload, limit: Duration) -> serde_json::Value {
    let began = Instant::now();
    loop {
        if let Some(status) = up.child.try_wait().unwrap() {
            let out = std::mem::replace(
                &mut up.child,
                std::process::Command::new("true").spawn().unwrap(),
            )
            .wait_with_output()
            .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                status.success(),
                "upload failed: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            return stdout
                .lines()
                .rev()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|j| j["state"] == "completed" && j["file_key"].is_string())
                .unwrap_or_else(|| panic!("nothing completed: {stdout}"));
        }
        assert!(
            began.elapsed() < limit,
            "upload still running after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Seconds until `link` carries `bytes` more than now.
fn until_sent(link: &Netns, bytes: u64, limit: Duration) -> f64 {
    let (from, began) = (link.bytes_up(), Instant::now());
    while link.bytes_up() < from + bytes {
        assert!(
            began.elapsed() < limit,
            "the link carried under {bytes} bytes in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    began.elapsed().as_secs_f64()
}

/// A video of about `mb` MB (noise at a high bitrate: x264 cannot shrink it).
fn video(dir: &Path, mb: u32) -> (std::path::PathBuf, Vec<u8>) {
    let path = dir.join("class.mp4");
    make_video(
        &path,
        &format!(
            "testsrc2=size=640x360:rate=25:duration={},noise=alls=60:allf=t+u",
            mb.div_ceil(10)
        ),
        &["-b:v", "80000k", "-maxrate", "200M", "-bufsize", "200M"],
    );
    let data = std::fs::read(&path).unwrap();
    (path, data)
}

struct Setup {
    dir: tempfile::TempDir,
    _server: common::Served,
    base: String,
    token: String,
}

fn setup(link: &Netns) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("srv");
    let server = common::serve_on(idance(&server_dir), &format!("{}:0", link.host_ip));
    let base = server.base.clone();
    let token = token(idance(&server_dir), "teacher");
    Setup {
        dir,
        _server: server,
        base,
        token,
    }
}

async fn assert_stored(s: &Setup, done: &serde_json::Value, data: &[u8]) {
    let key = done["file_key"].as_str().unwrap();
    let stored = download(&s.base, &s.token, key).await;
    assert_eq!(stored.len(), data.len());
    assert_eq!(md5_hex(&stored), md5_hex(data), "stored bytes differ");
}

/// The tests, named `on_a_shaped_link::…`: they mostly wait on the link, so
/// `scripts/test` runs them four at a time on their own.
mod on_a_shaped_link {
    use super::*;

    /// About 10 MB over ~600 kbit/s: the first part (8 MiB, sharing the link with the
    /// second) takes over two minutes. A whole-request timeout (the 60 s the client had)
    /// cut it near its end again and again; nothing may be cut or sent twice.
    #[tokio::test]
    async fn a_part_that_takes_over_two_minutes_completes_sent_once() {
        let dir = tempfile::tempdir().unwrap();
        let (file, data) = video(dir.path(), 10);
        let size = data.len() as u64;
        // The rate that makes the whole file take 130 s.
        let kbit = size * 8 / 130 / 1000;
        let link = Netns::new(Some(&format!("{kbit}kbit")));
        let s = setup(&link);
        let began = Instant::now();
        let up = upload(&link, &s.dir.path().join("cli"), &s.base, &s.token, &file);
        let done = finished(up, Duration::from_secs(400));
        let took = began.elapsed();
        assert!(
            took > Duration::from_secs(120),
            "the link was faster than meant: {took:?}"
        );
        assert_stored(&s, &done, &data).await;
        let wire = link.bytes_up() as f64 / size as f64;
        assert!(
            wire < 1.06,
            "{wire:.2}× the file went over the link: parts were sent again"
        );
    }

    /// 20 s of silence (every packet dropped, no reset) mid-upload, after which the
    /// connections open before it stay dead (a router that forgot them): transfers are
    /// dropped as stalled, storage is probed each second, and sending resumes within
    /// seconds of the link coming back, not when some timeout ends.
    #[tokio::test]
    async fn a_silent_blackout_resumes_within_seconds_of_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let (file, data) = video(dir.path(), 40);
        let link = Netns::new(Some("20mbit"));
        let s = setup(&link);
        let up = upload(&link, &s.dir.path().join("cli"), &s.base, &s.token, &file);
        until_sent(&link, 6 << 20, Duration::from_secs(60));
        link.silent(true);
        link.forget_connections();
        // Shorter than the ~27 s after which this kernel gives up on a connection with
        // unanswered data by itself (then even a client with no stall rule moves on).
        std::thread::sleep(Duration::from_secs(20));
        link.silent(false);
        let resumed = until_sent(&link, 1 << 20, Duration::from_secs(90));
        assert!(
            resumed < 5.0,
            "sending resumed {resumed:.1} s after the blackout"
        );
        let done = finished(up, Duration::from_secs(120));
        assert_stored(&s, &done, &data).await;
        // The parts in flight when the link went silent are sent again, nothing else.
        let extra = link.bytes_up().saturating_sub(data.len() as u64);
        assert!(
            extra < 4 * (8 << 20) + (4 << 20),
            "{extra} bytes beyond the file"
        );
    }

    /// The client's address changes mid-upload (Wi-Fi to a hotspot): its connections are
    /// dead without a word; the change is noticed and sending resumes within seconds.
    #[tokio::test]
    async fn an_address_change_resumes_within_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let (file, data) = video(dir.path(), 40);
        let mut link = Netns::new(Some("20mbit"));
        let s = setup(&link);
        let up = upload(&link, &s.dir.path().join("cli"), &s.base, &s.token, &file);
        until_sent(&link, 6 << 20, Duration::from_secs(60));
        link.move_address();
        let resumed = until_sent(&link, 1 << 20, Duration::from_secs(60));
        assert!(
            resumed < 5.0,
            "sending resumed {resumed:.1} s after the address changed"
        );
        let done = finished(up, Duration::from_secs(120));
        assert_stored(&s, &done, &data).await;
    }

    /// `idance record --upload --online-fast` of a ~8 Mbit/s picture over a 4 Mbit/s link:
    /// the uplink is measured while recording and the video is capped under it (said on
    /// stderr), the recording goes on in one file that decodes cleanly, and after the cap
    /// the video takes no more than the cap.
    #[tokio::test]
    async fn online_fast_caps_a_recording_to_what_the_uplink_carries() {
        let link = Netns::new(Some("4mbit"));
        let s = setup(&link);
        let data = s.dir.path().join("cli");
        let out = link
            .command(Path::new(BIN))
            .arg("--data-dir")
            .arg(&data)
            .env("IDANCE_NO_KEYCHAIN", "1")
            .env_remove("IDANCE_SERVER")
            .env_remove("IDANCE_TOKEN")
            .args(["--server", &s.base, "--token", &s.token, "record"])
            .args(["--upload", "--session", "new", "--online-fast"])
            .arg("--screen=lavfi:testsrc2=size=640x360:rate=30,noise=alls=22:allf=t")
            .args(["--mic=lavfi:sine", "--duration", "45s"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        // "note: at 31 s the video is capped at 2.7 Mbit/s (was 10.0): ..."
        let (at, cap) = stderr
            .lines()
            .find_map(|l| {
                let rest = l.strip_prefix("note: at ")?;
                let (at, rest) = rest.split_once(" s the video is capped at ")?;
                let (cap, _) = rest.split_once(" Mbit/s")?;
                Some((at.parse::<f64>().ok()?, cap.parse::<f64>().ok()?))
            })
            .unwrap_or_else(|| panic!("the video was never capped:\n{stderr}"));
        assert!((1.5..3.4).contains(&cap), "capped at {cap} Mbit/s");
        let file = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let file = Path::new(&file);
        let decoded = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(file)
            .args(["-f", "null", "-"])
            .output()
            .unwrap();
        assert!(
            decoded.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&decoded.stderr)
        );
        // Video bytes per second from 2 s after the cap to the end, against the cap.
        let probe = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v"])
            .args(["-show_entries", "packet=pts_time,size", "-of", "csv=p=0"])
            .arg(file)
            .output()
            .unwrap();
        let packets: Vec<(f64, f64)> = String::from_utf8_lossy(&probe.stdout)
            .lines()
            .filter_map(|l| {
                let (t, n) = l.split_once(',')?;
                Some((t.parse().ok()?, n.trim().parse().ok()?))
            })
            .collect();
        let end = packets.iter().map(|p| p.0).fold(0.0, f64::max);
        let after: f64 = packets
            .iter()
            .filter(|(t, _)| *t >= at + 2.0)
            .map(|p| p.1)
            .sum();
        let kbps = after * 8.0 / 1000.0 / (end - at - 2.0);
        assert!(
            kbps < cap * 1000.0 * 1.15,
            "{kbps:.0} kbit/s after a cap of {cap} Mbit/s"
        );
    }
}
