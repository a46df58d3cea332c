//! A take (one recording from Start until it is queued) with real ffmpeg test sources:
//! the states it shows, what it queues, and what it does with an empty recording.

use idance_contract::FileKind;
use idance_core::take::{Destination, Take};
use idance_core::{JobState, Queue, SessionChoice};
use idance_media::devices::Source;
use idance_media::record::{RecordSpec, RecordState};
use std::time::Duration;

fn spec() -> RecordSpec {
    RecordSpec {
        screen: Some(Source::parse("lavfi:testsrc2=size=320x240:rate=15")),
        mic: Some(Source::parse("lavfi:sine")),
        ..RecordSpec::default()
    }
}

fn destination(dir: &std::path::Path) -> Destination {
    Destination {
        queue: Queue::open(&dir.join("queue.db")).unwrap(),
        session: SessionChoice::New {
            title: Some("Warm-up".into()),
        },
        thumbs_dir: dir.join("thumbs"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_take_moves_forward_to_finished_and_queues_its_thumbnail_then_its_video() {
    let dir = tempfile::tempdir().unwrap();
    let to = destination(dir.path());
    let out = dir.path().join("take.mp4");
    let take = Take::start(&spec(), &out, Some("Warm-up"), Some(to.clone()))
        .await
        .unwrap();
    let growing = take.job_id().expect("queued while it records").to_string();
    let mut status = take.status();
    let seen = tokio::spawn(async move {
        let mut seen = vec![status.borrow().state];
        while status.changed().await.is_ok() {
            let s = status.borrow_and_update().state;
            if seen.last() != Some(&s) {
                seen.push(s);
            }
        }
        seen
    });
    let watch = take.status();
    let stopped = take
        .stop_when(tokio::time::sleep(Duration::from_secs(2)))
        .await;
    // ffmpeg has ended; the take is not queued yet.
    assert_eq!(watch.borrow().state, RecordState::Finishing);
    assert!(stopped.bytes() > 0);
    let taken = stopped.queue().await;
    assert_eq!(watch.borrow().state, RecordState::Finished);
    assert!(taken.graceful && taken.error.is_none(), "{taken:?}");
    let seen = seen.await.unwrap();
    assert!(seen.is_sorted(), "a take went backwards: {seen:?}");
    assert!(seen.contains(&RecordState::Recording), "{seen:?}");

    assert_eq!(taken.jobs.len(), 2, "{taken:?}");
    let thumb = to.queue.job(taken.jobs[0].clone()).await.unwrap();
    let video = to.queue.job(taken.jobs[1].clone()).await.unwrap();
    assert_eq!(thumb.kind, FileKind::Thumbnail);
    assert_eq!(video.job_id, growing);
    assert!(!video.growing);
    assert_eq!(video.size, std::fs::metadata(&out).unwrap().len());
    assert_eq!(video.local_session, thumb.local_session);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_take_is_not_left_queued_and_says_nothing_was_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let to = destination(dir.path());
    let out = dir.path().join("empty.mp4");
    let take = Take::start(&spec(), &out, None, Some(to.clone()))
        .await
        .unwrap();
    let job = take.job_id().unwrap().to_string();
    let watch = take.status();
    // Stopped before ffmpeg encoded a frame: at most a header, no video.
    let taken = take.stop_when(async {}).await.queue().await;
    assert_eq!(taken.elapsed_secs, 0.0, "{taken:?}");
    assert_eq!(watch.borrow().state, RecordState::Failed);
    assert_eq!(taken.error.as_deref(), Some("nothing was recorded"));
    assert!(taken.jobs.is_empty());
    assert_eq!(
        to.queue.job(job).await.unwrap().state,
        JobState::Cancelled,
        "the empty growing job would wait forever"
    );
    assert!(out.exists(), "the file is never deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_take_without_a_destination_only_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plain.mp4");
    let take = Take::start(&spec(), &out, None, None).await.unwrap();
    assert!(take.job_id().is_none());
    let taken = take
        .stop_when(tokio::time::sleep(Duration::from_secs(1)))
        .await
        .queue()
        .await;
    assert!(taken.graceful && taken.error.is_none(), "{taken:?}");
    assert!(taken.jobs.is_empty());
    assert!(taken.bytes > 0);
}
