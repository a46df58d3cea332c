//! The app as a resident of the instructor's computer, in its real window under Xvfb:
//! one instance (a second launch hands its files over and exits), start at login (the
//! switch writes and removes the OS's entry; the entry's command starts the app in the
//! tray, with no window, and the queue still uploads), and the recording conveniences:
//! the global Record/Stop shortcut, the countdown, the silent-microphone warning.

use idance_tests::desktop::{
    Proc, app_env, artifacts, processes_of, session_bus, tauri_driver, visible_windows,
    workspace_bin, xvfb,
};
use idance_tests::webdriver::Driver;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TITLE: &str = "iDance Capture";
const READY: &str = "return document.body.dataset.ready === 'true'";

async fn shot(driver: &Driver, name: &str) {
    tokio::time::sleep(Duration::from_millis(600)).await;
    driver.screenshot(&artifacts().join(name)).await;
}

fn command_with(exe: &Path, env: &[(&str, String)], display: &str) -> Command {
    let mut cmd = Command::new(exe);
    cmd.env("DISPLAY", display)
        .env_remove("IDANCE_SERVER")
        .env_remove("IDANCE_TOKEN")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_hands_its_files_to_the_running_window_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    idance_tests::make_video(dir.path(), "bachata basics.mp4", 3);
    std::fs::write(dir.path().join("playlist.txt"), "song 1, song 2").unwrap();
    let (_x, display) = xvfb();
    let (_bus, bus) = session_bus();
    let mut env = app_env(dir.path());
    env.push(("DBUS_SESSION_BUS_ADDRESS", bus));
    let (_driver_proc, base) = tauri_driver(&display, &env);
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    let data = env[0].1.clone();
    assert_eq!(processes_of(&app, "IDANCE_DATA_DIR", &data), 1);

    // "Open with": the file manager runs the app with the files, from their folder.
    let started = Instant::now();
    let mut second = Proc(
        command_with(&app, &env, &display)
            .args(["bachata basics.mp4", "playlist.txt"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let status = loop {
        if let Some(s) = second.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the second launch did not exit: two apps on one queue"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "the second launch exited with {status}");

    let name = driver
        .wait_for(
            "the opened clip in the running window's Uploads",
            "const n = document.querySelector('#queue-list li .name'); return n ? n.textContent : ''",
            Duration::from_secs(30),
        )
        .await;
    assert_eq!(name, json!("bachata basics.mp4"));
    let refused = driver
        .wait_for(
            "the text file's refusal",
            "const t = [...document.querySelectorAll('.notice')].map(n => n.textContent).join('\\n'); return t.includes('playlist.txt was not added') ? t : ''",
            Duration::from_secs(30),
        )
        .await;
    assert!(
        refused.as_str().unwrap().contains("playlist.txt"),
        "{refused}"
    );
    shot(&driver, "20-opened-with.png").await;
    driver
        .wait_for(
            "the opened clip to upload",
            "const s = document.querySelector('#queue-list li .state'); return s && s.textContent === 'Done'",
            Duration::from_secs(60),
        )
        .await;
    let jobs = driver
        .exec(
            "return document.querySelectorAll('#queue-list li').length",
            json!([]),
        )
        .await;
    assert_eq!(jobs, json!(1), "only the video is queued");
    assert_eq!(
        processes_of(&app, "IDANCE_DATA_DIR", &data),
        1,
        "one app process remains"
    );
    driver.quit().await;
}

/// The program and arguments of an XDG autostart entry's `Exec` line (as this app
/// writes it: the program quoted when it must be, then flags).
fn exec_line(entry: &str) -> (PathBuf, Vec<String>) {
    let exec = entry
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("an Exec line");
    let (program, rest) = match exec.strip_prefix('"') {
        Some(q) => {
            let end = q.find('"').expect("a closing quote");
            (q[..end].to_string(), &q[end + 1..])
        }
        None => {
            let end = exec.find(' ').unwrap_or(exec.len());
            (exec[..end].to_string(), &exec[end..])
        }
    };
    (
        PathBuf::from(program),
        rest.split_whitespace().map(str::to_string).collect(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn start_at_login_writes_the_entry_whose_command_uploads_with_no_window() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let idance = workspace_bin("idance-cli", "idance");
    let env = app_env(dir.path());
    let entry = dir
        .path()
        .join("xdg-config/autostart/app.idance.capture.desktop");
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &env);
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    driver
        .exec("document.getElementById('tab-settings').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the switch on (on by default)",
            "return document.getElementById('set-autostart').checked",
            Duration::from_secs(10),
        )
        .await;
    assert!(entry.is_file(), "no autostart entry written at first start");
    driver
        .exec(
            "document.getElementById('set-autostart').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the switch's answer",
            "return document.getElementById('set-autostart-result').textContent.includes('will not start')",
            Duration::from_secs(10),
        )
        .await;
    assert!(
        !entry.exists(),
        "the entry is still there after switching off"
    );
    driver
        .exec(
            "document.getElementById('set-autostart').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the switch's answer",
            "return document.getElementById('set-autostart-result').textContent.includes('will start in the tray')",
            Duration::from_secs(10),
        )
        .await;
    assert!(entry.is_file(), "switching on did not write the entry");
    driver
        .exec(
            "document.getElementById('set-autostart').closest('fieldset').scrollIntoView()",
            json!([]),
        )
        .await;
    shot(&driver, "21-start-at-login.png").await;
    driver.quit().await;
    let data = env[0].1.clone();
    let gone = Instant::now();
    while processes_of(&app, "IDANCE_DATA_DIR", &data) > 0 {
        assert!(
            gone.elapsed() < Duration::from_secs(20),
            "the app did not quit"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // A class recorded earlier waits in the queue; then the user logs in.
    let clip = idance_tests::make_video(dir.path(), "zumba.mp4", 3);
    let queued = Command::new(&idance)
        .args([
            "--data-dir",
            &data,
            "upload",
            "--session",
            "new",
            "--queue-only",
        ])
        .arg(&clip)
        .output()
        .unwrap();
    assert!(queued.status.success(), "{queued:?}");
    let text = std::fs::read_to_string(&entry).unwrap();
    let (program, args) = exec_line(&text);
    assert_eq!(program, app);
    assert_eq!(args, vec!["--hidden".to_string()]);
    let _login = Proc(
        command_with(&program, &env, &display)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    loop {
        assert_eq!(
            visible_windows(&display, TITLE),
            0,
            "started at login, the window was shown"
        );
        let out = Command::new(&idance)
            .args(["--data-dir", &data, "queue", "--json"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        if text.contains("\"state\":\"completed\"") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the hidden app did not upload the queue: {text}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(processes_of(&app, "IDANCE_DATA_DIR", &data), 1);
    assert_eq!(visible_windows(&display, TITLE), 0);
}

fn key(display: &str, keys: &str) {
    let ok = Command::new("xdotool")
        .args(["key", keys])
        .env("DISPLAY", display)
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Chooses a test source as the microphone (ffmpeg's lavfi, as the device list's ids).
fn choose_mic(graph: &str) -> String {
    format!(
        "const s = document.getElementById('rec-mic'); const o = new Option('test', 'lavfi:{graph}'); s.add(o); s.value = o.value; document.getElementById('rec-title').value = 'Mic check'"
    )
}

/// The Record screen, once its device list is in.
async fn open_record_screen(driver: &Driver) {
    driver
        .exec("document.getElementById('tab-record').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the device list",
            "return document.getElementById('rec-screen').value !== ''",
            Duration::from_secs(30),
        )
        .await;
}

const RECORDING: &str = "return document.getElementById('rec-button').textContent === '■ Stop'";
const STOPPED: &str = "return document.getElementById('rec-button').textContent === '● Record' && !document.getElementById('rec-button').disabled";
const MIC_WARNING: &str = "return !document.getElementById('rec-mic-silent').hidden";

#[tokio::test(flavor = "multi_thread")]
async fn the_shortcut_records_after_a_countdown_and_a_silent_microphone_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &app_env(dir.path()));
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    open_record_screen(&driver).await;
    driver
        .exec(&choose_mic("anullsrc=r=48000:cl=mono"), json!([]))
        .await;

    // Ctrl+Shift+R from anywhere: the countdown, then the recording.
    key(&display, "ctrl+shift+r");
    driver
        .wait_for(
            "the countdown",
            "const c = document.getElementById('rec-countdown'); return !c.hidden && ['3', '2'].includes(c.textContent)",
            Duration::from_secs(10),
        )
        .await;
    shot(&driver, "22-countdown.png").await;
    driver
        .wait_for("the recording", RECORDING, Duration::from_secs(20))
        .await;
    let silent_since = Instant::now();
    driver
        .wait_for(
            "the silent-microphone warning",
            MIC_WARNING,
            Duration::from_secs(30),
        )
        .await;
    let after = silent_since.elapsed();
    assert!(
        after >= Duration::from_secs(8),
        "warned after only {after:?} of silence"
    );
    shot(&driver, "23-silent-mic.png").await;
    key(&display, "ctrl+shift+r");
    driver
        .wait_for(
            "the recording stopped and saved",
            STOPPED,
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        driver.exec(MIC_WARNING, json!([])).await,
        json!(false),
        "the warning outlived the recording"
    );

    // A microphone that hears a tone: no warning in as long.
    driver
        .exec(
            &choose_mic("sine=frequency=440:sample_rate=48000"),
            json!([]),
        )
        .await;
    key(&display, "ctrl+shift+r");
    driver
        .wait_for("the second recording", RECORDING, Duration::from_secs(20))
        .await;
    let heard = Instant::now();
    while heard.elapsed() < Duration::from_secs(15) {
        assert_eq!(
            driver.exec(MIC_WARNING, json!([])).await,
            json!(false),
            "warned of a microphone that hears a tone"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    key(&display, "ctrl+shift+r");
    driver
        .wait_for(
            "the second recording stopped",
            STOPPED,
            Duration::from_secs(60),
        )
        .await;
    driver.quit().await;
}

/// A throwaway update key made by Tauri's own signer: (private key file, public key).
fn signer_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let out = Command::new(tauri_cli())
        .args(["signer", "generate", "--ci", "-p", "", "-w"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let public = std::fs::read_to_string(key.with_extension("key.pub")).unwrap();
    (key, public.trim().to_string())
}

fn tauri_cli() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/.bin/tauri")
}

/// The signature Tauri's signer makes for `file` with `key`.
fn sign(key: &Path, file: &Path) -> String {
    let out = Command::new(tauri_cli())
        .args(["signer", "sign", "-p", "", "-f"])
        .arg(key)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(format!("{}.sig", file.display())).unwrap()
}

/// An update manifest as the release pipeline publishes it (`latest.json`).
fn manifest(site: &Path, port: u16, version: &str, file: &str, signature: &str) {
    let m = json!({
        "version": version,
        "notes": "Uploads resume after sleep.",
        "pub_date": "2026-12-04T00:00:00Z",
        "platforms": {
            "linux-x86_64": {
                "signature": signature,
                "url": format!("http://127.0.0.1:{port}/{file}"),
            }
        }
    });
    std::fs::write(site.join("latest.json"), m.to_string()).unwrap();
}

async fn check_for_updates(driver: &Driver) {
    driver
        .exec(
            "document.getElementById('update-result').textContent = ''; document.getElementById('check-update').click()",
            json!([]),
        )
        .await;
}

async fn banner_says(driver: &Driver, what: &str, timeout: Duration) -> String {
    let script = format!(
        "const b = document.getElementById('update-banner'); return !b.hidden && b.textContent.includes({what:?}) ? b.textContent : ''"
    );
    let v = driver
        .wait_for(
            &format!("the update banner to say {what:?}"),
            &script,
            timeout,
        )
        .await;
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_is_verified_waits_out_a_recording_and_a_bad_signature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let (key, public) = signer_key(dir.path(), "release.key");
    let (other_key, _) = signer_key(dir.path(), "someone-else.key");
    // The installed app (an AppImage stands in) and the new version's bytes.
    let installed = dir.path().join("iDance_Capture.AppImage");
    std::fs::copy("/bin/false", &installed).unwrap();
    let new_version = site.join("iDance_Capture_9.9.9.AppImage");
    std::fs::copy("/bin/true", &new_version).unwrap();
    let good = sign(&key, &new_version);
    let port = idance_tests::desktop::free_port();
    let _web = Proc(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(&site)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Nothing newer at start.
    manifest(&site, port, "0.0.1", "iDance_Capture_9.9.9.AppImage", &good);
    let mut env: Vec<_> = app_env(dir.path())
        .into_iter()
        .filter(|(k, _)| *k != "IDANCE_UPDATE_URL")
        .collect();
    env.push((
        "IDANCE_UPDATE_URL",
        format!("http://127.0.0.1:{port}/latest.json"),
    ));
    env.push(("IDANCE_UPDATE_PUBKEY", public));
    env.push(("APPIMAGE", installed.display().to_string()));
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &env);
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;

    // A recording runs when a newer version appears: it is fetched and verified, and waits.
    open_record_screen(&driver).await;
    driver
        .exec(
            "document.getElementById('rec-mic').value = ''; document.getElementById('rec-button').click(); document.getElementById('rec-button').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for("the recording", RECORDING, Duration::from_secs(20))
        .await;
    manifest(&site, port, "9.9.9", "iDance_Capture_9.9.9.AppImage", &good);
    driver
        .exec("document.getElementById('tab-settings').click()", json!([]))
        .await;
    check_for_updates(&driver).await;
    let said = banner_says(
        &driver,
        "It installs when the recording ends.",
        Duration::from_secs(30),
    )
    .await;
    assert!(
        said.contains("9.9.9") && said.contains("Uploads resume after sleep."),
        "{said}"
    );
    // (No screenshot here: WebKitGTK's compositor over software GL crashed once while
    // a screenshot and a screen recording of the same display overlapped.)
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read("/bin/false").unwrap(),
        "installed during a recording"
    );
    driver
        .exec("document.getElementById('rec-button').click()", json!([]))
        .await;
    banner_says(&driver, "9.9.9 is installed", Duration::from_secs(60)).await;
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(&new_version).unwrap(),
        "the verified update was not installed once the recording ended"
    );
    shot(&driver, "25-update-installed.png").await;

    // Tampered: the manifest's signature is for other bytes.
    let other = site.join("other.bin");
    std::fs::write(&other, b"not the update").unwrap();
    let tampered = sign(&key, &other);
    manifest(
        &site,
        port,
        "9.9.10",
        "iDance_Capture_9.9.9.AppImage",
        &tampered,
    );
    check_for_updates(&driver).await;
    let said = banner_says(&driver, "9.9.10 was refused", Duration::from_secs(30)).await;
    assert!(said.contains("signature does not match"), "{said}");
    shot(&driver, "26-update-refused.png").await;
    // Signed, but with a key that is not the app's.
    let wrong = sign(&other_key, &new_version);
    manifest(
        &site,
        port,
        "9.9.11",
        "iDance_Capture_9.9.9.AppImage",
        &wrong,
    );
    check_for_updates(&driver).await;
    let said = banner_says(&driver, "9.9.11 was refused", Duration::from_secs(30)).await;
    assert!(said.contains("Nothing was installed"), "{said}");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(&new_version).unwrap(),
        "a refused update touched the installed app"
    );
    driver.quit().await;
}
