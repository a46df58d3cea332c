//! The app as a resident of the instructor's computer, in its real window under Xvfb:
//! one instance (a second launch hands its files over and exits), and start at login
//! (the switch writes and removes the OS's entry; the entry's command starts the app
//! in the tray, with no window, and the queue still uploads).

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
