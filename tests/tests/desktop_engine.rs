//! The desktop engine (no window) on its built-in service: one job's pause leaves the
//! others alone, one session holds one video, and the UI hears of changes only when
//! something changed.

use idance_desktop::{Desktop, Event, Settings};
use idance_tests::fault_proxy::FaultProxy;
use idance_tests::{Backend, Options, TestServer, make_video};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn start(dir: &std::path::Path, limit: Option<u64>) -> Arc<Desktop> {
    let settings = Settings {
        limit,
        ..Settings::default()
    };
    Desktop::start(dir.to_path_buf(), settings).await.unwrap()
}

async fn add(
    d: &Arc<Desktop>,
    file: &std::path::Path,
    session: Option<String>,
) -> Result<String, String> {
    let r = d.register_file(file);
    let added = d.add_files(&[r.id], session).await.remove(0);
    match (added.job_id, added.error) {
        (Some(id), None) => Ok(id),
        (_, e) => Err(e.map(|e| e.message).unwrap_or_default()),
    }
}

async fn state_of(d: &Desktop, job: &str) -> String {
    d.queue_view()
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.job_id == job)
        .map(|j| j.state.as_str().to_string())
        .unwrap_or_default()
}

/// Bug: pausing (or resuming, cancelling) any job cancelled the whole upload round, so
/// the parts of the job in flight were thrown away and sent again.
#[tokio::test(flavor = "multi_thread")]
async fn pausing_one_job_does_not_interrupt_the_one_being_sent() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_video(dir.path(), "a.mp4", 40);
    let b = make_video(dir.path(), "b.mp4", 2);
    let size_a = std::fs::metadata(&a).unwrap().len();
    // Garage behind a slow uplink (3 MiB/s per connection): parts stay in flight.
    let proxy = FaultProxy::start(idance_tests::garage_addr()).await;
    proxy.set(|f| f.pace = Some(3 * 1024 * 1024));
    let srv = TestServer::start_with(
        Backend::Garage,
        Options {
            storage_endpoint: Some(proxy.url.clone()),
            ..Default::default()
        },
    )
    .await;
    let settings = Settings {
        backend: idance_desktop::Backend::Remote {
            url: srv.handle.base_url(),
            token: Some(srv.token("teacher")),
        },
        ..Settings::default()
    };
    let d = Desktop::start(dir.path().to_path_buf(), settings)
        .await
        .unwrap();
    let mut events = d.subscribe();
    let job_a = add(&d, &a, None).await.unwrap();
    // Once storage confirmed a first part of A, its other parts are in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(Event::Progress(p))) if p.job_id == job_a && p.bytes_done > 0 => break,
            Ok(_) => {}
            Err(_) => panic!("A never made progress"),
        }
    }
    // B is added only now and paused at once: added earlier, its few hundred KiB could be
    // stored before A's first part is, and an uploaded job cannot be paused.
    let job_b = add(&d, &b, None).await.unwrap();
    d.pause(Some(&job_b)).await.unwrap();
    d.resume(Some(&job_b)).await.unwrap();
    d.pause(Some(&job_b)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    while state_of(&d, &job_a).await != "completed" {
        assert!(Instant::now() < deadline, "A did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(state_of(&d, &job_b).await, "paused");
    // Thumbnails are a few tens of KiB; a part cut off and sent again is 8 MiB.
    let sent = d.bytes_sent();
    assert!(
        sent < size_a + 1024 * 1024,
        "sent {sent} bytes for a {size_a}-byte file: parts in flight were sent again"
    );
    d.shutdown().await;
    srv.shutdown().await;
}

/// Bug: "Add to" offered sessions that already had a video, and the second upload
/// then failed on the server's 409. One session holds one video.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_takes_one_video() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_video(dir.path(), "a.mp4", 1);
    let b = make_video(dir.path(), "b.mp4", 1);
    let d = start(dir.path(), None).await;
    add(&d, &a, None).await.unwrap();
    let sessions = d.sessions_view().await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(!sessions[0].accepts_video, "{sessions:?}");
    let refused = add(&d, &b, Some(sessions[0].local_id.clone()))
        .await
        .unwrap_err();
    assert!(refused.contains("already has a video"), "{refused}");
    assert_eq!(
        d.queue_view().await.unwrap().len(),
        1,
        "nothing more queued"
    );
    // A new session takes it.
    add(&d, &b, None).await.unwrap();
    d.shutdown().await;
}

/// Bug: `Changed` fired every few seconds whether or not anything changed, and the
/// sessions view redrew every card, wiping calories being typed.
#[tokio::test(flavor = "multi_thread")]
async fn the_ui_is_told_of_changes_only_when_something_changed() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_video(dir.path(), "a.mp4", 1);
    let d = start(dir.path(), None).await;
    add(&d, &a, None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.sessions_view().await.unwrap()[0].state != "online" {
        assert!(Instant::now() < deadline, "not uploaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let the last round's events through, then listen to a quiet app.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut events = d.subscribe();
    let quiet = Instant::now() + Duration::from_secs(8);
    let mut changed = 0;
    while let Ok(got) = tokio::time::timeout(
        quiet.saturating_duration_since(Instant::now()),
        events.recv(),
    )
    .await
    {
        if matches!(got, Ok(Event::JobChanged { .. } | Event::SessionsChanged)) {
            changed += 1;
        }
    }
    assert_eq!(
        changed, 0,
        "change events fired {changed} times with nothing changing"
    );
    d.shutdown().await;
}

/// The UI is told which job changed, with its new view, instead of "fetch everything":
/// a new file's events name that file's job alone, from queued to completed.
#[tokio::test(flavor = "multi_thread")]
async fn each_change_names_the_job_that_changed_with_its_view() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_video(dir.path(), "a.mp4", 1);
    let b = make_video(dir.path(), "b.mp4", 1);
    let d = start(dir.path(), None).await;
    let first = add(&d, &a, None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while state_of(&d, &first).await != "completed" {
        assert!(Instant::now() < deadline, "a not uploaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut events = d.subscribe();
    let second = add(&d, &b, None).await.unwrap();
    let mut states = Vec::new();
    let mut sessions_changed = 0;
    while states.last().map(String::as_str) != Some("completed") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(Event::JobChanged { job_id, view })) => {
                assert_eq!(job_id, second, "only the new file's job changed");
                let view = view.expect("a job is never dropped from the view");
                assert_eq!(view.job_id, second);
                states.push(view.state.as_str().to_string());
            }
            Ok(Ok(Event::SessionsChanged)) => sessions_changed += 1,
            Ok(_) => {}
            Err(_) => panic!("b never showed completed; its views: {states:?}"),
        }
    }
    assert_eq!(
        states.first().map(String::as_str),
        Some("queued"),
        "{states:?}"
    );
    assert!(sessions_changed > 0, "a new session was not told");
    d.shutdown().await;
}

/// Bug: Stop emptied the recorder's slot at once and the finished recording emptied it
/// again later, so a recording started during the previous one's stop grace lost its
/// stop sender. Now the slot holds the recording until it is saved; `stopping` is sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_recording_waits_until_the_last_one_is_saved_and_can_be_stopped() {
    use idance_desktop::recorder::RecordRequest;
    use idance_media::record::RecordState;
    let dir = tempfile::tempdir().unwrap();
    let d = start(dir.path(), None).await;
    let req = RecordRequest {
        screen: Some("lavfi:testsrc2=size=320x240:rate=15".into()),
        mic: Some("lavfi:sine".into()),
        title: Some("Warm-up".into()),
        ..Default::default()
    };
    let mut events = d.subscribe();
    let wait_for = async |events: &mut tokio::sync::broadcast::Receiver<Event>,
                          want: RecordState| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, events.recv()).await {
                Ok(Ok(Event::Record(s))) if s.state == want => return,
                Ok(_) => {}
                Err(_) => panic!("no {want:?} status"),
            }
        }
    };
    d.start_recording(req.clone()).await.unwrap();
    wait_for(&mut events, RecordState::Recording).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    d.stop_recording().unwrap();
    wait_for(&mut events, RecordState::Stopping).await;
    // During the stop grace: refused in words, not started.
    let refused = d.start_recording(req.clone()).await.unwrap_err();
    assert!(
        refused.to_string().contains("still being saved"),
        "{refused}"
    );
    assert!(
        d.stop_recording().is_err(),
        "a second Stop of the same recording"
    );
    wait_for(&mut events, RecordState::Finished).await;
    // The next recording starts and its Stop works.
    d.start_recording(req).await.unwrap();
    wait_for(&mut events, RecordState::Recording).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    d.stop_recording().unwrap();
    wait_for(&mut events, RecordState::Finished).await;
    assert!(d.record_status().is_none());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = d.queue_view().await.unwrap();
        if jobs.len() == 2 && jobs.iter().all(|j| j.state.as_str() == "completed") {
            break;
        }
        assert!(Instant::now() < deadline, "{jobs:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    d.shutdown().await;
}

