//! The client's sign-in (accounts.md, client duties) against the real server: access
//! tokens renewed before they expire during a long upload, one refresh when several
//! holders of the sign-in need one at once, and jobs that wait for a new sign-in after
//! the account was disabled and go on by themselves after it.

use idance_contract::FileKind;
use idance_core::secrets::Secrets;
use idance_core::{ApiClient, JobState, Queue, Runner, SignIn, Uploader, UploaderConfig};
use idance_tests::{Backend, Options, TestServer};
use reqwest::Method;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "rumba-rumba-42";
const EMAIL: &str = "lena@studio.example";

/// A server whose access tokens live 5 s, with one account.
async fn server() -> TestServer {
    let s = TestServer::start_with(
        Backend::Garage,
        Options {
            access_token_secs: Some(5),
            ..Options::default()
        },
    )
    .await;
    let admin = s.admin().await;
    admin
        .add_user(EMAIL, Some("Lena"), PASSWORD.into())
        .await
        .expect("user added");
    admin.close().await;
    s
}

fn sign_in(s: &TestServer, client_dir: &Path) -> SignIn {
    SignIn::with_secrets(
        &s.handle.base_url(),
        client_dir,
        Secrets::file_only(client_dir.to_path_buf()),
    )
    .expect("sign-in")
}

fn runner(sign_in: SignIn, client_dir: &Path, limit: Option<u64>) -> Runner {
    let api = ApiClient::signed_in(Arc::new(sign_in)).expect("api");
    let queue = Queue::open(&client_dir.join("queue.db")).expect("queue");
    let config = UploaderConfig {
        max_bytes_per_sec: limit,
        max_outage: Duration::from_secs(60),
        ..Default::default()
    };
    Runner::new(Uploader::new(api, queue, config))
}

async fn enqueue(runner: &Runner, file: &Path) -> String {
    let q = runner.uploader.queue_handle();
    let s = q.create_session(Some("class".into())).await.unwrap();
    q.enqueue(&s.local_id, file, FileKind::Video, Some(600.0))
        .await
        .unwrap()
        .job_id
}

