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
        hold: false,
    }
}

/// Every state the take shows, in order, until it ends.
fn states_seen(take: &Take) -> tokio::task::JoinHandle<Vec<RecordState>> {
    let mut status = take.status();
    tokio::spawn(async move {
        let mut seen = vec![status.borrow().state];
        while status.changed().await.is_ok() {
            let s = status.borrow_and_update().state;
            if seen.last() != Some(&s) {
                seen.push(s);
            }
        }
        seen
    })
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
    let seen = states_seen(&take);
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
    assert_eq!(
        taken.error.map(|e| e.kind),
        Some(idance_media::problem::ProblemKind::NothingRecorded)
    );
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

/// Seconds of each stream and the largest gap between two packets of the audio.
fn streams(file: &std::path::Path) -> (f64, f64, f64) {
    let probe = |args: &[&str]| {
        let out = std::process::Command::new("ffprobe")
            .args(["-v", "error"])
            .args(args)
            .arg(file)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let duration = |stream: &str| -> f64 {
        let times: Vec<f64> = probe(&[
            "-select_streams",
            stream,
            "-show_entries",
            "packet=pts_time,duration_time",
            "-of",
            "csv=p=0",
        ])
        .lines()
        .filter_map(|l| {
            let (pts, d) = l.split_once(',')?;
            Some(pts.parse::<f64>().ok()? + d.parse::<f64>().unwrap_or(0.0))
        })
        .collect();
        times.iter().cloned().fold(0.0, f64::max)
    };
    let mut audio: Vec<f64> = probe(&[
        "-select_streams",
        "a",
        "-show_entries",
        "packet=pts_time",
        "-of",
        "csv=p=0",
    ])
    .lines()
    .filter_map(|l| l.trim().parse().ok())
    .collect();
    audio.sort_by(f64::total_cmp);
    let gap = audio.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
    (duration("v"), duration("a"), gap)
}

fn decode_errors(file: &std::path::Path) -> String {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// 20 s with a 5 s pause in the middle: one file of ~15 s with sound throughout, no
/// decode error, and the states went Recording → Paused → Recording.
#[tokio::test(flavor = "multi_thread")]
async fn a_paused_take_is_one_continuous_file_without_the_pause() {
    let dir = tempfile::tempdir().unwrap();
    let to = destination(dir.path());
    let out = dir.path().join("paused.mp4");
    let take = Take::start(&spec(), &out, Some("Paused class"), Some(to.clone()))
        .await
        .unwrap();
    let controls = take.controls();
    let seen = states_seen(&take);
    let watch = take.status();
    let stop = async move {
        tokio::time::sleep(Duration::from_millis(7500)).await;
        controls.pause().unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        let paused_at = watch.borrow().elapsed_secs;
        controls.resume().unwrap();
        tokio::time::sleep(Duration::from_millis(7500)).await;
        paused_at
    };
    let (paused_at_tx, paused_at_rx) = tokio::sync::oneshot::channel();
    let taken = take
        .stop_when(async move {
            let _ = paused_at_tx.send(stop.await);
        })
        .await
        .queue()
        .await;
    assert!(taken.graceful && taken.error.is_none(), "{taken:?}");
    let paused_at = paused_at_rx.await.unwrap();
    assert!((paused_at - 7.5).abs() < 1.0, "paused at {paused_at}");
    let seen = seen.await.unwrap();
    let at = |s| seen.iter().position(|x| *x == s);
    assert!(
        at(RecordState::Paused).is_some()
            && seen.iter().rposition(|x| *x == RecordState::Recording) > at(RecordState::Paused),
        "{seen:?}"
    );

    let (video, audio, gap) = streams(&out);
    // Recorded time: 15 s, give or take the second each ffmpeg takes to open its inputs.
    assert!((video - 15.0).abs() < 1.5, "video {video} s");
    assert!(
        (audio - video).abs() < 0.5,
        "audio {audio} s, video {video} s"
    );
    assert!(gap < 0.2, "a {gap} s hole in the sound");
    assert!(
        (taken.elapsed_secs - video).abs() < 0.5,
        "{} shown, {video} recorded",
        taken.elapsed_secs
    );
    let errors = decode_errors(&out);
    assert!(errors.is_empty(), "{errors}");
    let job = to.queue.job(taken.jobs[1].clone()).await.unwrap();
    assert_eq!(job.size, std::fs::metadata(&out).unwrap().len());
}

/// An encoder this ffmpeg lists but this machine lacks, forced first: the recording
/// falls back to libx264, is playable, and says which encoder it used.
#[tokio::test(flavor = "multi_thread")]
async fn a_hardware_encoder_that_fails_to_start_falls_back_to_libx264() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fallback.mp4");
    let nvenc = idance_media::encoders::by_name("h264_nvenc").unwrap();
    let spec = RecordSpec {
        encoders: vec![nvenc, &idance_media::encoders::LIBX264],
        ..spec()
    };
    let take = Take::start(&spec, &out, None, None).await.unwrap();
    assert_eq!(
        take.status().borrow().encoder.as_deref(),
        Some("NVIDIA NVENC (hardware)")
    );
    let watch = take.status();
    let taken = take
        .stop_when(tokio::time::sleep(Duration::from_secs(3)))
        .await
        .queue()
        .await;
    assert!(taken.graceful && taken.error.is_none(), "{taken:?}");
    assert_eq!(
        watch.borrow().encoder.as_deref(),
        Some("libx264 (software)")
    );
    let info = idance_media::probe(&out).await.unwrap();
    assert_eq!(info.video_codec, "h264");
    assert!(info.duration > 1.0, "{info:?}");
    assert!(decode_errors(&out).is_empty());
}

/// A 64 MiB disk: the recording stops by itself before the disk is full, plays, is
/// queued, and says why.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_small_disk_the_recording_stops_itself_before_it_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let mount = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
        .arg(&small)
        .status()
        .unwrap();
    assert!(
        mount.success(),
        "this test mounts a 64 MiB tmpfs: run it as root (CI does)"
    );
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(small.clone());
    let to = destination(dir.path());
    let out = small.join("long-class.mp4");
    // Noise: about 3 MB/s, so the disk would fill in ~20 s.
    let spec = RecordSpec {
        screen: Some(Source::parse(
            "lavfi:testsrc2=size=640x360:rate=30,noise=alls=60:allf=t",
        )),
        ..spec()
    };
    let take = Take::start(&spec, &out, None, Some(to.clone()))
        .await
        .unwrap();
    let taken = take
        .stop_when(tokio::time::sleep(Duration::from_secs(120)))
        .await
        .queue()
        .await;
    assert!(taken.graceful && taken.error.is_none(), "{taken:?}");
    let notice = taken.notice.clone().expect("it says why it stopped");
    assert_eq!(
        notice.kind,
        idance_media::problem::ProblemKind::DiskAlmostFull,
        "{notice}"
    );
    assert!(
        notice.to_string().contains("the disk is almost full"),
        "{notice}"
    );
    assert!(taken.elapsed_secs < 60.0, "{taken:?}");
    let free = idance_media::space::free(&small).unwrap();
    assert!(free > 8 << 20, "only {free} bytes were left");
    assert!(decode_errors(&out).is_empty());
    assert_eq!(taken.jobs.len(), 2, "queued with its thumbnail: {taken:?}");
}

/// Review before upload: nothing is queued while recording; at Stop the video is queued
/// paused (so it can be trimmed), its thumbnail with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_take_held_for_review_is_queued_paused_at_stop() {
    let dir = tempfile::tempdir().unwrap();
    let to = Destination {
        hold: true,
        ..destination(dir.path())
    };
    let out = dir.path().join("review.mp4");
    let take = Take::start(&spec(), &out, None, Some(to.clone()))
        .await
        .unwrap();
    assert!(take.job_id().is_none(), "nothing is sent while recording");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(to.queue.jobs().await.unwrap().is_empty());
    let taken = take.stop_when(async {}).await.queue().await;
    assert!(taken.error.is_none(), "{taken:?}");
    let video = to.queue.job(taken.jobs[1].clone()).await.unwrap();
    assert_eq!(video.state, JobState::Paused);
    assert!(idance_core::trim::trimmable(&video).is_ok());
}