/// A queued video trimmed in the app: its strip is served, the cut takes its place
/// (the queue shows the cut only) and uploads; the original file is untouched.
#[tokio::test(flavor = "multi_thread")]
async fn a_trimmed_video_uploads_in_place_of_the_original() {
    let dir = tempfile::tempdir().unwrap();
    // 60 s, a keyframe every second.
    let video = dir.path().join("class.mp4");
    assert!(
        std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-f", "lavfi", "-i"])
            .arg("testsrc2=size=320x240:rate=30:duration=60")
            .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "30"])
            .arg(&video)
            .status()
            .unwrap()
            .success()
    );
    let before = std::fs::read(&video).unwrap();
    // Offline at first (a closed port), so nothing of it is sent before the trim.
    let closed = idance_tests::desktop::free_port();
    let offline = Settings {
        backend: idance_desktop::Backend::Remote {
            url: format!("http://127.0.0.1:{closed}"),
            token: Some("not-used".into()),
        },
        ..Settings::default()
    };
    let d = Desktop::start(dir.path().to_path_buf(), offline)
        .await
        .unwrap();
    let job = add(&d, &video, None).await.unwrap();
    let view = d.trim_view(&job).await.unwrap();
    assert!((view.duration_secs - 60.0).abs() < 0.5, "{view:?}");
    let strip = d
        .asset(&idance_desktop::media::Asset::Strip(job.clone()))
        .await
        .expect("the strip is served");
    assert_eq!(&strip[..2], [0xFF, 0xD8]);
    let cut = d.trim(&job, 10.0, 40.0).await.unwrap();
    // The cut stands in the original's row (the cancelled original is not shown).
    let live = d.queue_view().await.unwrap();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].job_id, cut);
    assert_eq!(live[0].name, "class.trimmed.mp4");
    assert!((live[0].duration_secs.unwrap() - 30.0).abs() <= 1.0);
    // Back online (the built-in service): the cut goes up.
    d.apply(Settings::default()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while state_of(&d, &cut).await != "completed" {
        assert!(Instant::now() < deadline, "the cut never uploaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        std::fs::read(&video).unwrap(),
        before,
        "the original changed"
    );
}

/// Compression on (the Settings choice): a phone's 1080p at 20 Mbit/s reads
/// "optimizing" with a rising percent while its copy is encoded and sent, then the
/// copy is what completes; the original stays.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_phone_clip_is_optimized_while_it_uploads() {
    let dir = tempfile::tempdir().unwrap();
    let clip = idance_tests::phone_clip(dir.path(), "phone.mp4", 20);
    let before = std::fs::read(&clip).unwrap();
    let settings = Settings {
        compress: idance_media::compress::Mode::Auto,
        ..Settings::default()
    };
    let d = Desktop::start(dir.path().to_path_buf(), settings)
        .await
        .unwrap();
    let mut events = d.subscribe();
    let job = add(&d, &clip, None).await.unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(Event::JobChanged {
                job_id,
                view: Some(v),
            })) if job_id == job => {
                if let Some(p) = v.optimizing {
                    seen.push(p);
                }
                if v.state.as_str() == "completed" {
                    assert_eq!(v.optimizing, None);
                    assert_eq!(v.name, "phone.optimized.mp4");
                    assert!((v.size as usize) * 2 < before.len(), "{v:?}");
                    break;
                }
            }
            Ok(_) => {}
            Err(_) => panic!("not completed in time; optimizing seen {seen:?}"),
        }
    }
    assert!(seen.len() >= 3 && seen.is_sorted(), "{seen:?}");
    assert_eq!(
        std::fs::read(&clip).unwrap(),
        before,
        "the original changed"
    );
}

