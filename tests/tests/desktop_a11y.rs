//! The real window, used as a keyboard and screen-reader user would: every task done
//! with key presses only (WebDriver key actions, no clicks), axe-core's WCAG 2.1 A/AA
//! rules run on every view and dialog, and the window in Spanish and Portuguese.
//! Screenshots go to target/e2e-artifacts (or $IDANCE_ARTIFACTS).

use idance_tests::desktop::{app_env, app_log, artifacts, tauri_driver, workspace_bin, xvfb};
use idance_tests::webdriver::{Driver, Key};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The visible controls and labels whose text is wider than their box (clipped or
/// spilling out), named with their text.
const CLIPPED: &str = "const cut = [...document.querySelectorAll('button, legend, .pill, .stat-label, .tabs [role=tab], summary')].filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).map(e => `${e.tagName}#${e.id}: ${e.textContent.trim().slice(0, 60)}`); if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) cut.push('the page scrolls sideways'); return cut";
const READY: &str = "return document.body.dataset.ready === 'true'";
const LONG: Duration = Duration::from_secs(60);

/// axe-core's own build (npm, ui/node_modules), injected into the page.
fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run npm ci in ui/)", path.display()))
}

/// axe-core's WCAG 2.1 A and AA violations on the page as it is now, as readable lines.
async fn axe(driver: &Driver, source: &str, what: &str) -> Vec<String> {
    // WebDriver's scripts are not the page's: its CSP does not refuse them.
    driver
        .exec(
            &format!("{source}\n;window.__axe = null; axe.run(document, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}}}).then(r => window.__axe = r.violations, e => window.__axe = [{{id: 'axe-error', help: String(e), nodes: []}}]); return true"),
            json!([]),
        )
        .await;
    let found = driver
        .wait_for(&format!("axe on {what}"), "return window.__axe", LONG)
        .await;
    found
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| {
                    let nodes: Vec<String> = x["nodes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .take(3)
                        .map(|n| {
                            format!(
                                "{} ({})",
                                n["target"],
                                n["failureSummary"]
                                    .as_str()
                                    .unwrap_or_default()
                                    .replace('\n', " ")
                            )
                        })
                        .collect();
                    format!(
                        "{what}: {} [{}] {}: {}",
                        x["id"],
                        x["impact"],
                        x["help"],
                        nodes.join("; ")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// As `wait_for`, but a timeout says where focus is, what the page says and what the
/// app logged, and leaves a screenshot.
async fn wait(driver: &Driver, dir: &Path, what: &str, script: &str) {
    if driver.try_wait_for(script, LONG).await.is_err() {
        let state = driver
            .exec(
                "const e = document.activeElement; return {focus: e ? `${e.tagName}#${e.id}.${e.className}` : null, trim: document.getElementById('trim-error').textContent, notices: document.getElementById('notices').textContent, view: document.body.dataset.view}",
                json!([]),
            )
            .await;
        shot(driver, "a11y-failed.png").await;
        panic!("timed out waiting for {what}: {state}\n{}", app_log(dir));
    }
}

/// Presses `keys`, then waits until `script` says they did `what`.
async fn press(driver: &Driver, keys: &[&str], what: &str, script: &str) {
    driver.keys(keys).await;
    driver.wait_for(what, script, LONG).await;
}

async fn shot(driver: &Driver, name: &str) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    driver.screenshot(&artifacts().join(name)).await;
}

fn cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(workspace_bin("idance-cli", "idance"))
        .args(args)
        .env("IDANCE_DATA_DIR", dir.join("app-data"))
        .env("IDANCE_NO_KEYCHAIN", "1")
        .output()
        .expect("idance runs");
    assert!(
        out.status.success(),
        "idance {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A video of `mb` made and queued (not sent) in a session of its own, by the CLI on
/// the app's data folder, before the app starts.
fn queue_video(dir: &Path, name: &str, mb: u32) {
    let v = idance_tests::make_video(dir, name, mb);
    let file = v.to_str().unwrap();
    cli(dir, &["upload", file, "--session", "new", "--queue-only"]);
}

/// Video jobs queued before the app starts (the CLI on the app's data folder), by file
/// name: their id.
fn queued_jobs(dir: &Path) -> Vec<(String, String)> {
    cli(dir, &["queue", "--json"])
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|j| j["file"].as_str().is_some_and(|f| f.ends_with(".mp4")))
        .map(|j| {
            let file = j["file"].as_str().unwrap_or_default();
            let name = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, j["job_id"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

fn row(name: &str) -> String {
    format!("#queue-list li[data-name={name:?}]")
}

async fn wait_row_state(driver: &Driver, name: &str, state: &str) {
    let sel = format!("{} .state", row(name));
    let script = format!(
        "const s = document.querySelector({sel:?}); return s && s.textContent === {state:?}"
    );
    if driver.try_wait_for(&script, LONG).await.is_err() {
        let now = driver
            .exec(
                &format!(
                    "const s = document.querySelector({:?}); return s ? s.textContent : 'no row'",
                    row(name)
                ),
                json!([]),
            )
            .await;
        panic!("{name} never became {state}: its row says {now}");
    }
}

/// The selected tab, moved to `name`'s with the arrow keys (the tablist's keys).
async fn tab_view(driver: &Driver, name: &str) {
    driver.tab_to("[role=tab][aria-selected=true]", 80).await;
    for _ in 0..4 {
        let at = driver
            .exec("return document.activeElement.dataset.view", json!([]))
            .await;
        if at == json!(name) {
            break;
        }
        driver.keys(&[Key::RIGHT]).await;
    }
    let shown = driver
        .exec(
            &format!("return !document.getElementById('view-{name}').hidden"),
            json!([]),
        )
        .await;
    assert_eq!(shown, json!(true), "the {name} view is shown");
}

/// Settings drawn with the stored choice (they come from the app after the view opens).
async fn settings_shown(driver: &Driver) {
    let script = "return document.querySelector('input[name=mode]:checked') !== null";
    driver.wait_for("the settings", script, LONG).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_task_by_keyboard_alone_and_no_axe_violation_on_any_view() {
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    // Jobs in each state that stays still: paused (to trim, resume and cancel), a file
    // that changes after it was queued (it fails), and one that completes.
    for (name, mb) in [
        ("to-trim.mp4", 4),
        ("to-cancel.mp4", 8),
        ("changes.mp4", 2),
        ("goes-up.mp4", 2),
    ] {
        queue_video(dir.path(), name, mb);
    }
    cli(dir.path(), &["pause", "all"]);
    let jobs = queued_jobs(dir.path());
    let id = |n: &str| {
        jobs.iter()
            .find(|(name, _)| name == n)
            .map(|(_, id)| id.clone())
            .unwrap()
    };
    cli(dir.path(), &["resume", &id("goes-up.mp4")]);
    cli(dir.path(), &["resume", &id("changes.mp4")]);
    std::fs::write(
        dir.path().join("changes.mp4"),
        b"not the video that was queued",
    )
    .unwrap();

    let (_x, display) = xvfb();
    let mut vars = app_env(dir.path());
    // Slow enough (300 kB/s) that a job is seen uploading and can be paused.
    vars.push(("IDANCE_LIMIT", "300000".into()));
    let (_driver_proc, base) = tauri_driver(&display, &vars);
    let driver = Driver::start(&base, &app).await;
    driver.wait_for("the app to start", READY, LONG).await;
    let axe_js = axe_source();
    let mut violations = Vec::new();
    wait_row_state(&driver, "goes-up.mp4", "Done").await;
    wait_row_state(&driver, "changes.mp4", "Failed").await;
    violations.extend(axe(&driver, &axe_js, "Uploads (paused, failed, done)").await);
    shot(&driver, "a11y-01-uploads.png").await;

    // Trim with the keyboard: the row's Trim…, the start slider moved by arrows, Cut.
    driver
        .tab_to(
            &format!("{} button[data-action=trim]", row("to-trim.mp4")),
            120,
        )
        .await;
    driver.keys(&[Key::ENTER]).await;
    driver
        .wait_for("the trim dialog", "return document.getElementById('trim-dialog').open && document.getElementById('trim-start').max > 0", LONG)
        .await;
    violations.extend(axe(&driver, &axe_js, "the trim dialog").await);
    driver.tab_to("#trim-start", 20).await;
    driver.keys(&[Key::RIGHT, Key::RIGHT]).await;
    let said = driver
        .exec(
            "return document.getElementById('trim-start').getAttribute('aria-valuetext')",
            json!([]),
        )
        .await;
    assert_eq!(said, json!("1 sec"), "the start slider reads as a time");
    shot(&driver, "a11y-02-trim.png").await;
    driver.tab_to("#trim-cut", 20).await;
    driver.keys(&[Key::ENTER]).await;
    wait(
        &driver,
        dir.path(),
        "the dialog to close with focus on the cut's row",
        "return !document.getElementById('trim-dialog').open && !!document.activeElement.closest('#queue-list li')",
    )
    .await;
    let cut = driver
        .exec(
            "return document.activeElement.closest('#queue-list li').dataset.name",
            json!([]),
        )
        .await;
    let cut = cut.as_str().unwrap().to_string();
    assert_ne!(
        cut, "to-trim.mp4",
        "focus is on the cut, which took the video's place"
    );

    // The cut went up in the video's place.
    wait_row_state(&driver, &cut, "Done").await;

    // An upload limit typed in Settings and saved with Enter, so that the next upload
    // lasts long enough to be paused.
    tab_view(&driver, "settings").await;
    settings_shown(&driver).await;
    driver.tab_to("#set-limit", 80).await;
    driver.keys(&["0", ".", "2", Key::ENTER]).await;
    wait(
        &driver,
        dir.path(),
        "the limit to be saved",
        "return document.getElementById('set-result').textContent.startsWith('Saved')",
    )
    .await;

    // Resume, Pause and Cancel one job, each from its own row's buttons.
    tab_view(&driver, "queue").await;
    let on_row = |action: &str| format!("{} button[data-action={action}]", row("to-cancel.mp4"));
    driver.tab_to(&on_row("resume"), 120).await;
    driver.keys(&[Key::ENTER]).await;
    // Resumed: in line or on its way (both offer Pause).
    wait(
        &driver,
        dir.path(),
        "the job to be resumed",
        &format!("return !!document.querySelector({:?})", on_row("pause")),
    )
    .await;
    driver.tab_to(&on_row("pause"), 120).await;
    driver.keys(&[Key::ENTER]).await;
    wait_row_state(&driver, "to-cancel.mp4", "Paused").await;
    driver.tab_to(&on_row("cancel"), 120).await;
    driver.keys(&[Key::ENTER]).await;
    wait_row_state(&driver, "to-cancel.mp4", "Cancelled").await;
    // Retry the failed one: it fails again (its file changed), and says so.
    driver
        .tab_to(
            &format!("{} button[data-action=retry]", row("changes.mp4")),
            120,
        )
        .await;
    driver.keys(&[Key::ENTER]).await;
    wait_row_state(&driver, "changes.mp4", "Failed").await;
    violations.extend(axe(&driver, &axe_js, "Uploads (cancelled, retried)").await);

    // Record: the Record tab by arrow keys, Record, Start now (the countdown), Pause,
    // Resume, Stop: all with Enter.
    tab_view(&driver, "record").await;
    driver
        .wait_for(
            "a screen to record",
            "return document.getElementById('rec-screen').value !== ''",
            LONG,
        )
        .await;
    violations.extend(axe(&driver, &axe_js, "Record").await);
    shot(&driver, "a11y-03-record.png").await;
    driver.tab_to("#rec-button", 40).await;
    press(
        &driver,
        &[Key::ENTER],
        "the countdown",
        "return !document.getElementById('rec-countdown').hidden",
    )
    .await;
    press(
        &driver,
        &[Key::ENTER],
        "the recording",
        "return document.getElementById('rec-button').dataset.face === 'stop'",
    )
    .await;
    violations.extend(axe(&driver, &axe_js, "Record while recording").await);
    driver.tab_to("#rec-pause", 10).await;
    press(
        &driver,
        &[Key::ENTER],
        "the pause",
        "return document.getElementById('rec-pause').dataset.face === 'resume'",
    )
    .await;
    press(
        &driver,
        &[Key::ENTER],
        "the resume",
        "return document.getElementById('rec-pause').dataset.face === 'pause'",
    )
    .await;
    driver.keys(&[Key::SHIFT, Key::TAB]).await;
    driver.keys(&[Key::ENTER]).await;
    driver
        .wait_for("the recording to stop", "return document.getElementById('rec-button').dataset.face === 'record' && !document.getElementById('rec-button').disabled", LONG)
        .await;

    // Sessions, then Settings: a choice changed with Space and saved with Enter.
    tab_view(&driver, "sessions").await;
    driver
        .wait_for(
            "the sessions",
            "return document.querySelectorAll('#session-list li').length >= 3",
            LONG,
        )
        .await;
    violations.extend(axe(&driver, &axe_js, "Sessions").await);
    shot(&driver, "a11y-04-sessions.png").await;
    tab_view(&driver, "settings").await;
    settings_shown(&driver).await;
    violations.extend(axe(&driver, &axe_js, "Settings (signed out)").await);
    driver.tab_to("#set-countdown", 80).await;
    let before = driver
        .exec(
            "return document.getElementById('set-countdown').checked",
            json!([]),
        )
        .await;
    driver.keys(&[Key::SPACE]).await;
    driver.tab_to("#set-save", 80).await;
    press(
        &driver,
        &[Key::ENTER],
        "the settings to be saved",
        "return document.getElementById('set-result').textContent.startsWith('Saved')",
    )
    .await;
    let after = driver
        .exec(
            "return document.getElementById('set-countdown').checked",
            json!([]),
        )
        .await;
    assert_ne!(
        before, after,
        "Space toggled the countdown and Save kept it"
    );
    shot(&driver, "a11y-05-settings.png").await;

    // An error notice shown (a refused file), checked as the rest.
    driver
        .exec("document.getElementById('tab-queue').click()", json!([]))
        .await;
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a video").unwrap();
    idance_tests::desktop::drag_files(&display, "iDance Capture", &[&notes]);
    driver
        .wait_for("the refusal, announced", "return [...document.querySelectorAll('#notices [role=alert]')].some(n => n.textContent.includes('notes.txt'))", LONG)
        .await;
    violations.extend(axe(&driver, &axe_js, "an error notice").await);
    shot(&driver, "a11y-06-error-notice.png").await;
    assert!(
        violations.is_empty(),
        "axe found:\n{}\n{}",
        violations.join("\n"),
        app_log(dir.path())
    );
    driver.quit().await;
}

/// The window in the system's language (es_MX here), then in the one chosen in Settings
/// (Portuguese): every view drawn, checked for text cut off, screenshotted for a look,
/// and checked by axe.
#[tokio::test(flavor = "multi_thread")]
async fn the_window_speaks_spanish_and_portuguese() {
    let axe_js = axe_source();
    let dir = tempfile::tempdir().unwrap();
    let app = workspace_bin("idance-app", "idance-app");
    queue_video(dir.path(), "clase.mp4", 2);
    let (_x, display) = xvfb();
    let mut vars = app_env(dir.path());
    // As a desktop session in Mexico sets it (scripts/install-deps makes the locale).
    vars.push(("LANG", "es_MX.UTF-8".to_string()));
    vars.push(("LC_ALL", "es_MX.UTF-8".to_string()));
    let (_driver_proc, base) = tauri_driver(&display, &vars);
    let driver = Driver::start(&base, &app).await;
    driver.wait_for("the app to start", READY, LONG).await;
    let mut violations = Vec::new();
    for (lang, tab) in [("es", "Subidas"), ("pt-BR", "Envios")] {
        let html_lang = driver
            .exec("return document.documentElement.lang", json!([]))
            .await;
        assert_eq!(html_lang, json!(lang), "{}", app_log(dir.path()));
        let label = driver
            .exec(
                "return document.getElementById('tab-queue').firstChild.textContent",
                json!([]),
            )
            .await;
        assert_eq!(label, json!(tab));
        for view in ["queue", "record", "sessions", "settings"] {
            driver
                .exec(
                    &format!("document.getElementById('tab-{view}').click()"),
                    json!([]),
                )
                .await;
            tokio::time::sleep(Duration::from_millis(800)).await;
            violations.extend(axe(&driver, &axe_js, &format!("{lang} {view}")).await);
            // Longer words must not be cut off: no control's text wider than its box.
            let clipped = driver.exec(CLIPPED, json!([])).await;
            assert_eq!(clipped, json!([]), "{lang} {view}: text cut off");
            shot(&driver, &format!("lang-{lang}-{view}.png")).await;
        }
        if lang == "es" {
            // Settings → Language: Portuguese. The page comes back in it, on Settings.
            driver
                .exec("const s = document.getElementById('set-language'); s.value = 'pt-BR'; s.dispatchEvent(new Event('change', {bubbles: true}))", json!([]))
                .await;
            driver
                .wait_for("the window in Portuguese", "return document.documentElement.lang === 'pt-BR' && document.body.dataset.ready === 'true' && document.body.dataset.view === 'settings'", LONG)
                .await;
        }
    }
    assert!(
        violations.is_empty(),
        "axe found:\n{}",
        violations.join("\n")
    );
    driver.quit().await;
}