/// Video bytes per second of `file` before and after `at` seconds (ffprobe's packets).
fn video_rates(file: &std::path::Path, at: f64) -> (f64, f64) {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v"])
        .args(["-show_entries", "packet=pts_time,size", "-of", "csv=p=0"])
        .arg(file)
        .output()
        .unwrap();
    let packets: Vec<(f64, f64)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (t, n) = l.split_once(',')?;
            Some((t.parse().ok()?, n.trim().parse().ok()?))
        })
        .collect();
    let end = packets.iter().map(|p| p.0).fold(0.0, f64::max);
    let sum = |from: f64, to: f64| -> f64 {
        packets
            .iter()
            .filter(|(t, _)| *t >= from && *t < to)
            .map(|(_, n)| n)
            .sum::<f64>()
            / (to - from)
    };
    (sum(1.0, at - 0.5), sum(at + 1.5, end))
}

/// Online fast's cap changes mid-recording: the next ffmpeg goes on in the same file
/// with the file's own codec headers, the video after the change is smaller, the file
/// decodes without an error and the cut is short. A quality-first take refuses a cap.
#[tokio::test(flavor = "multi_thread")]
async fn a_capped_take_lowers_its_bitrate_in_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("capped.mp4");
    let spec = RecordSpec {
        // Moving noise: a picture that takes all the bits it is given.
        screen: Some(Source::parse(
            "lavfi:testsrc2=size=640x360:rate=30,noise=alls=9:allf=t",
        )),
        video_cap: Some(idance_core::pace::CEILING_KBPS),
        ..spec()
    };
    let take = Take::start(&spec, &out, None, None).await.unwrap();
    let controls = take.controls();
    let watch = take.status();
    let switched = async move {
        tokio::time::sleep(Duration::from_secs(6)).await;
        let at = watch.borrow().elapsed_secs;
        assert!(controls.cap_video(400).unwrap());
        assert!(!controls.cap_video(400).unwrap(), "the same cap again");
        tokio::time::sleep(Duration::from_secs(6)).await;
        at
    };
    let (at_tx, at_rx) = tokio::sync::oneshot::channel();
    let status = take.status();
    let taken = take
        .stop_when(async move {
            let _ = at_tx.send(switched.await);
        })
        .await
        .queue()
        .await;
    assert!(taken.graceful && taken.error.is_none(), "{taken:?}");
    let at = at_rx.await.unwrap();
    let s = status.borrow().clone();
    assert_eq!(s.video_kbps, Some(400));
    assert_eq!(s.codec_changes, 0, "a continuation's headers differ");
    assert!(decode_errors(&out).is_empty(), "{}", decode_errors(&out));
    let (video, audio, gap) = streams(&out);
    // 12 s asked; each ffmpeg takes a moment to open its inputs.
    assert!(video > 10.0 && video < 12.5, "video {video} s");
    assert!((audio - video).abs() < 0.5, "audio {audio}, video {video}");
    assert!(gap < 0.2, "a {gap} s hole in the sound");
    let (before, after) = video_rates(&out, at);
    // 400 kbit/s is 50 kB/s; the ceiling lets this picture take far more.
    assert!(
        after < 70_000.0 && before > 2.0 * after,
        "{before:.0} B/s before the cap, {after:.0} B/s after"
    );

    // Quality first: never capped.
    let plain = Take::start(&spec_quality(), &dir.path().join("q.mp4"), None, None)
        .await
        .unwrap();
    assert!(matches!(
        plain.controls().cap_video(400),
        Err(idance_media::record::RecordError::NotCapped)
    ));
    let _ = plain.stop_when(async {}).await;
}

fn spec_quality() -> RecordSpec {
    spec()
}