/// Cancel of a row while its copy is being encoded ends the encode too: nothing more is
/// queued for it, and only the original stays.
#[tokio::test(flavor = "multi_thread")]
async fn cancelling_an_optimizing_video_stops_its_encode() {
    let dir = tempfile::tempdir().unwrap();
    let clip = idance_tests::phone_clip(dir.path(), "long-phone.mp4", 60);
    let settings = Settings {
        compress: idance_media::compress::Mode::Auto,
        ..Settings::default()
    };
    let d = Desktop::start(dir.path().to_path_buf(), settings)
        .await
        .unwrap();
    let job = add(&d, &clip, None).await.unwrap();
    let copy = dir.path().join("client/optimized/long-phone.optimized.mp4");
    let start = Instant::now();
    while std::fs::metadata(&copy).map(|m| m.len()).unwrap_or(0) < 1_000_000 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the encode never began"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    d.cancel(&job).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while copy.exists() {
        assert!(
            Instant::now() < deadline,
            "the encode went on after the cancel"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let jobs = d.queue_view().await.unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].state.as_str(), "cancelled");
    assert_eq!(jobs[0].optimizing, None);
    assert!(clip.exists(), "the original is kept");
}

/// "Review recordings before upload": nothing is sent while recording; at Stop the
/// recording waits paused in the queue, offering Trim… and Resume, and the app says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_recording_held_for_review_waits_paused_with_trim() {
    use idance_desktop::recorder::RecordRequest;
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        review_recordings: true,
        ..Settings::default()
    };
    let d = Desktop::start(dir.path().to_path_buf(), settings)
        .await
        .unwrap();
    let mut events = d.subscribe();
    d.start_recording(RecordRequest {
        screen: Some("lavfi:testsrc2=size=320x240:rate=15".into()),
        mic: Some("lavfi:sine".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        d.queue_view().await.unwrap().is_empty(),
        "queued while recording"
    );
    d.stop_recording().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(Event::Notice {
                kind: idance_desktop::l10n::NoticeKind::ReviewSaved,
                ..
            })) => break,
            Ok(_) => {}
            Err(_) => panic!("no notice that the recording waits for review"),
        }
    }
    let jobs = d.queue_view().await.unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].state.as_str(), "paused");
    assert!(jobs[0].actions.contains(&"trim"), "{:?}", jobs[0].actions);
    assert!(jobs[0].actions.contains(&"resume"), "{:?}", jobs[0].actions);
}

