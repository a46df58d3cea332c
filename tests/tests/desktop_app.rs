//! The desktop app in its real window (WebKitGTK under Xvfb), driven through
//! tauri-driver: real X11 drops, real recording, the embedded default and an external
//! `idance serve` that goes away mid-upload. Screenshots of each view are saved to
//! target/e2e-artifacts (or $IDANCE_ARTIFACTS).

use idance_tests::desktop::{
    Proc, app_env, artifacts, drag_files, free_port, tauri_driver, workspace_bin, xvfb,
};
use idance_tests::webdriver::Driver;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const TITLE: &str = "iDance Capture";
const READY: &str = "return document.body.dataset.ready === 'true'";

fn first_job_state() -> &'static str {
    "const s = document.querySelector('#queue-list li .state'); return s ? s.textContent : ''"
}

async fn wait_state(driver: &Driver, want: &str, timeout: Duration) {
    let script = format!(
        "const s = document.querySelector('#queue-list li .state'); return s && s.textContent === {want:?}"
    );
    driver
        .wait_for(&format!("the job to be {want}"), &script, timeout)
        .await;
}

async fn shot(driver: &Driver, name: &str) {
    // Let WebKit paint what the script just changed.
    tokio::time::sleep(Duration::from_millis(600)).await;
    driver.screenshot(&artifacts().join(name)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn embedded_default_drop_record_and_browse() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let video = idance_tests::make_video(dir.path(), "salsa-class.mp4", 4);
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "warm-up, basic step, cross-body lead").unwrap();
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &app_env(dir.path()));
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    shot(&driver, "01-queue-empty.png").await;

    // A real drop of a video and a text file onto the window.
    drag_files(&display, TITLE, &[&video, &notes]);
    let refused = driver
        .wait_for(
            "the text file's refusal",
            "const t = [...document.querySelectorAll('.notice')].map(n => n.textContent).join('\\n'); return t.includes('notes.txt was not added') ? t : ''",
            Duration::from_secs(30),
        )
        .await;
    assert!(refused.as_str().unwrap().contains("notes.txt"), "{refused}");
    wait_state(&driver, "Done", Duration::from_secs(60)).await;
    let jobs = driver
        .exec(
            "return document.querySelectorAll('#queue-list li').length",
            json!([]),
        )
        .await;
    assert_eq!(jobs, json!(1), "only the video is queued");
    driver
        .wait_for(
            "the queued video's thumbnail",
            "const i = document.querySelector('#queue-list li img.thumb'); return i && !i.hidden && i.naturalWidth > 0 && i.src.startsWith('idance-media://localhost/thumb/')",
            Duration::from_secs(10),
        )
        .await;
    shot(&driver, "02-queue-done.png").await;

    // The session is listed with its thumbnail, and its link serves the same bytes.
    driver
        .exec("document.getElementById('tab-sessions').click()", json!([]))
        .await;
    let thumb = driver
        .try_wait_for(
            "const i = document.querySelector('#session-list li img'); return i && !i.hidden && i.complete && i.naturalWidth > 0 && i.src.startsWith('idance-media://localhost/thumb/')",
            Duration::from_secs(20),
        )
        .await;
    if thumb.is_err() {
        let html = driver
            .exec(
                "return document.getElementById('view-sessions').innerHTML",
                json!([]),
            )
            .await;
        shot(&driver, "03-sessions-failed.png").await;
        panic!(
            "no session thumbnail: {html}\n{}",
            idance_tests::desktop::app_log(dir.path())
        );
    }
    let card = driver
        .exec(
            "const li = document.querySelector('#session-list li'); return [li.querySelector('.title').textContent, li.querySelector('.state').textContent]",
            json!([]),
        )
        .await;
    assert_eq!(card, json!(["salsa-class", "Online"]));
    driver
        .exec(
            "document.querySelector('#session-list button[data-key]').click()",
            json!([]),
        )
        .await;
    let link = driver
        .wait_for(
            "the video link",
            "const i = document.querySelector('#session-list input.link'); return i && i.value.startsWith('http') ? i.value : ''",
            Duration::from_secs(20),
        )
        .await;
    shot(&driver, "03-sessions.png").await;
    let stored = reqwest::get(link.as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        stored.as_ref(),
        std::fs::read(&video).unwrap().as_slice(),
        "the stored video differs"
    );

    // Record the (Xvfb) screen from the Record screen; Stop queues and uploads it.
    driver
        .exec("document.getElementById('tab-record').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the screen list",
            "return document.getElementById('rec-screen').value",
            Duration::from_secs(20),
        )
        .await;
    // Before recording, the chosen screen is previewed (framing the camera).
    driver
        .exec(
            "document.getElementById('rec-screen').dispatchEvent(new Event('change'))",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "a preview before recording",
            "const p = document.getElementById('preview'); return !p.hidden && p.naturalWidth > 0 && p.src.startsWith('idance-media://localhost/preview') && document.getElementById('rec-button').textContent.includes('Record')",
            Duration::from_secs(20),
        )
        .await;
    driver
        .exec(
            "document.getElementById('rec-mic').value = ''; document.getElementById('rec-title').value = 'Hip hop warm-up'; document.getElementById('rec-button').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "two seconds of recording and a preview",
            "const p = document.getElementById('preview'); return document.getElementById('rec-elapsed').textContent >= '00:00:02' && !p.hidden && p.naturalWidth > 0",
            Duration::from_secs(30),
        )
        .await;
    shot(&driver, "04-recording.png").await;
    // Before Record the screen said how much fits and which encoder records.
    let room = driver
        .exec(
            "return document.getElementById('rec-room').textContent",
            json!([]),
        )
        .await;
    let room = room.as_str().unwrap_or_default().to_string();
    assert!(room.contains("of recording space left"), "{room}");
    assert!(room.contains("Encoder: libx264 (software)"), "{room}");
    // Pause: the clock stands still; Resume: it goes on.
    driver
        .exec("document.getElementById('rec-pause').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the recording paused",
            "return document.getElementById('rec-pause').textContent === '▶ Resume' && document.getElementById('rec-time-label').textContent === 'Paused at'",
            Duration::from_secs(20),
        )
        .await;
    // ffmpeg writes out its last fragment (under a second), then the clock stands.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let paused_at = driver
        .exec(
            "return document.getElementById('rec-elapsed').textContent",
            json!([]),
        )
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let still = driver
        .exec(
            "return document.getElementById('rec-elapsed').textContent",
            json!([]),
        )
        .await;
    assert_eq!(still, paused_at, "the clock ran while paused");
    shot(&driver, "04b-paused.png").await;
    driver
        .exec("document.getElementById('rec-pause').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the recording going on",
            &format!(
                "return document.getElementById('rec-pause').textContent === '❚❚ Pause' && document.getElementById('rec-elapsed').textContent > {paused_at}"
            ),
            Duration::from_secs(20),
        )
        .await;
    driver
        .exec("document.getElementById('rec-button').click()", json!([]))
        .await;
    driver
        .exec("document.getElementById('tab-sessions').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the recording online",
            "return [...document.querySelectorAll('#session-list li')].some(li => li.querySelector('.title').textContent === 'Hip hop warm-up' && li.querySelector('.state').textContent === 'Online')",
            Duration::from_secs(60),
        )
        .await;
    shot(&driver, "05-sessions-after-recording.png").await;

    // Settings: pointing at a server that does not answer shows the offline banner; the
    // token goes to the secrets file, never into the settings store; back to built-in.
    driver
        .exec("document.getElementById('tab-settings').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the settings",
            "return document.querySelector('input[name=mode][value=embedded]').checked",
            Duration::from_secs(20),
        )
        .await;
    driver
        .exec(
            "for (const r of document.querySelectorAll('input[name=mode]')) r.checked = r.value === 'remote';
             document.getElementById('set-url').value = 'http://127.0.0.1:9';
             document.getElementById('set-token').value = 'token-pasted-by-the-instructor';
             document.getElementById('set-save').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the offline banner for an unreachable server",
            "return !document.getElementById('offline-banner').hidden && document.getElementById('set-result').textContent.startsWith('Saved')",
            Duration::from_secs(20),
        )
        .await;
    shot(&driver, "06-settings.png").await;
    // Further down: recordings held for review and compression before upload.
    driver
        .exec(
            "document.getElementById('set-review').closest('fieldset').scrollIntoView()",
            json!([]),
        )
        .await;
    shot(&driver, "06b-settings-recordings.png").await;
    let secrets = std::fs::read_to_string(dir.path().join("app-data/client/secrets.json")).unwrap();
    assert!(secrets.contains("token-pasted-by-the-instructor"));
    let store = std::fs::read_to_string(dir.path().join("app-data/settings.json")).unwrap();
    assert!(store.contains("http://127.0.0.1:9"), "{store}");
    assert!(
        !store.contains("token-pasted"),
        "a secret in the settings store: {store}"
    );
    driver
        .exec(
            "for (const r of document.querySelectorAll('input[name=mode]')) r.checked = r.value === 'embedded';
             document.getElementById('set-save').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the built-in service again",
            "return document.getElementById('offline-banner').hidden && document.getElementById('connection').textContent === 'Built-in service'",
            Duration::from_secs(20),
        )
        .await;
    driver.quit().await;
}

