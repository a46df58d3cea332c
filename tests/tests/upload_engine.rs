//! The client's queue + uploader against the real server on both stores: byte-identical
//! uploads, resume that re-sends nothing storage has, refusal of changed files.

use idance_contract::FileKind;
use idance_core::upload::Counters;
use idance_core::{Job, JobState, Runner};
use idance_tests::{BACKENDS, TestServer, client, make_video, runner_at};
use idance_tests::{md5_b64, md5_hex};
use std::time::Duration;

/// The job is completed and storage holds exactly `file` under its key.
async fn assert_completed(srv: &TestServer, job: &Job, file: &std::path::Path, what: &str) {
    assert_eq!(job.state, JobState::Completed, "{what}: {:?}", job.error);
    let (key, _) = job.stored().expect("a completed job has a key");
    srv.assert_stored(&srv.token("teacher"), key, file, what)
        .await;
}

/// An uploader over a link of `bytes_per_sec`.
fn throttled(workers: usize, bytes_per_sec: u64) -> idance_core::UploaderConfig {
    idance_core::UploaderConfig {
        workers,
        max_outage: Duration::from_secs(120),
        max_bytes_per_sec: Some(bytes_per_sec),
        ..Default::default()
    }
}

async fn enqueue(runner: &Runner, file: &std::path::Path) -> String {
    let q = &runner.uploader.queue_handle();
    let s = q.create_session(Some("class".into())).await.unwrap();
    q.enqueue(&s.local_id, file, FileKind::Video, Some(240.0))
        .await
        .unwrap()
        .job_id
}

#[tokio::test]
async fn a_queued_video_is_stored_byte_identical_and_the_session_completed() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let video = make_video(dir.path(), "class.mp4", 20);
        let size = std::fs::metadata(&video).unwrap().len();
        assert!(
            size > 16 * 1024 * 1024,
            "test video too small for 3 parts: {size}"
        );
        let runner = client(&srv, "teacher", dir.path(), 4);
        let job_id = enqueue(&runner, &video).await;
        let results = runner.sync(None, Duration::from_secs(120)).await.unwrap();
        let (job, sent) = results
            .into_iter()
            .find(|(j, _)| j.job_id == job_id)
            .unwrap();
        assert_eq!(
            job.state,
            JobState::Completed,
            "{backend:?}: {:?}",
            job.error
        );
        assert_eq!(sent, size, "{backend:?}: bytes sent ≠ file size");
        let key = job.stored().unwrap().0.to_string();
        srv.assert_stored(
            &srv.token("teacher"),
            &key,
            &video,
            &format!("{backend:?}: object differs"),
        )
        .await;
        // The session is completed on the server: completing it again differently is 409.
        let session = key.split('/').nth(2).unwrap().to_string();
        let again = srv
            .post(
                "/api/s3/upload/video",
                &srv.token("teacher"),
                serde_json::json!({"session_id": session}),
            )
            .await;
        again.assert_error(409, "upload to the completed session");
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn an_interrupted_upload_resumes_without_resending_stored_parts() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let video = make_video(dir.path(), "long.mp4", 30);
        let size = std::fs::metadata(&video).unwrap().len();
        let part = 8 * 1024 * 1024u64;

        // First run: one part at a time, stopped once the first part is confirmed.
        let first = client(&srv, "teacher", dir.path(), 1);
        let job_id = enqueue(&first, &video).await;
        let mut events = first.uploader.subscribe();
        let stop = first.uploader.cancel_token();
        let watcher = tokio::spawn(async move {
            while let Ok(p) = events.recv().await {
                if p.bytes_done >= part {
                    stop.cancel();
                    break;
                }
            }
        });
        let _ = first.run_job(&job_id, None).await.unwrap();
        watcher.abort();
        let sent_first = Counters::get(&first.uploader.counters().bytes_sent);
        assert!(
            sent_first < size,
            "{backend:?}: the first run was not interrupted"
        );

        // Second run, as after a restart: a fresh process state over the same queue.
        let second = client(&srv, "teacher", dir.path(), 4);
        let (job, sent_second) = second.run_job(&job_id, None).await.unwrap();
        assert!(
            sent_second <= size - part,
            "{backend:?}: resume re-sent stored bytes ({sent_second} of {size}, first run stored ≥ {part})"
        );
        assert_completed(&srv, &job, &video, &format!("{backend:?}: resumed")).await;
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn a_file_changed_after_queueing_fails_with_the_reason_and_uploads_nothing() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "edited.mp4", 2);
    let runner = client(&srv, "teacher", dir.path(), 2);
    let job_id = enqueue(&runner, &video).await;
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&video)
            .unwrap();
        f.write_all(b"more").unwrap();
    }
    let (job, sent) = runner.run_job(&job_id, None).await.unwrap();
    assert_eq!(job.state, JobState::Failed);
    assert!(
        job.error
            .as_deref()
            .unwrap_or("")
            .contains("changed after it was queued"),
        "{:?}",
        job.error
    );
    assert_eq!(sent, 0);
    assert!(srv.keys().await.is_empty(), "something was stored");
    assert!(video.exists(), "the user's file must never be touched");
    srv.shutdown().await;
}

