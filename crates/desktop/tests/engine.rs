//! The desktop engine on its embedded default (no window): recordings left behind by a
//! crash are uploaded or offered for recovery, never lost or duplicated.

use idance_core::Queue;
use idance_desktop::{Desktop, Settings};
use idance_media::record::Marker;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A fragmented MP4 like the recorder writes, and its marker left unheld (as after a
/// kill -9 of the app).
fn crashed_recording(data: &Path, name: &str) -> PathBuf {
    let dir = data.join("client/recordings");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=15:duration=3",
        ])
        .args([
            "-c:v",
            "libx264",
            "-g",
            "15",
            "-movflags",
            "+frag_keyframe+empty_moov+default_base_moof",
            "-f",
            "mp4",
        ])
        .arg(&file)
        .status()
        .unwrap();
    assert!(ok.success());
    drop(Marker::create(&file, Some("Crashed class"), None).unwrap());
    file
}

async fn wait_completed(d: &Desktop, what: &str) {
    let start = Instant::now();
    loop {
        let jobs = d.queue_view().await.unwrap();
        if !jobs.is_empty() && jobs.iter().all(|j| j.state.as_str() == "completed") {
            return;
        }
        assert!(
            !jobs.iter().any(|j| j.state.as_str() == "failed"),
            "{what}: {jobs:?}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what}: {jobs:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_queued_while_it_ran_is_finished_and_uploaded_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let file = crashed_recording(dir.path(), "a.mp4");
    {
        let queue = Queue::open(&dir.path().join("client/queue.db")).unwrap();
        let session = queue
            .create_session(Some("Crashed class".into()))
            .await
            .unwrap();
        let job = queue
            .enqueue_growing(&session.local_id, &file)
            .await
            .unwrap();
        assert!(job.growing);
    }
    let before = std::fs::read(&file).unwrap();
    let d = Desktop::start(dir.path().to_path_buf(), Settings::default())
        .await
        .unwrap();
    wait_completed(&d, "the crashed recording was not uploaded").await;
    assert!(
        d.unfinished_recordings().await.is_empty(),
        "nothing left to recover"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the recording is untouched"
    );
    assert_eq!(d.sessions_view().await.unwrap()[0].state, "online");
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unqueued_crashed_recording_is_offered_and_recovered_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = crashed_recording(dir.path(), "b.mp4");
    let d = Desktop::start(dir.path().to_path_buf(), Settings::default())
        .await
        .unwrap();
    let offered = d.unfinished_recordings().await;
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].path, file);
    assert_eq!(offered[0].title.as_deref(), Some("Crashed class"));
    let added = d.recover(&file).await.unwrap();
    assert!(added.error.is_none(), "{added:?}");
    assert!(d.unfinished_recordings().await.is_empty());
    assert!(d.recover(&file).await.is_err(), "recovered twice");
    wait_completed(&d, "the recovered recording was not uploaded").await;
    assert_eq!(d.queue_view().await.unwrap().len(), 1);
    assert!(file.exists());
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_refused_by_name_and_ids_are_single_use() {
    let dir = tempfile::tempdir().unwrap();
    let d = Desktop::start(dir.path().to_path_buf(), Settings::default())
        .await
        .unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "warm-up").unwrap();
    let r = d.register_file(&notes);
    let added = d.add_files(std::slice::from_ref(&r.id), None).await;
    let error = added[0].error.clone().unwrap();
    // A kind the window words, and ffprobe's reason without the folder's path.
    assert_eq!(added[0].name, "notes.txt");
    assert!(
        error.kind == "not_video" && !error.message.contains(&dir.path().display().to_string()),
        "{error:?}"
    );
    let again = d.add_files(&[r.id], None).await;
    assert_eq!(again[0].error.as_ref().map(|e| e.kind), Some("file_gone"));
    assert!(d.queue_view().await.unwrap().is_empty(), "nothing queued");
    d.shutdown().await;
}