/// `idance serve` on a fixed port, until dropped.
fn serve(idance: &Path, data: &Path, port: u16) -> Proc {
    let mut child = Command::new(idance)
        .args(["--data-dir"])
        .arg(data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on"), "{line}");
    Proc(child)
}

#[tokio::test(flavor = "multi_thread")]
async fn external_server_down_mid_upload_shows_offline_then_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let idance = workspace_bin("idance-cli", "idance");
    let server_data = dir.path().join("server-data");
    let port = free_port();
    let mut server = Some(serve(&idance, &server_data, port));
    let out = Command::new(&idance)
        .arg("--data-dir")
        .arg(&server_data)
        .args(["token", "--user", "teacher-7"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let video = idance_tests::make_video(dir.path(), "long-class.mp4", 24);

    let mut env = app_env(dir.path());
    env.push(("IDANCE_SERVER", format!("http://127.0.0.1:{port}")));
    env.push(("IDANCE_TOKEN", token.clone()));
    // Slow enough that the server can be stopped mid-upload.
    env.push(("IDANCE_LIMIT", "3000000".into()));
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &env);
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    let pill = driver
        .exec(
            "return document.getElementById('connection').textContent",
            json!([]),
        )
        .await;
    assert_eq!(pill, json!("Online"));

    drag_files(&display, TITLE, &[&video]);
    driver
        .wait_for(
            "the upload to be under way",
            "const f = document.querySelector('#queue-list li .bar-fill'); return f && parseFloat(f.style.width) >= 10",
            Duration::from_secs(60),
        )
        .await;
    server.take(); // stopped
    driver
        .wait_for(
            "the offline banner",
            "return !document.getElementById('offline-banner').hidden",
            Duration::from_secs(20),
        )
        .await;
    shot(&driver, "07-offline.png").await;
    let state = driver.exec(first_job_state(), json!([])).await;
    // Bug: it read "Uploading" while the service was away.
    assert_eq!(
        state,
        json!("Waiting for network"),
        "an outage makes the job wait, and says so"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;

    let _server = serve(&idance, &server_data, port);
    driver
        .wait_for(
            "the banner to go away by itself",
            "return document.getElementById('offline-banner').hidden",
            Duration::from_secs(20),
        )
        .await;
    wait_state(&driver, "Done", Duration::from_secs(120)).await;
    shot(&driver, "08-back-online-done.png").await;

    // The object on the server is the file, byte for byte.
    driver
        .exec("document.getElementById('tab-sessions').click()", json!([]))
        .await;
    let key = driver
        .wait_for(
            "the video key",
            "const b = document.querySelector('#session-list button[data-key]'); return b ? b.dataset.key : ''",
            Duration::from_secs(20),
        )
        .await;
    let stored = idance_tests::download_stored(
        &format!("http://127.0.0.1:{port}"),
        &token,
        key.as_str().unwrap(),
    )
    .await;
    assert_eq!(stored, std::fs::read(&video).unwrap());

    // Offline again, a class dropped now waits unsent: Trim… cuts it over its strip of
    // frames, and the cut takes its place in the queue.
    drop(_server);
    driver
        .wait_for(
            "the offline banner again",
            "return !document.getElementById('offline-banner').hidden",
            Duration::from_secs(20),
        )
        .await;
    driver
        .exec("document.getElementById('tab-queue').click()", json!([]))
        .await;
    let class = idance_tests::make_video(dir.path(), "tuesday-class.mp4", 4);
    drag_files(&display, TITLE, &[&class]);
    driver
        .wait_for(
            "Trim… on the new row",
            "const b = [...document.querySelectorAll('#queue-list li')].find(li => li.querySelector('.name').textContent === 'tuesday-class.mp4')?.querySelector('button[data-action=trim]'); if (b) b.click(); return !!b",
            Duration::from_secs(30),
        )
        .await;
    driver
        .wait_for(
            "the strip of frames",
            "const i = document.getElementById('trim-strip'); return document.getElementById('trim-dialog').open && i.complete && i.naturalWidth > 0",
            Duration::from_secs(30),
        )
        .await;
    driver
        .exec(
            "const s = document.getElementById('trim-start'), e = document.getElementById('trim-end');
             s.value = '1'; s.dispatchEvent(new Event('input'));
             e.value = '3'; e.dispatchEvent(new Event('input'));",
            json!([]),
        )
        .await;
    shot(&driver, "09-trim.png").await;
    driver
        .exec("document.getElementById('trim-cut').click()", json!([]))
        .await;
    driver
        .wait_for(
            "the cut in the queue in place of the original",
            "const names = [...document.querySelectorAll('#queue-list li .name')].map(n => n.textContent); return !document.getElementById('trim-dialog').open && names.includes('tuesday-class.trimmed.mp4') && !names.includes('tuesday-class.mp4')",
            Duration::from_secs(30),
        )
        .await;
    assert!(class.exists(), "the original is kept");
    driver.quit().await;
}

/// Signing in from Settings, as an instructor would: a wrong password says so, the
/// right one shows who is signed in, a dropped video uploads to the account, and Sign
/// out forgets the sign-in. The password is kept nowhere; the sign-in only in the
/// secrets file (the keychain's fallback here), never in the settings store.
#[tokio::test(flavor = "multi_thread")]
async fn signing_in_from_settings_uploads_to_the_account() {
    const EMAIL: &str = "rosa@studio.example";
    const PASSWORD: &str = "bachata-sensual-9";
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let idance = workspace_bin("idance-cli", "idance");
    let server_data = dir.path().join("server-data");
    let mut add = Command::new(&idance)
        .arg("--data-dir")
        .arg(&server_data)
        .args(["users", "add", EMAIL, "--name", "Rosa", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success(), "users add failed");
    let port = free_port();
    let _server = serve(&idance, &server_data, port);
    let video = idance_tests::make_video(dir.path(), "bachata-class.mp4", 4);

    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &app_env(dir.path()));
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    driver
        .exec("document.getElementById('tab-settings').click()", json!([]))
        .await;
    driver
        .exec(
            "for (const r of document.querySelectorAll('input[name=mode]')) r.checked = r.value === 'remote';
             document.getElementById('settings-form').dispatchEvent(new Event('change'));
             document.getElementById('set-url').value = arguments[0];
             document.getElementById('sign-email').value = arguments[1];
             document.getElementById('sign-password').value = 'not-my-password';
             document.getElementById('sign-in').click()",
            json!([format!("http://127.0.0.1:{port}"), EMAIL]),
        )
        .await;
    let said = driver
        .wait_for(
            "the wrong password refused",
            "const r = document.getElementById('sign-result'); return r.className === 'error' ? r.textContent : ''",
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(said, json!("Wrong email or password."));
    let left = driver
        .exec(
            "return document.getElementById('sign-password').value",
            json!([]),
        )
        .await;
    assert_eq!(left, json!(""), "the password stays in the page");
    shot(&driver, "10-sign-in-refused.png").await;

    driver
        .exec(
            "document.getElementById('sign-password').value = arguments[0];
             document.getElementById('sign-in').click()",
            json!([PASSWORD]),
        )
        .await;
    let who = driver
        .try_wait_for(
            // A refusal ends the wait too, and says what it was.
            "const r = document.getElementById('sign-result'); if (r.className === 'error') return 'refused: ' + r.textContent; return document.getElementById('account-in').hidden ? '' : document.getElementById('account-in').textContent",
            // A password check (argon2) on a busy 2-core machine with four other windows.
            Duration::from_secs(60),
        )
        .await
        .unwrap_or_else(|last| {
            let said = idance_tests::desktop::app_log(dir.path());
            panic!("no account shown after signing in (last value {last}); the app logged:\n{said}")
        });
    assert!(who.as_str().unwrap().contains(EMAIL), "{who}");
    assert!(who.as_str().unwrap().contains("Rosa"), "{who}");
    shot(&driver, "11-signed-in.png").await;

    driver
        .exec("document.getElementById('tab-queue').click()", json!([]))
        .await;
    drag_files(&display, TITLE, &[&video]);
    wait_state(&driver, "Done", Duration::from_secs(60)).await;

    // The sign-in is in the secrets file only; the password nowhere.
    let secrets = std::fs::read_to_string(dir.path().join("app-data/client/secrets.json")).unwrap();
    assert!(secrets.contains("refresh_token"), "no sign-in saved");
    let store = std::fs::read_to_string(dir.path().join("app-data/settings.json")).unwrap();
    assert!(store.contains(EMAIL), "{store}");
    assert!(
        !store.contains("token"),
        "a secret in the settings store: {store}"
    );
    for sub in ["app-data", "xdg-data", "xdg-config", "xdg-cache"] {
        let found = idance_tests::file_holding(&dir.path().join(sub), PASSWORD.as_bytes());
        assert!(found.is_none(), "the password is kept in {found:?}");
    }

    driver
        .exec(
            "document.getElementById('tab-settings').click(); document.getElementById('sign-out').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the sign-in form again",
            &format!("return !document.getElementById('account-out').hidden && document.getElementById('set-result').textContent.startsWith('Signed out') && document.getElementById('sign-email').value === {EMAIL:?}"),
            Duration::from_secs(20),
        )
        .await;
    shot(&driver, "12-signed-out.png").await;
    let secrets = std::fs::read_to_string(dir.path().join("app-data/client/secrets.json")).unwrap();
    assert!(
        !secrets.contains("refresh_token"),
        "the sign-in is still kept"
    );
    driver.quit().await;
}

/// Compression on: a dropped phone clip (1080p, 20 Mbit/s) reads "Optimizing N%"
/// while its copy is encoded and sent, then Done.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_phone_clip_reads_optimizing_then_done() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let clip = idance_tests::phone_clip(dir.path(), "phone-class.mp4", 30);
    let mut env = app_env(dir.path());
    env.push(("IDANCE_COMPRESS", "auto".into()));
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &env);
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    drag_files(&display, TITLE, &[&clip]);
    driver
        .wait_for(
            "an Optimizing row",
            "const s = document.querySelector('#queue-list li .state'); return s && /^Optimizing [1-9][0-9]?%$/.test(s.textContent)",
            Duration::from_secs(60),
        )
        .await;
    shot(&driver, "13-optimizing.png").await;
    wait_state(&driver, "Done", Duration::from_secs(120)).await;
    let name = driver
        .exec(
            "return document.querySelector('#queue-list li .name').textContent",
            json!([]),
        )
        .await;
    assert_eq!(name, json!("phone-class.optimized.mp4"));
    driver.quit().await;
}

/// The app's data on a nearly full disk (a 128 MiB tmpfs): before Record, the screen
/// warns how few minutes of recording fit.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_small_disk_the_record_screen_warns_before_recording() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let _disk = idance_tests::SmallDisk::mount(&dir.path().join("app-data"), 128);
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &app_env(dir.path()));
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    driver
        .exec("document.getElementById('tab-record').click()", json!([]))
        .await;
    let said = driver
        .wait_for(
            "the low-space warning",
            "const r = document.getElementById('rec-room'); return r.classList.contains('warning') ? r.textContent : ''",
            Duration::from_secs(20),
        )
        .await;
    let said = said.as_str().unwrap_or_default().to_string();
    assert!(said.starts_with("Only about "), "{said}");
    assert!(
        said.contains("free some space before a long class"),
        "{said}"
    );
    shot(&driver, "14-low-space.png").await;
    driver.quit().await;
}