#[tokio::test]
async fn sync_waits_for_a_backend_that_is_down_and_finishes_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "offline.mp4", 2);
    // Find a port, then leave it closed: the backend is "down".
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let queue = idance_core::Queue::open(&dir.path().join("queue.db")).unwrap();
    let s = queue.create_session(None).await.unwrap();
    let job = queue
        .enqueue(&s.local_id, &video, FileKind::Video, Some(60.0))
        .await
        .unwrap();

    // The server comes up 10 s later on that port, with a secret we know in advance.
    let server_dir = tempfile::tempdir().unwrap();
    let vars: std::collections::HashMap<String, String> =
        [("JWT_SECRET".to_string(), "s3cret".to_string())].into();
    let config = idance_server::Config::from_vars(
        server_dir.path().join("server"),
        format!("127.0.0.1:{port}").parse().unwrap(),
        &vars,
    )
    .unwrap();
    let token = idance_server::auth::Jwt::new(b"s3cret")
        .issue("offline_user", Duration::from_secs(600))
        .unwrap();
    let api = idance_core::ApiClient::new(&format!("http://127.0.0.1:{port}"), &token).unwrap();
    let runner = Runner::new(idance_core::Uploader::new(
        api,
        queue.clone(),
        idance_core::UploaderConfig {
            workers: 2,
            max_outage: Duration::from_secs(120),
            ..Default::default()
        },
    ));
    let later = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        idance_server::start(config).await.unwrap()
    });
    let results = runner.sync(None, Duration::from_secs(90)).await.unwrap();
    let handle = later.await.unwrap();
    let (done, _) = results
        .iter()
        .find(|(j, _)| j.job_id == job.job_id)
        .unwrap();
    assert_eq!(done.state, JobState::Completed, "{:?}", done.error);
    assert!(
        Counters::get(&runner.uploader.counters().retries) > 0,
        "no retry was counted while the backend was down"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn a_part_a_only_backend_gets_one_streamed_put() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let stub = idance_tests::part_a::start(srv.handle.base_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "seed.mp4", 12);
    let size = std::fs::metadata(&video).unwrap().len();
    let api = idance_core::ApiClient::new(&stub, &srv.token("seed_user")).unwrap();
    assert_eq!(
        api.mode().await.unwrap(),
        idance_core::ServerMode::SinglePut
    );
    let runner = runner_at(
        &stub,
        &srv.token("seed_user"),
        dir.path(),
        Default::default(),
    );
    let job_id = enqueue(&runner, &video).await;
    let (job, sent) = runner.run_job(&job_id, None).await.unwrap();
    assert_eq!(job.state, JobState::Completed, "{:?}", job.error);
    assert_eq!(sent, size);
    assert_eq!(
        Counters::get(&runner.uploader.counters().parts_sent),
        0,
        "multipart used against a Part A server"
    );
    srv.assert_stored(
        &srv.token("seed_user"),
        job.stored().unwrap().0,
        &video,
        "object",
    )
    .await;

    // Part A errors (422, detail only) fail the job with the server's words.
    let other = make_video(dir.path(), "other.mov", 1);
    let q = runner.uploader.queue_handle();
    let s = q
        .adopt_session("00000000-0000-4000-8000-000000000000".into())
        .await
        .unwrap();
    let bad = q
        .enqueue(&s.local_id, &other, FileKind::Video, Some(60.0))
        .await
        .unwrap();
    let (bad, _) = runner.run_job(&bad.job_id, None).await.unwrap();
    assert_eq!(bad.state, JobState::Failed);
    assert!(
        bad.error
            .as_deref()
            .unwrap_or("")
            .contains("unknown session"),
        "{:?}",
        bad.error
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn a_recording_against_a_part_a_backend_is_sent_whole_after_stop() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let stub = idance_tests::part_a::start(srv.handle.base_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "recording.mp4", 12);
    let size = std::fs::metadata(&video).unwrap().len();
    // A live recorder holds the recording's marker.
    let marker = idance_media::record::Marker::create(&video, None, None).unwrap();
    let token = srv.token("seed_user");
    let runner = runner_at(&stub, &token, dir.path(), Default::default());
    let q = runner.uploader.queue_handle();
    let s = q.create_session(Some("Live class".into())).await.unwrap();
    let job = q.enqueue_growing(&s.local_id, &video).await.unwrap();
    let (during, sent) = runner.run_job(&job.job_id, None).await.unwrap();
    assert_eq!(
        sent, 0,
        "a single PUT cannot start before the recording ends"
    );
    assert!(during.state.is_pending(), "{:?}", during.state);
    // Stop.
    q.finish_growing(job.job_id.clone(), Some(4.0))
        .await
        .unwrap();
    marker.release().unwrap();
    let (done, sent) = runner.run_job(&job.job_id, None).await.unwrap();
    assert_eq!(done.state, JobState::Completed, "{:?}", done.error);
    assert_eq!(sent, size);
    assert_eq!(Counters::get(&runner.uploader.counters().parts_sent), 0);
    srv.assert_stored(&token, done.stored().unwrap().0, &video, "recording")
        .await;
    srv.shutdown().await;
}

#[tokio::test]
async fn a_revoked_token_leaves_jobs_waiting_until_a_new_one_is_given() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "signin.mp4", 2);
    let forged = idance_server::auth::Jwt::new(b"someone else")
        .issue("teacher", Duration::from_secs(60))
        .unwrap();
    let runner = runner_at(
        &srv.handle.base_url(),
        &forged,
        dir.path(),
        Default::default(),
    );
    let job_id = enqueue(&runner, &video).await;
    let (job, _) = runner.run_job(&job_id, None).await.unwrap();
    assert_eq!(job.state, JobState::Waiting, "a 401 must not fail the job");
    assert!(
        job.error.as_deref().unwrap_or("").contains("sign in again"),
        "{:?}",
        job.error
    );

    let runner = runner_at(
        &srv.handle.base_url(),
        &srv.token("teacher"),
        dir.path(),
        Default::default(),
    );
    let results = runner.sync(None, Duration::from_secs(60)).await.unwrap();
    assert_eq!(
        results[0].0.state,
        JobState::Completed,
        "{:?}",
        results[0].0.error
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn two_runners_on_one_queue_send_no_byte_twice() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let dir = tempfile::tempdir().unwrap();
    let a = client(&srv, "teacher", dir.path(), 2);
    let mut total = 0;
    for i in 0..3 {
        let v = make_video(dir.path(), &format!("v{i}.mp4"), 10);
        total += std::fs::metadata(&v).unwrap().len();
        enqueue(&a, &v).await;
    }
    let b = client(&srv, "teacher", dir.path(), 2);
    let (ra, rb) = tokio::join!(
        a.sync(None, Duration::from_secs(120)),
        b.sync(None, Duration::from_secs(120))
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(
        ra.iter()
            .chain(&rb)
            .all(|(j, _)| j.state == JobState::Completed)
    );
    let sent = Counters::get(&a.uploader.counters().bytes_sent)
        + Counters::get(&b.uploader.counters().bytes_sent);
    assert_eq!(
        sent, total,
        "the two runners sent {sent} bytes for {total} bytes of files"
    );
    srv.shutdown().await;
}

/// A bandwidth limit holds while the bytes go, for a file sent in one PUT too (it once
/// only spaced the starts of parts apart, so a one-part video went at full speed).
#[tokio::test]
async fn the_bandwidth_limit_holds_for_a_file_sent_in_one_put() {
    let srv = TestServer::start(idance_tests::Backend::Garage).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "short.mp4", 3);
    let size = std::fs::metadata(&video).unwrap().len();
    assert!(
        size < idance_contract::DEFAULT_PART_SIZE,
        "one part: {size}"
    );
    let limit = 1_000_000;
    let runner = idance_tests::client_with(&srv, "teacher", dir.path(), throttled(4, limit));
    let job_id = enqueue(&runner, &video).await;
    let began = std::time::Instant::now();
    let (job, _) = runner.run_job(&job_id, None).await.unwrap();
    let took = began.elapsed();
    assert_completed(&srv, &job, &video, "limited").await;
    // The first chunk (256 KiB) goes at once; the rest at the limit, never faster.
    let least = Duration::from_secs_f64((size - 256 * 1024) as f64 / limit as f64);
    assert!(
        took >= least,
        "{size} B at {limit} B/s took {took:?}, under {least:?}"
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn urls_that_expire_on_a_slow_link_are_signed_again() {
    for backend in BACKENDS {
        let opts = idance_tests::Options {
            presign_expires_secs: Some(2),
            ..Default::default()
        };
        let srv = TestServer::start_with(backend, opts).await;
        let dir = tempfile::tempdir().unwrap();
        let video = make_video(dir.path(), "slow.mp4", 26);
        // 4 parts at 8 MB/s, one at a time: later parts wait > 2 s after signing.
        let config = throttled(1, 8 * 1024 * 1024);
        let runner = idance_tests::client_with(&srv, "teacher", dir.path(), config);
        let job_id = enqueue(&runner, &video).await;
        let (job, _) = runner.run_job(&job_id, None).await.unwrap();
        assert_completed(&srv, &job, &video, &format!("{backend:?}")).await;
        assert!(
            Counters::get(&runner.uploader.counters().resigns) > 0,
            "{backend:?}: no URL expired and was re-signed"
        );
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn part_urls_are_signed_in_batches_ahead_of_the_senders() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let video = dir.path().join("class.mp4");
        std::fs::write(&video, idance_tests::random_bytes(160 * 1024 * 1024)).unwrap();
        let size: u64 = 160 * 1024 * 1024;
        // A link slower than hashing (as any real one is), so parts are hashed ahead.
        let config = throttled(2, 32 * 1024 * 1024);
        let runner = idance_tests::client_with(&srv, "teacher", dir.path(), config);
        let job_id = enqueue(&runner, &video).await;
        let (job, _) = runner.run_job(&job_id, None).await.unwrap();
        assert_completed(&srv, &job, &video, &format!("{backend:?}")).await;
        let counters = runner.uploader.counters();
        let (parts, signs) = (
            Counters::get(&counters.parts_sent),
            Counters::get(&counters.sign_calls),
        );
        assert_eq!(parts, size.div_ceil(8 * 1024 * 1024), "{backend:?}");
        assert!(
            signs * 2 <= parts,
            "{backend:?}: {signs} sign calls for {parts} parts: URLs are not signed in batches"
        );
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn uploads_survive_resets_stalls_and_refusals_on_the_way() {
    use idance_tests::fault_proxy::FaultProxy;
    // Storage behind a faulty proxy (the server signs URLs for the proxy's address),
    // and the API behind another.
    let storage = FaultProxy::start(idance_tests::garage_addr()).await;
    let opts = idance_tests::Options {
        storage_endpoint: Some(storage.url.clone()),
        ..Default::default()
    };
    let srv = TestServer::start_with(idance_tests::Backend::Garage, opts).await;
    let api_proxy = FaultProxy::start(srv.handle.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "rough.mp4", 40);
    let size = std::fs::metadata(&video).unwrap().len();

    let config = idance_core::UploaderConfig {
        workers: 4,
        max_outage: Duration::from_secs(120),
        ..Default::default()
    };
    let runner = runner_at(&api_proxy.url, &srv.token("teacher"), dir.path(), config);
    let job_id = enqueue(&runner, &video).await;
    // API refuses connections for 3 s; storage cuts 4 connections 1 MiB into the
    // request and stalls 2 others for 2 s.
    api_proxy.set(|f| f.refuse_until = Some(std::time::Instant::now() + Duration::from_secs(3)));
    storage.set(|f| {
        f.resets = 4;
        f.reset_after = 1024 * 1024;
        f.stalls = 2;
        f.stall = Duration::from_secs(2);
    });
    let results = runner.sync(None, Duration::from_secs(150)).await.unwrap();
    let (job, sent) = results
        .into_iter()
        .find(|(j, _)| j.job_id == job_id)
        .unwrap();
    assert_eq!(job.state, JobState::Completed, "{:?}", job.error);
    assert_eq!(
        storage.faults.lock().unwrap().resets_done,
        4,
        "the faults were not exercised"
    );
    assert!(
        sent > size,
        "cut parts must have been sent again ({sent} for {size})"
    );
    assert!(Counters::get(&runner.uploader.counters().retries) > 0);
    srv.assert_stored(
        &srv.token("teacher"),
        job.stored().unwrap().0,
        &video,
        "object differs after faults",
    )
    .await;
    srv.shutdown().await;
}

/// Found by `scripts/chaos` (round 57 of a 1000-round run): a one-PUT video whose
/// answer was lost after storage had it all was signed again under a new key and sent
/// again — two objects under its session. Storage is asked first now.
#[tokio::test]
async fn a_one_put_video_whose_answer_was_lost_is_not_sent_again() {
    use idance_tests::fault_proxy::FaultProxy;
    let storage = FaultProxy::start(idance_tests::garage_addr()).await;
    let opts = idance_tests::Options {
        storage_endpoint: Some(storage.url.clone()),
        ..Default::default()
    };
    let srv = TestServer::start_with(idance_tests::Backend::Garage, opts).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "short.mp4", 3);
    let size = std::fs::metadata(&video).unwrap().len();
    assert!(
        size <= idance_contract::DEFAULT_PART_SIZE,
        "one part: one PUT"
    );
    let config = idance_core::UploaderConfig {
        max_outage: Duration::from_secs(60),
        ..Default::default()
    };
    let runner = runner_at(
        &srv.handle.base_url(),
        &srv.token("teacher"),
        dir.path(),
        config,
    );
    let job_id = enqueue(&runner, &video).await;
    storage.set(|f| {
        f.lost_answers = 1;
        f.reset_after = 64 * 1024;
    });
    let results = runner.sync(None, Duration::from_secs(90)).await.unwrap();
    let (job, _) = results
        .into_iter()
        .find(|(j, _)| j.job_id == job_id)
        .unwrap();
    assert_completed(&srv, &job, &video, "after a lost answer").await;
    assert_eq!(
        storage.faults.lock().unwrap().lost_answers_done,
        1,
        "the fault was not exercised"
    );
    let session = job
        .stored()
        .unwrap()
        .0
        .rsplit_once('/')
        .unwrap()
        .0
        .to_string();
    let under: Vec<String> = srv
        .keys()
        .await
        .into_iter()
        .filter(|k| k.starts_with(&session))
        .collect();
    assert_eq!(under.len(), 1, "stored twice: {under:?}");
    let up = storage.faults.lock().unwrap().bytes_up;
    assert!(
        up < size + size / 2,
        "{up} bytes went up for a {size}-byte file"
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn a_300_mb_file_is_stored_byte_identical() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let dir = tempfile::tempdir().unwrap();
        // Random bytes (the server does not look inside; the CLI probes before queueing).
        let file = dir.path().join("big.mp4");
        {
            use std::io::Write;
            let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
            for _ in 0..300 {
                f.write_all(&idance_tests::random_bytes(1024 * 1024))
                    .unwrap();
            }
        }
        let runner = client(&srv, "teacher", dir.path(), 4);
        let job_id = enqueue(&runner, &file).await;
        let (job, sent) = runner.run_job(&job_id, None).await.unwrap();
        assert_completed(&srv, &job, &file, &format!("{backend:?}: 300 MB")).await;
        assert_eq!(sent, 300 * 1024 * 1024);
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn a_pause_or_cancel_from_another_process_stops_the_transfer_mid_job() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let video = make_video(dir.path(), "long.mp4", 40);
        let size = std::fs::metadata(&video).unwrap().len();
        // 4 MiB/s: the whole file would take about 10 s.
        let config = throttled(2, 4 * 1024 * 1024);
        let runner = idance_tests::client_with(&srv, "teacher", dir.path(), config);
        // What `idance pause|cancel` in another process does: its own connection.
        let other = runner_at(
            &srv.handle.base_url(),
            &srv.token("teacher"),
            dir.path(),
            Default::default(),
        )
        .uploader
        .queue_handle();
        let set_after = |job_id: String, t: idance_core::Transition| {
            let other = other.clone();
            async move {
                tokio::time::sleep(Duration::from_secs(2)).await;
                assert!(
                    idance_core::lifecycle::apply(&other, &job_id, t, None)
                        .await
                        .unwrap()
                        .is_done()
                );
                other.job(job_id).await.unwrap().plan().cloned()
            }
        };

        // Pause: the runner stops before the file is through and leaves it paused.
        let job_id = enqueue(&runner, &video).await;
        let (_, ran) = tokio::join!(
            set_after(job_id.clone(), idance_core::Transition::Pause),
            runner.run_job(&job_id, None)
        );
        let (job, sent) = ran.unwrap();
        assert_eq!(job.state, JobState::Paused, "{backend:?}: {:?}", job.error);
        assert!(
            sent < size,
            "{backend:?}: the whole file ({sent} bytes) went out after the pause"
        );
        // Resumed, it finishes; only the parts cut off in flight go again.
        idance_core::lifecycle::resume(&other, &job_id)
            .await
            .unwrap();
        let (job, sent_after) = runner.run_job(&job_id, None).await.unwrap();
        assert_completed(&srv, &job, &video, &format!("{backend:?}")).await;
        assert!(
            sent + sent_after <= size + 2 * 8 * 1024 * 1024,
            "{backend:?}"
        );

        // Cancel (the canceller aborts the upload): the runner neither finishes the
        // job nor starts a new upload for it.
        let job_id = enqueue(&runner, &video).await;
        let cancel = async {
            let plan = set_after(job_id.clone(), idance_core::Transition::Cancel)
                .await
                .unwrap();
            idance_core::ApiClient::new(&srv.handle.base_url(), &srv.token("teacher"))
                .unwrap()
                .abort_multipart(&plan.file_key, &plan.upload_id)
                .await
                .unwrap();
            plan
        };
        let (plan, ran) = tokio::join!(cancel, runner.run_job(&job_id, None));
        let (job, sent) = ran.unwrap();
        assert_eq!(job.state, JobState::Cancelled, "{backend:?}");
        assert!(sent < size, "{backend:?}: {sent} bytes sent after cancel");
        assert_eq!(
            job.plan().map(|p| p.upload_id.clone()),
            Some(plan.upload_id),
            "{backend:?}: a new upload was started for a cancelled job"
        );
        assert!(job.stored().is_none(), "{backend:?}");
        srv.shutdown().await;
    }
}

/// What an earlier process did for job `job_id` (the file `data`) before it died: the
/// session started, a multipart upload created, every part stored and recorded.
struct Earlier {
    session: String,
    plan: idance_core::queue::UploadPlan,
    chunks: Vec<Vec<u8>>,
    part_urls: Vec<String>,
    etags: Vec<String>,
}

async fn stored_by_an_earlier_process(
    srv: &TestServer,
    runner: &Runner,
    job_id: &str,
    data: &[u8],
) -> Earlier {
    use idance_contract::wire::{CreateMultipartRequest, PartToSign, SignPartsRequest};
    let q = runner.uploader.queue_handle();
    let job = q.job(job_id.to_string()).await.unwrap();
    let api = idance_core::ApiClient::new(&srv.handle.base_url(), &srv.token("teacher")).unwrap();
    let session = api
        .start_session(None, Some(&job.local_session))
        .await
        .unwrap();
    q.set_server_session(job.local_session.clone(), session.clone())
        .await
        .unwrap();
    let created = api
        .create_multipart(&CreateMultipartRequest {
            session_id: session.clone(),
            file_extension: Some("mp4".into()),
            content_type: Some("video/mp4".into()),
            file_size_bytes: Some(data.len() as u64),
            checksum_algorithm: None,
        })
        .await
        .unwrap();
    let plan = idance_core::queue::UploadPlan {
        upload_id: created.upload_id.clone(),
        file_key: created.file_key.clone(),
        file_url: created.file_url.clone(),
        part_size: created.part_size,
        checksum: idance_core::queue::PartChecksum::Md5,
    };
    q.set_plan(job_id.to_string(), None, Some(plan.clone()))
        .await
        .unwrap();
    let chunks: Vec<Vec<u8>> = data
        .chunks(created.part_size as usize)
        .map(<[u8]>::to_vec)
        .collect();
    let signed = api
        .sign_parts(&SignPartsRequest {
            file_key: plan.file_key.clone(),
            upload_id: plan.upload_id.clone(),
            parts: chunks
                .iter()
                .enumerate()
                .map(|(i, c)| PartToSign {
                    part_number: i as i64 + 1,
                    content_md5: Some(md5_b64(c)),
                    checksum_crc32c: None,
                })
                .collect(),
        })
        .await
        .unwrap();
    let mut etags = Vec::new();
    for (p, chunk) in signed.parts.iter().zip(&chunks) {
        let r = srv
            .http
            .put(&p.url)
            .header("content-md5", md5_b64(chunk))
            .body(chunk.clone())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let etag = md5_hex(chunk);
        q.record_part(
            job_id.to_string(),
            None,
            p.part_number,
            etag.clone(),
            chunk.len() as u64,
        )
        .await
        .unwrap();
        etags.push(etag);
    }
    Earlier {
        session,
        plan,
        chunks,
        part_urls: signed.parts.iter().map(|p| p.url.clone()).collect(),
        etags,
    }
}

/// Found by `scripts/chaos`: Garage keeps a part sent again and cut mid-body as that
/// part's newest copy, lists the whole earlier one, and refuses every completion
/// (InvalidPart): the job failed for good. Now the upload starts over and completes.
#[tokio::test]
async fn an_upload_storage_refuses_to_complete_from_its_own_parts_starts_over() {
    use tokio::io::AsyncWriteExt;
    let srv = TestServer::start(idance_tests::Backend::Garage).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "class.mp4", 12);
    let data = std::fs::read(&video).unwrap();
    let runner = client(&srv, "teacher", dir.path(), 2);
    let job_id = enqueue(&runner, &video).await;
    // What an earlier process did: session, upload, every part stored and recorded.
    let earlier = stored_by_an_earlier_process(&srv, &runner, &job_id, &data).await;
    let (session, chunks) = (earlier.session, earlier.chunks);
    // Part 1 sent again and cut after 1 MiB of its 8 (the process was killed).
    let url = reqwest::Url::parse(&earlier.part_urls[0]).unwrap();
    let mut tcp = tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
        .await
        .unwrap();
    let head = format!(
        "PUT {}?{} HTTP/1.1\r\nHost: {}:{}\r\nContent-Length: {}\r\nContent-MD5: {}\r\n\r\n",
        url.path(),
        url.query().unwrap_or_default(),
        url.host_str().unwrap(),
        url.port().unwrap(),
        chunks[0].len(),
        md5_b64(&chunks[0])
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&chunks[0][..1 << 20]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(tcp);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let results = runner.sync(None, Duration::from_secs(120)).await.unwrap();
    let (job, _) = results
        .into_iter()
        .find(|(j, _)| j.job_id == job_id)
        .unwrap();
    assert_completed(&srv, &job, &video, "after storage refused its own parts").await;
    let prefix = format!("sessions/teacher/{session}/");
    let under: Vec<String> = srv
        .keys()
        .await
        .into_iter()
        .filter(|k| k.starts_with(&prefix))
        .collect();
    assert_eq!(under.len(), 1, "{under:?}");
    srv.shutdown().await;
}

/// Bug: storage completed the multipart upload, but the server never recorded it (the
/// client went away during `/complete`, or storage's answer was lost): the next try got
/// NoSuchUpload and sent the whole file again under a new key. Now the upload is
/// recognised as completed: nothing is sent again and the object is the one key.
#[tokio::test]
async fn an_upload_storage_completed_behind_the_servers_back_is_not_sent_again() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let video = make_video(dir.path(), "class.mp4", 12);
        let data = std::fs::read(&video).unwrap();
        let runner = client(&srv, "teacher", dir.path(), 2);
        let job_id = enqueue(&runner, &video).await;
        // What the first process did before it died: session, upload, every part.
        let Earlier {
            session,
            plan,
            etags,
            ..
        } = stored_by_an_earlier_process(&srv, &runner, &job_id, &data).await;
        srv.complete_in_storage(&plan.file_key, &plan.upload_id, &etags)
            .await;

        let (job, sent) = runner.run_job(&job_id, None).await.unwrap();
        assert_completed(&srv, &job, &video, &format!("{backend:?}")).await;
        assert_eq!(sent, 0, "{backend:?}: the file was sent again");
        assert_eq!(job.stored().unwrap().0, plan.file_key, "{backend:?}");
        let videos: Vec<_> = srv
            .keys()
            .await
            .into_iter()
            .filter(|k| k.starts_with(&format!("sessions/teacher/{session}/")))
            .collect();
        assert_eq!(videos, vec![plan.file_key.clone()], "{backend:?}: orphans");
        srv.shutdown().await;
    }
}

/// A folder of small clips goes up several at a time: all 200 complete byte-identical,
/// never more than `jobs` in flight (and that many at the busiest), and a pause of one
/// job in flight stops that one only.
#[tokio::test]
async fn two_hundred_small_files_go_up_several_at_once_and_a_pause_stops_only_its_job() {
    let srv = TestServer::start(idance_tests::Backend::Garage).await;
    let dir = tempfile::tempdir().unwrap();
    let jobs = 6;
    let runner = idance_tests::client_with(
        &srv,
        "teacher",
        dir.path(),
        idance_core::UploaderConfig {
            workers: 4,
            jobs,
            max_outage: Duration::from_secs(120),
            ..Default::default()
        },
    );
    let q = runner.uploader.queue_handle();
    let mut small = Vec::new();
    for i in 0..200 {
        let path = dir.path().join(format!("clip{i:03}.mp4"));
        let bytes: Vec<u8> = (0..64 * 1024 + i).map(|_| rand::random::<u8>()).collect();
        std::fs::write(&path, bytes).unwrap();
        small.push((enqueue(&runner, &path).await, path));
    }
    // One long video among them, paused from elsewhere once it is under way.
    let long = make_video(dir.path(), "long.mp4", 40);
    let long_id = enqueue(&runner, &long).await;
    let mut events = runner.uploader.subscribe();
    let pauser = {
        let (q, id) = (q.clone(), long_id.clone());
        tokio::spawn(async move {
            while let Ok(p) = events.recv().await {
                if p.job_id == id && p.bytes_done > 0 {
                    idance_core::lifecycle::pause(&q, &id).await.unwrap();
                    break;
                }
            }
        })
    };
    let ran = runner.sync(None, Duration::from_secs(300)).await.unwrap();
    pauser.await.unwrap();

    let counters = runner.uploader.counters();
    assert_eq!(
        Counters::get(&counters.max_jobs_in_flight),
        jobs as u64,
        "jobs in flight at the busiest"
    );
    let by_id: std::collections::HashMap<_, _> = ran
        .into_iter()
        .map(|(j, _)| (j.job_id.clone(), j))
        .collect();
    assert_eq!(by_id[&long_id].state, JobState::Paused, "the paused job");
    for (id, path) in &small {
        assert_completed(&srv, &by_id[id], path, &path.display().to_string()).await;
    }
    srv.shutdown().await;
}

/// A recording being written is never kept waiting for a job slot: with one slot taken
/// by a long upload, the recording's finished parts still go up meanwhile.
#[tokio::test]
async fn a_recording_is_not_starved_by_the_jobs_in_flight() {
    let srv = TestServer::start(idance_tests::Backend::Garage).await;
    let dir = tempfile::tempdir().unwrap();
    let runner = idance_tests::client_with(
        &srv,
        "teacher",
        dir.path(),
        idance_core::UploaderConfig {
            workers: 1,
            jobs: 1,
            ..throttled(1, 8 * 1024 * 1024)
        },
    );
    let q = runner.uploader.queue_handle();
    let long = dir.path().join("long.mp4");
    let bytes: Vec<u8> = (0..64 * 1024 * 1024)
        .map(|_| rand::random::<u8>())
        .collect();
    std::fs::write(&long, bytes).unwrap();
    let long_id = enqueue(&runner, &long).await;
    // The recording: one full 8 MiB part written so far, its recorder alive.
    let recording = dir.path().join("recording.mp4");
    let bytes: Vec<u8> = (0..12 * 1024 * 1024)
        .map(|_| rand::random::<u8>())
        .collect();
    std::fs::write(&recording, bytes).unwrap();
    let marker = idance_media::record::Marker::create(&recording, None, None).unwrap();
    let s = q.create_session(Some("Live".into())).await.unwrap();
    let rec = q.enqueue_growing(&s.local_id, &recording).await.unwrap();

    // 64 MiB at 8 MiB/s takes 8 s: stop after 4.
    let ran = runner.sync(None, Duration::from_secs(4)).await.unwrap();
    marker.release().unwrap();
    let sent: std::collections::HashMap<_, _> = ran
        .into_iter()
        .map(|(j, b)| (j.job_id.clone(), (j, b)))
        .collect();
    assert_eq!(
        sent[&rec.job_id].1,
        8 * 1024 * 1024,
        "the recording's finished part was not sent while the long upload ran"
    );
    assert!(sent[&long_id].1 > 0, "the long upload did not run");
    assert_eq!(
        Counters::get(&runner.uploader.counters().max_jobs_in_flight),
        2,
        "the one slot and the recording"
    );
    srv.shutdown().await;
}

/// A video whose session's thumbnail is queued but not yet sent is stored and waits:
/// its session completes once the thumbnail is stored, naming it.
#[tokio::test]
async fn a_video_waits_for_its_sessions_queued_thumbnail_before_completing() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "clip.mp4", 2);
    let thumb = idance_media::thumbnail(&video, None).await.unwrap().path;
    let runner = client(&srv, "teacher", dir.path(), 2);
    let q = runner.uploader.queue_handle();
    let s = q.create_session(None).await.unwrap();
    let v = q
        .enqueue(&s.local_id, &video, FileKind::Video, Some(20.0))
        .await
        .unwrap();
    let t = q
        .enqueue(&s.local_id, &thumb, FileKind::Thumbnail, None)
        .await
        .unwrap();
    let (first, _) = runner.run_job(&v.job_id, None).await.unwrap();
    assert_eq!(
        first.state,
        JobState::Uploaded,
        "completed without its thumbnail"
    );
    let (stored, _) = runner.run_job(&t.job_id, None).await.unwrap();
    assert_eq!(stored.state, JobState::Uploaded);
    let (done, sent) = runner.run_job(&v.job_id, None).await.unwrap();
    assert_eq!(done.state, JobState::Completed, "{:?}", done.error);
    assert_eq!(sent, 0, "the video was sent again");
    assert_eq!(
        q.job(t.job_id.clone()).await.unwrap().state,
        JobState::Completed,
        "the completion did not name the thumbnail"
    );
    srv.shutdown().await;
}
