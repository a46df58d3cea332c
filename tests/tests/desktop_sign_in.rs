//! The app's Sign in (Settings) against the real server with accounts: dropped videos
//! wait for a sign-in, a wrong password changes nothing, the right one starts them, and
//! `idance sync` in another process uploads from the same queue on the same sign-in
//! while both renew 5-second access tokens (one refresh at a time across processes; a
//! refresh token spent twice would end the sign-in). The password is kept nowhere.

use idance_core::{JobState, SignIn, WaitReason};
use idance_desktop::settings::{self, ChoiceStore, SignInInput};
use idance_desktop::{Backend, Desktop, Mode, Settings, Stored};
use idance_tests::{Options, TestServer, make_video};
use reqwest::Method;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const EMAIL: &str = "maya@studio.example";
const PASSWORD: &str = "cha-cha-slide-7";

#[derive(Default)]
struct Memory(Mutex<Option<Stored>>);

impl ChoiceStore for Memory {
    fn load(&self) -> Stored {
        self.0.lock().unwrap().clone().unwrap_or_default()
    }
    fn save(&self, stored: &Stored) -> Result<(), String> {
        *self.0.lock().unwrap() = Some(stored.clone());
        Ok(())
    }
}

async fn jobs(d: &Desktop) -> Vec<idance_desktop::JobView> {
    d.queue_view().await.unwrap()
}

#[test]
fn signing_in_in_the_app_starts_the_waiting_uploads_and_the_cli_shares_the_sign_in() {
    // SAFETY: set before the runtime and any other thread start.
    unsafe { std::env::set_var("IDANCE_NO_KEYCHAIN", "1") };
    // Built first: building it mid-test would let the app finish alone meanwhile.
    let idance = idance_tests::desktop::workspace_bin("idance-cli", "idance");
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(idance));
}

async fn run(idance: std::path::PathBuf) {
    let s = TestServer::start_with(
        idance_tests::Backend::Garage,
        Options {
            access_token_secs: Some(5),
            ..Options::default()
        },
    )
    .await;
    let admin = s.admin().await;
    admin
        .add_user(EMAIL, Some("Maya"), PASSWORD.into())
        .await
        .unwrap();
    admin.close().await;
    let url = s.handle.base_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let videos: Vec<_> = (0..4)
        .map(|i| make_video(dir.path(), &format!("class-{i}.mp4"), 12))
        .collect();

    // The server is chosen, nobody is signed in: dropped videos wait for a sign-in.
    let limit = 2_000_000;
    let d = Desktop::start(
        data.clone(),
        Settings {
            backend: Backend::Remote {
                url: url.clone(),
                token: None,
            },
            limit: Some(limit),
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    for v in &videos {
        let r = d.register_file(v);
        let added = d.add_files(&[r.id], None).await.remove(0);
        assert!(added.error.is_none(), "{:?}", added.error);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let js = jobs(&d).await;
        let waiting = js
            .iter()
            .filter(|j| j.state == JobState::Waiting && j.wait_reason == Some(WaitReason::SignIn))
            .count();
        if waiting == js.len() && js.len() >= 4 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs did not wait for a sign-in: {js:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A wrong password: refused by kind, nothing saved.
    // The app's stored choices so far: only its bandwidth limit.
    let store = Memory(Mutex::new(Some(Stored {
        limit: Some(limit),
        ..Stored::default()
    })));
    let secrets = idance_desktop::secrets::Secrets::new(data.join("client"));
    let input = |password: &str| SignInInput {
        server_url: format!("{url}/"),
        email: format!("  {}  ", EMAIL.to_uppercase()),
        password: password.into(),
    };
    let e = settings::sign_in(&d, &store, &secrets, input("wrong-wrong"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "wrong_password", "{e}");
    assert_eq!(
        store.0.lock().unwrap().as_ref().map(|s| s.mode),
        Some(Mode::Embedded),
        "a refused sign-in saved the choice"
    );
    assert!(SignIn::saved_in(&data.join("client")).is_none());

    // The right one: the account is shown, the choice saved, the uploads go.
    let view = settings::sign_in(&d, &store, &secrets, input(PASSWORD))
        .await
        .unwrap();
    let account = view.account.expect("signed in");
    assert_eq!(
        (account.email.as_str(), account.name.as_str()),
        (EMAIL, "Maya")
    );
    let kept = store.0.lock().unwrap().clone().unwrap();
    assert_eq!(kept.mode, Mode::Remote);
    assert_eq!(kept.email.as_deref(), Some(EMAIL));
    assert_eq!(
        kept.limit,
        Some(limit),
        "the sign-in kept the other choices"
    );

    // The command line on the same data folder and sign-in, uploading beside the app.
    let cli = tokio::process::Command::new(idance)
        .arg("--data-dir")
        .arg(&data)
        .args(["sync", "--limit", "2M", "--timeout", "180s", "--json"])
        .env("IDANCE_NO_KEYCHAIN", "1")
        .env("IDANCE_LOG", "warn")
        .env_remove("IDANCE_SERVER")
        .env_remove("IDANCE_TOKEN")
        .kill_on_drop(true)
        .output();
    let started = Instant::now();
    let cli = tokio::spawn(cli);
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let js = jobs(&d).await;
        if let Some(j) = js
            .iter()
            .find(|j| j.wait_reason == Some(WaitReason::SignIn))
        {
            let j = j.clone();
            let out = cli.await.unwrap().unwrap();
            panic!(
                "a job lost the sign-in after {:?}: {j:?}\nidance sync: {}\n{}",
                started.elapsed(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if js.iter().all(|j| j.state == JobState::Completed) {
            break;
        }
        assert!(Instant::now() < deadline, "uploads did not finish: {js:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let out = cli.await.unwrap().unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "idance sync: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // 48 MB at 2 MB/s per process: several 5-second access tokens were renewed.
    assert!(
        took > Duration::from_secs(10),
        "too fast to have renewed tokens: {took:?}"
    );
    let sessions = d.sessions_view().await.unwrap();
    assert_eq!(sessions.len(), 4);
    assert!(sessions.iter().all(|s| s.state == "online"), "{sessions:?}");

    // The sign-in is still good (no refresh token was spent twice)…
    let again = SignIn::new(&url, &data.join("client")).unwrap();
    let token = again.access_token().await.unwrap();
    let me = s
        .call_raw(Method::GET, "/api/auth/me", Some(&token), None)
        .await;
    assert_eq!(me.status, 200, "{:?}", me.json);
    // …and the password is in no file of the data folder.
    assert_eq!(idance_tests::file_holding(&data, PASSWORD.as_bytes()), None);

    // Signing out forgets it here (that the server ends it is the core's test).
    let view = settings::sign_out(&d, &store, &secrets).await.unwrap();
    assert!(view.account.is_none());
    assert_eq!(view.email.as_deref(), Some(EMAIL));
    assert!(SignIn::saved_in(&data.join("client")).is_none());
    d.shutdown().await;
    s.shutdown().await;
}
