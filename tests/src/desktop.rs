//! What the desktop-app tests run: a private X server, tauri-driver in front of the
//! real app binary, a real X11 drag from a GTK drag source, and workspace binaries.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The app's environment in a test: its data, XDG folders (the autostart entry goes to
/// `xdg-config/autostart`) and secrets all under `dir`.
pub fn app_env(dir: &Path) -> Vec<(&'static str, String)> {
    let p = |s: &str| dir.join(s).display().to_string();
    vec![
        ("IDANCE_DATA_DIR", p("app-data")),
        ("XDG_DATA_HOME", p("xdg-data")),
        ("XDG_CONFIG_HOME", p("xdg-config")),
        ("XDG_CACHE_HOME", p("xdg-cache")),
        // The documented fallback: secrets in a user-only file when there is no keychain.
        ("IDANCE_NO_KEYCHAIN", "1".into()),
        // Tests reach nothing but this machine: the update check asks a closed port on
        // loopback (refused at once, no banner) unless a test serves its own manifest.
        ("IDANCE_UPDATE_URL", "http://127.0.0.1:1/latest.json".into()),
    ]
}

/// The last lines the app logged in a test whose data is in `dir` (see [`app_env`]).
pub fn app_log(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("app-data.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// The debug binary `name` of workspace package `package`, built if needed (a no-op
/// when `scripts/test` built it already).
pub fn workspace_bin(package: &str, name: &str) -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", package])
        .current_dir(workspace())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p {package} failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        workspace().join(target)
    };
    target.join("debug").join(name)
}

/// Where screenshots go (kept after the run, to look at).
pub fn artifacts() -> PathBuf {
    std::env::var_os("IDANCE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target").join("e2e-artifacts"))
}

/// Xvfb (1400x900) on a display of its choosing.
pub fn xvfb() -> (Proc, String) {
    xvfb_sized("1400x900")
}

/// Xvfb with a screen of `size` ("WxH") on a display it picks and tells through
/// `-displayfd`; stopped when the returned process is dropped.
pub fn xvfb_sized(size: &str) -> (Proc, String) {
    let screen = format!("{size}x24");
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &screen,
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is installed (scripts/install-deps)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Proc(child), format!(":{}", line.trim()))
}

/// tauri-driver on private ports, with `env` passed on to the app it launches.
pub fn tauri_driver(display: &str, env: &[(&str, String)]) -> (Proc, String) {
    let port = free_port();
    let native = free_port();
    let mut cmd = Command::new("tauri-driver");
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native.to_string(),
    ])
    .env("DISPLAY", display)
    .env_remove("IDANCE_SERVER")
    .env_remove("IDANCE_TOKEN")
    .env_remove("IDANCE_LIMIT")
    .env_remove("S3_BUCKET_NAME")
    // No session bus unless a test gives its own (`session_bus`): the single-instance
    // plugin then lets the apps of tests running side by side start on their own.
    .env_remove("DBUS_SESSION_BUS_ADDRESS")
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    // The app's log (it inherits the driver's stderr) beside its data, for a failure
    // to show (`app_log`).
    if let Some((_, data)) = env.iter().find(|(k, _)| *k == "IDANCE_DATA_DIR")
        && let Ok(log) = std::fs::File::create(format!("{data}.log"))
    {
        cmd.stderr(log);
        if !env.iter().any(|(k, _)| *k == "IDANCE_LOG") {
            cmd.env("IDANCE_LOG", "info,s3s=warn");
        }
    }
    let child = cmd
        .spawn()
        .expect("tauri-driver is installed (scripts/install-deps)");
    (Proc(child), format!("http://127.0.0.1:{port}"))
}

/// A private D-Bus session bus: the single-instance plugin finds the running app on it
/// (Linux). Stopped when the returned process is dropped.
pub fn session_bus() -> (Proc, String) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon is installed (dbus, with dbus-x11)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("unix:"), "dbus-daemon said {line:?}");
    (Proc(child), line.trim().to_string())
}

/// How many processes run `exe` with `KEY=value` in their environment (one test's
/// apps, whatever other tests run beside it).
pub fn processes_of(exe: &Path, key: &str, value: &str) -> usize {
    let want = format!("{key}={value}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let pids: Vec<u32> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_string_lossy().parse::<u32>().ok()?, e)))
        .filter(|(_, e)| std::fs::read_link(e.path().join("exe")).is_ok_and(|x| x == exe))
        .filter(|(_, e)| {
            std::fs::read(e.path().join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == want.as_bytes()))
        })
        .map(|(pid, _)| pid)
        .collect();
    // A child the app is starting (ffmpeg, ffprobe) is the app until it execs: it is no
    // second instance.
    let parent = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                // "pid (comm) state ppid ...": comm may hold spaces; ppid follows its ')'.
                let rest = &s[s.rfind(')')? + 2..];
                rest.split(' ').nth(1)?.parse::<u32>().ok()
            })
    };
    pids.iter()
        .filter(|pid| parent(**pid).is_none_or(|pp| !pids.contains(&pp)))
        .count()
}

/// How many windows titled `title` are mapped (shown) on `display`.
pub fn visible_windows(display: &str, title: &str) -> usize {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", title])
        .env("DISPLAY", display)
        .output()
        .expect("xdotool is installed");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("xdotool is installed");
    assert!(
        out.status.success(),
        "xdotool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The app window's centre on screen.
fn window_centre(display: &str, title: &str) -> (i32, i32) {
    let started = Instant::now();
    let id = loop {
        let out = Command::new("xdotool")
            .args(["search", "--name", title])
            .env("DISPLAY", display)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(id) = text.lines().last() {
            break id.to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no window named {title}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let geometry = xdotool(display, &["getwindowgeometry", "--shell", &id]);
    let get = |k: &str| -> i32 {
        geometry
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("X") + get("WIDTH") / 2, get("Y") + get("HEIGHT") / 2)
}

/// Drags `files` from a GTK drag source (offering text/uri-list, as a file manager
/// does) into the middle of the window titled `title`, with real X11 pointer events.
pub fn drag_files(display: &str, title: &str, files: &[&Path]) {
    let (sx, sy) = (1280, 800);
    let mut source = Command::new("/usr/bin/python3");
    source
        .arg(workspace().join("tests/e2e/drag_source.py"))
        .args([sx.to_string(), sy.to_string()])
        .args(files)
        .env("DISPLAY", display)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = Proc(source.spawn().expect("python3-gi is installed"));
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "the drag source did not start");
    let (tx, ty) = window_centre(display, title);
    let (px, py) = (sx + 50, sy + 40);
    xdotool(display, &["mousemove", &px.to_string(), &py.to_string()]);
    std::thread::sleep(Duration::from_millis(200));
    xdotool(display, &["mousedown", "1"]);
    // Move in steps, as a hand would: GTK starts the drag after a few pixels.
    for i in 1..=20 {
        let x = px + (tx - px) * i / 20;
        let y = py + (ty - py) * i / 20;
        xdotool(display, &["mousemove", &x.to_string(), &y.to_string()]);
        std::thread::sleep(Duration::from_millis(40));
    }
    std::thread::sleep(Duration::from_millis(300));
    xdotool(display, &["mouseup", "1"]);
    std::thread::sleep(Duration::from_millis(500));
    drop(child);
}