/// library.md in the real window: a session uploaded by the CLI from another data
/// folder (another computer) is listed, plays (streamed: a seek lands past 1 s),
/// is renamed in place and deleted after a confirmation that names it.
#[tokio::test(flavor = "multi_thread")]
async fn the_library_plays_renames_and_deletes_a_session_from_another_computer() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    let idance = workspace_bin("idance-cli", "idance");
    let server_data = dir.path().join("server-data");
    let port = free_port();
    let _server = serve(&idance, &server_data, port);
    let url = format!("http://127.0.0.1:{port}");
    let out = Command::new(&idance)
        .arg("--data-dir")
        .arg(&server_data)
        .args(["token", "--user", "teacher-8"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    // The studio laptop: its own data folder, the CLI.
    let video = idance_tests::make_video(dir.path(), "bachata-basics.mp4", 2);
    let cli = |args: &[&str]| {
        Command::new(&idance)
            .arg("--data-dir")
            .arg(dir.path().join("laptop"))
            .args(["--server", &url, "--token", &token])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let up = cli(&["upload", "--session", "new", video.to_str().unwrap()]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );

    let mut env = app_env(dir.path());
    env.push(("IDANCE_SERVER", url.clone()));
    env.push(("IDANCE_TOKEN", token.clone()));
    let (_x, display) = xvfb();
    let (_driver_proc, base) = tauri_driver(&display, &env);
    let driver = Driver::start(&base, &app).await;
    driver
        .wait_for("the app to start", READY, Duration::from_secs(60))
        .await;
    driver
        .exec("document.getElementById('tab-sessions').click()", json!([]))
        .await;
    let card = "document.querySelector('#session-list li')";
    driver
        .wait_for(
            "the other computer's session",
            &format!("const li = {card}; return li && li.querySelector('.state').textContent.includes('another computer')"),
            Duration::from_secs(30),
        )
        .await;
    driver
        .wait_for(
            "its thumbnail from storage",
            &format!(
                "const i = {card}.querySelector('img'); return i && !i.hidden && i.naturalWidth > 0"
            ),
            Duration::from_secs(20),
        )
        .await;
    shot(&driver, "20-library.png").await;

    // Play opens the player window; a seek there lands past 1 s (the stream's ranges
    // come from storage itself).
    let main = driver.current_window().await;
    driver
        .exec(
            &format!("{card}.querySelector('button[data-act=play]').click()"),
            json!([]),
        )
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let player = loop {
        let others: Vec<String> = driver
            .windows()
            .await
            .into_iter()
            .filter(|h| *h != main)
            .collect();
        if let Some(h) = others.first() {
            break h.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no player window");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    driver.switch_to(&player).await;
    let video = "document.getElementById('video')";
    let loaded = driver
        .try_wait_for(
            &format!("const v = {video}; return v && v.readyState >= 1 && v.duration > 3"),
            Duration::from_secs(30),
        )
        .await;
    if loaded.is_err() {
        let why = driver
            .exec(
                &format!("const v = {video}; return {{src: v.src, code: v.error && v.error.code, network: v.networkState, ready: v.readyState, blocked: document.body.dataset.blocked || ''}}"),
                json!([]),
            )
            .await;
        shot(&driver, "21-player-failed.png").await;
        panic!(
            "the player did not load: {why}\n{}",
            idance_tests::desktop::app_log(dir.path())
        );
    }
    driver
        .exec(
            &format!("const v = {video}; v.muted = true; v.currentTime = 2.5; v.play()"),
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the player past 1 s after the seek",
            &format!("const v = {video}; return v.currentTime > 1 && v.readyState >= 2"),
            Duration::from_secs(30),
        )
        .await;
    driver.exec(&format!("{video}.pause()"), json!([])).await;
    shot(&driver, "21-player.png").await;
    driver.switch_to(&main).await;

    // Rename in place; the server has the new title.
    driver
        .exec(
            &format!("{card}.querySelector('button[data-act=rename]').click(); const i = document.querySelector('input.rename'); i.value = 'Bachata, week 3'; i.dispatchEvent(new KeyboardEvent('keydown', {{key: 'Enter', bubbles: true}}))"),
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the new title",
            &format!("return {card}.querySelector('.title').textContent === 'Bachata, week 3'"),
            Duration::from_secs(20),
        )
        .await;
    let listed = cli(&["sessions", "--json"]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("Bachata, week 3"), "{listed}");

    // Delete asks first, naming the session.
    driver
        .exec(
            &format!("{card}.querySelector('button[data-act=delete]').click()"),
            json!([]),
        )
        .await;
    let asked = driver
        .exec(
            "return document.getElementById('confirm-delete').open ? document.getElementById('confirm-delete-title').textContent : ''",
            json!([]),
        )
        .await;
    assert_eq!(asked, json!("Delete “Bachata, week 3”?"));
    shot(&driver, "22-delete-confirm.png").await;
    driver
        .exec(
            "document.getElementById('confirm-delete-ok').click()",
            json!([]),
        )
        .await;
    driver
        .wait_for(
            "the empty library",
            "return document.querySelectorAll('#session-list li').length === 0",
            Duration::from_secs(20),
        )
        .await;
    let listed = cli(&["sessions", "--json"]);
    assert!(listed.status.success());
    assert!(
        listed.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
    driver.quit().await;
}
