//! Trimming a queued video: the cut takes its place in its session, the original file
//! is untouched, and a video that started uploading is refused.

use idance_contract::FileKind;
use idance_core::intake::{self, SessionChoice};
use idance_core::trim::{TrimJobError, trim_job};
use idance_core::{JobState, Queue};
use std::path::{Path, PathBuf};

/// A 60 s clip with a keyframe every second.
fn clip(dir: &Path) -> PathBuf {
    let path = dir.join("class.mp4");
    let ok = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=30:duration=60")
        .args(["-f", "lavfi", "-i", "sine=duration=60"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "30"])
        .args(["-c:a", "aac", "-shortest"])
        .arg(&path)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    path
}

#[tokio::test]
async fn a_queued_video_trimmed_to_ten_to_forty_is_replaced_by_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(&dir.path().join("queue.db")).unwrap();
    let video = clip(dir.path());
    let before = std::fs::read(&video).unwrap();
    let thumbs = dir.path().join("thumbs");
    let taken = intake::add_video(
        &queue,
        &video,
        SessionChoice::New {
            title: Some("Salsa".into()),
        },
        &thumbs,
    )
    .await
    .unwrap();
    let cut = trim_job(&queue, &taken.video.job_id, 10.0, Some(40.0), &thumbs)
        .await
        .unwrap();
    assert!((cut.info.duration - 30.0).abs() <= 1.0, "{:?}", cut.info);
    assert_eq!(
        std::fs::read(&video).unwrap(),
        before,
        "the original changed"
    );
    assert_eq!(cut.session.local_id, taken.session.local_id);

    let jobs = queue.jobs().await.unwrap();
    let live: Vec<_> = jobs
        .iter()
        .filter(|j| j.state != JobState::Cancelled)
        .collect();
    let videos: Vec<_> = live.iter().filter(|j| j.kind == FileKind::Video).collect();
    assert_eq!(videos.len(), 1, "{live:?}");
    assert_eq!(videos[0].job_id, cut.video.job_id);
    assert_ne!(videos[0].file, video.display().to_string());
    // One thumbnail, the cut's; the original's is cancelled (it was not sent).
    let thumbs: Vec<_> = live
        .iter()
        .filter(|j| j.kind == FileKind::Thumbnail)
        .collect();
    assert_eq!(thumbs.len(), 1, "{live:?}");
    assert_eq!(
        Some(thumbs[0].job_id.clone()),
        cut.thumbnail_job.map(|j| j.job_id)
    );
    let original = queue.job(taken.video.job_id.clone()).await.unwrap();
    assert_eq!(original.state, JobState::Cancelled);

    // A bad range changes nothing: the cut stays queued as it was.
    let e = trim_job(&queue, &cut.video.job_id, 50.0, Some(20.0), dir.path())
        .await
        .unwrap_err();
    assert!(matches!(e, TrimJobError::Trim(_)), "{e}");
    let still = queue.job(cut.video.job_id.clone()).await.unwrap();
    assert_eq!(
        still.state,
        JobState::Queued,
        "the failed trim left it {still:?}"
    );
    // The original cannot be trimmed again: it is cancelled.
    assert!(matches!(
        trim_job(&queue, &taken.video.job_id, 0.0, Some(5.0), dir.path()).await,
        Err(TrimJobError::NotTrimmable { .. })
    ));
}