async fn status_with(s: &TestServer, token: &str) -> u16 {
    s.call_raw(Method::GET, "/api/auth/me", Some(token), None)
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn a_long_upload_outlives_several_access_tokens_without_a_401_reaching_the_job() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let client_dir = dir.path().join("client");
    let first = sign_in(&s, &client_dir);
    first.login(EMAIL, PASSWORD, Some("test")).await.unwrap();
    let first_token = first.access_token().await.unwrap();

    let file = dir.path().join("long-class.mp4");
    std::fs::write(&file, idance_tests::random_bytes(300 * 1000 * 1000)).unwrap();
    // 300 MB at 20 MB/s: about 15 s, three access tokens' lives.
    let runner = runner(sign_in(&s, &client_dir), &client_dir, Some(20_000_000));
    let job_id = enqueue(&runner, &file).await;
    let q = runner.uploader.queue_handle();
    let watch = {
        let (q, id) = (q.clone(), job_id.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                if let Ok(j) = q.job(id.clone()).await {
                    if j.wait_reason.is_some() || j.error.is_some() {
                        seen.push(format!("{:?} {:?} {:?}", j.state, j.wait_reason, j.error));
                    }
                    if j.state == JobState::Completed {
                        return seen;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = Instant::now();
    let results = runner.sync(None, Duration::from_secs(180)).await.unwrap();
    let took = started.elapsed();
    let job = &results.iter().find(|(j, _)| j.job_id == job_id).unwrap().0;
    assert_eq!(job.state, JobState::Completed, "{:?}", job.error);
    let seen = watch.await.unwrap();
    assert!(seen.is_empty(), "the job saw the sign-in: {seen:?}");
    assert!(
        took > Duration::from_secs(12),
        "too fast to matter: {took:?}"
    );
    // The upload outlived its first access token: the server refuses it now.
    assert_eq!(status_with(&s, &first_token).await, 401);
    s.assert_stored(
        &first.access_token().await.unwrap(),
        job.file_key().unwrap(),
        &file,
        "long class",
    )
    .await;
    s.shutdown().await;
}

#[tokio::test]
async fn holders_of_one_sign_in_refresh_once_and_all_get_the_new_token() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let client_dir = dir.path().join("client");
    sign_in(&s, &client_dir)
        .login(EMAIL, PASSWORD, None)
        .await
        .unwrap();
    // Separate holders, as separate processes are: each its own state and lock handle.
    let holders: Vec<Arc<SignIn>> = (0..6).map(|_| Arc::new(sign_in(&s, &client_dir))).collect();
    let before = holders[0].access_token().await.unwrap();
    for round in 0..2 {
        // Past the renewal point (3.75 s of 5): every holder wants a new token at once.
        tokio::time::sleep(Duration::from_millis(4_000)).await;
        let mut tasks = Vec::new();
        for h in &holders {
            let h = h.clone();
            tasks.push(tokio::spawn(async move { h.access_token().await }));
        }
        let mut tokens = Vec::new();
        for t in tasks {
            tokens.push(t.await.unwrap().expect("a renewed token"));
        }
        tokens.dedup();
        assert_eq!(tokens.len(), 1, "round {round}: more than one refresh");
        assert_ne!(tokens[0], before, "round {round}: not renewed");
        assert_eq!(status_with(&s, &tokens[0]).await, 200, "round {round}");
    }
    // The sign-in is still alive: a reused refresh token would have revoked it.
    tokio::time::sleep(Duration::from_millis(4_000)).await;
    let later = sign_in(&s, &client_dir).access_token().await.unwrap();
    assert_eq!(status_with(&s, &later).await, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn after_the_account_is_disabled_jobs_wait_for_a_sign_in_and_go_on_after_one() {
    let s = server().await;
    let dir = tempfile::tempdir().unwrap();
    let client_dir = dir.path().join("client");
    sign_in(&s, &client_dir)
        .login(EMAIL, PASSWORD, None)
        .await
        .unwrap();
    let admin = s.admin().await;
    admin.set_disabled(EMAIL, true).await.unwrap();
    // Past the access token's renewal point: the next request needs a refresh, which
    // the server now refuses.
    tokio::time::sleep(Duration::from_millis(4_000)).await;

    let file = idance_tests::make_video(dir.path(), "class.mp4", 2);
    let runner = runner(sign_in(&s, &client_dir), &client_dir, None);
    let job_id = enqueue(&runner, &file).await;
    let results = runner.sync(None, Duration::from_secs(60)).await.unwrap();
    let waiting = &results.iter().find(|(j, _)| j.job_id == job_id).unwrap().0;
    assert_eq!(waiting.state, JobState::Waiting, "{:?}", waiting.error);
    assert_eq!(waiting.wait_reason, Some(idance_core::WaitReason::SignIn));
    assert!(
        waiting
            .error
            .as_deref()
            .unwrap_or("")
            .contains("sign in again"),
        "{:?}",
        waiting.error
    );
    // A disabled account cannot sign in again.
    let refused = sign_in(&s, &client_dir)
        .login(EMAIL, PASSWORD, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        idance_core::Refusal::Disabled.to_string()
    );

    // Enabled, and signed in again elsewhere (as `idance login` in another process):
    // the same runner goes on with the new sign-in by itself.
    admin.set_disabled(EMAIL, false).await.unwrap();
    admin.close().await;
    sign_in(&s, &client_dir)
        .login(EMAIL, PASSWORD, None)
        .await
        .unwrap();
    let results = runner.sync(None, Duration::from_secs(60)).await.unwrap();
    let job = &results.iter().find(|(j, _)| j.job_id == job_id).unwrap().0;
    assert_eq!(job.state, JobState::Completed, "{:?}", job.error);
    s.shutdown().await;
}