/// library.md: two computers (two data folders) of one instructor on one server. A
/// session uploaded from one is listed on the other, renamed there and deleted there;
/// offline, the last library seen is shown, marked.
#[tokio::test(flavor = "multi_thread")]
async fn the_library_shows_what_another_computer_uploaded_and_keeps_it_offline() {
    let studio = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let srv = TestServer::start(Backend::Garage).await;
    let (url, token) = (srv.handle.base_url(), srv.token("teacher"));
    let remote = || Settings {
        backend: idance_desktop::Backend::Remote {
            url: url.clone(),
            token: Some(token.clone()),
        },
        ..Settings::default()
    };
    // The studio laptop uploads a class.
    let video = make_video(studio.path(), "salsa.mp4", 1);
    let laptop = Desktop::start(studio.path().to_path_buf(), remote())
        .await
        .unwrap();
    let job = add(&laptop, &video, None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while state_of(&laptop, &job).await != "completed" {
        assert!(Instant::now() < deadline, "not uploaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The home computer has never seen it, and lists it.
    let desk = Desktop::start(home.path().to_path_buf(), remote())
        .await
        .unwrap();
    let status = desk.refresh_library().await;
    assert_eq!(status.source, idance_desktop::LibrarySource::Live);
    let cards = desk.sessions_view().await.unwrap();
    assert_eq!(cards.len(), 1, "{cards:?}");
    let card = &cards[0];
    assert!(!card.on_this_computer && card.state == "online", "{card:?}");
    let size = std::fs::metadata(&video).unwrap().len();
    assert!(card.video_key.is_some() && card.size_bytes == Some(size));
    // The player streams storage's presigned GET: a range of it is storage's answer.
    let playable = desk.play_url(&card.local_id).await.unwrap();
    assert!(playable.url.starts_with(&playable.origin), "{playable:?}");
    let tail = reqwest::Client::new()
        .get(&playable.url)
        .header("range", format!("bytes={}-", size - 10))
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status().as_u16(), 206);
    let tail = tail.bytes().await.unwrap();
    assert_eq!(
        tail[..],
        std::fs::read(&video).unwrap()[size as usize - 10..]
    );

    // Renamed at home: the laptop shows the new title after its next refresh.
    desk.rename_session(&card.local_id, "Salsa, week 2")
        .await
        .unwrap();
    laptop.refresh_library().await;
    let there = laptop.sessions_view().await.unwrap();
    assert_eq!(
        there.len(),
        1,
        "one card for the laptop's own session: {there:?}"
    );
    assert!(there[0].on_this_computer);
    assert_eq!(there[0].title.as_deref(), Some("Salsa, week 2"));

    // Offline (the server is gone): the last library is still shown, marked; a new
    // start of the app in that folder shows it too.
    srv.shutdown().await;
    let status = desk.refresh_library().await;
    assert_eq!(status.source, idance_desktop::LibrarySource::Offline);
    assert!(status.fetched_at.is_some());
    assert_eq!(desk.sessions_view().await.unwrap().len(), 1);
    desk.shutdown().await;
    let again = Desktop::start(home.path().to_path_buf(), remote())
        .await
        .unwrap();
    let kept = again.sessions_view().await.unwrap();
    assert_eq!(kept.len(), 1, "the library kept for offline use: {kept:?}");
    assert_eq!(kept[0].title.as_deref(), Some("Salsa, week 2"));
    again.shutdown().await;
    laptop.shutdown().await;
}

/// Deleting from the other computer removes it from the server (and so from the
/// laptop's library once refreshed), while the laptop's own file stays on its disk.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_deleted_from_one_computer_leaves_every_library() {
    let studio = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let srv = TestServer::start(Backend::Garage).await;
    let remote = || Settings {
        backend: idance_desktop::Backend::Remote {
            url: srv.handle.base_url(),
            token: Some(srv.token("teacher")),
        },
        ..Settings::default()
    };
    let video = make_video(studio.path(), "zumba.mp4", 1);
    let laptop = Desktop::start(studio.path().to_path_buf(), remote())
        .await
        .unwrap();
    let job = add(&laptop, &video, None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while state_of(&laptop, &job).await != "completed" {
        assert!(Instant::now() < deadline, "not uploaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let key = laptop.sessions_view().await.unwrap()[0]
        .video_key
        .clone()
        .unwrap();
    let desk = Desktop::start(home.path().to_path_buf(), remote())
        .await
        .unwrap();
    desk.refresh_library().await;
    let id = desk.sessions_view().await.unwrap()[0].local_id.clone();
    desk.delete_session(&id).await.unwrap();
    assert!(desk.sessions_view().await.unwrap().is_empty());
    assert!(
        !srv.keys().await.contains(&key),
        "the video is still stored"
    );
    laptop.refresh_library().await;
    assert!(laptop.sessions_view().await.unwrap().is_empty());
    assert!(video.exists(), "the laptop's own file was touched");
    desk.shutdown().await;
    laptop.shutdown().await;
    srv.shutdown().await;
}
