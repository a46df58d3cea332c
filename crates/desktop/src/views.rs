//! What the UI's queue and sessions views show, built from the queue database.

use idance_contract::FileKind;
use idance_core::WaitReason;
use idance_core::queue::{Job, JobState, LocalSession};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobView {
    pub job_id: String,
    pub session: String,
    pub name: String,
    pub size: u64,
    pub state: JobState,
    /// The reason, in words, for failed and waiting jobs.
    pub error: Option<String>,
    /// Why a waiting job waits, as data the UI switches on.
    pub wait_reason: Option<WaitReason>,
    /// The buttons the job offers now (`pause`, `resume`, `retry`, `cancel`), from the
    /// lifecycle: the UI does not decide them.
    pub actions: Vec<&'static str>,
    /// Whether its thumbnail exists (a recording has one only after Stop): the UI asks
    /// for it when this turns true.
    pub has_thumbnail: bool,
    /// Bytes known stored (whole file once uploaded; live progress comes as events).
    pub bytes_done: u64,
    pub duration_secs: Option<f64>,
    /// While its compressed copy is being encoded (and uploaded as it grows): the
    /// share encoded, in percent.
    pub optimizing: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionView {
    pub local_id: String,
    pub server_id: Option<String>,
    pub title: Option<String>,
    pub created_at: String,
    pub duration_secs: Option<f64>,
    /// `online` (completed on the server), `uploading`, `waiting`, `failed`, `paused`,
    /// `cancelled` or `empty`.
    pub state: &'static str,
    /// The job whose thumbnail the UI can ask for.
    pub thumbnail_job: Option<String>,
    /// The video's object key once stored (for its download link).
    pub video_key: Option<String>,
    /// `caloriesBurned` sent with the completion (editable until then).
    pub calories: Option<f64>,
    /// Whether a dropped video may be added to it (one session holds one video).
    pub accepts_video: bool,
    /// It is in this computer's queue; false for a session only in the server's library
    /// (uploaded from another computer). Its `local_id` is then its server id.
    pub on_this_computer: bool,
    /// The video's size as the server stored it.
    pub size_bytes: Option<u64>,
    /// The thumbnail's object key on the server (for a session not on this computer).
    pub thumbnail_key: Option<String>,
}

pub fn job_view(job: &Job, has_thumbnail: bool, optimizing: Option<u8>) -> JobView {
    let name = std::path::Path::new(&job.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| job.file.clone());
    let stored =
        matches!(job.state, JobState::Uploaded | JobState::Completed) || job.stored().is_some();
    JobView {
        job_id: job.job_id.clone(),
        session: job.local_session.clone(),
        name,
        size: job.size,
        state: job.state,
        error: job.error.clone(),
        wait_reason: job.wait_reason,
        actions: {
            let mut a = idance_core::lifecycle::user_actions(job);
            if idance_core::trim::trimmable(job).is_ok() {
                a.push("trim");
            }
            a
        },
        has_thumbnail,
        bytes_done: if stored { job.size } else { 0 },
        duration_secs: job.duration_secs,
        // Only while the copy is being written: once it is queued whole the encode is
        // over, whatever the watcher has cleared yet.
        optimizing: optimizing.filter(|_| job.growing),
    }
}

/// The videos of the queue (thumbnails are uploaded with them, not listed apart). A
/// video's thumbnail exists once its session has a thumbnail job (queued right after
/// the thumbnail is made).
/// `optimizing`: the encodes running, by job id, in percent.
pub fn queue_view(jobs: &[Job], optimizing: &HashMap<String, u8>) -> Vec<JobView> {
    let with_thumbnail: std::collections::HashSet<&str> = jobs
        .iter()
        .filter(|j| j.kind == FileKind::Thumbnail)
        .map(|j| j.local_session.as_str())
        .collect();
    // A cancelled video whose session has another one was replaced (trimmed): the
    // new one stands in its row.
    let live_video: std::collections::HashSet<&str> = jobs
        .iter()
        .filter(|j| j.kind == FileKind::Video && j.state != JobState::Cancelled)
        .map(|j| j.local_session.as_str())
        .collect();
    jobs.iter()
        .filter(|j| j.kind == FileKind::Video)
        .filter(|j| {
            !(j.state == JobState::Cancelled && live_video.contains(j.local_session.as_str()))
        })
        .map(|j| {
            job_view(
                j,
                with_thumbnail.contains(j.local_session.as_str()),
                optimizing.get(&j.job_id).copied(),
            )
        })
        .collect()
}

pub fn sessions_view(
    sessions: &[(LocalSession, String, Option<f64>)],
    jobs: &[Job],
) -> Vec<SessionView> {
    let mut by_session: HashMap<&str, Vec<&Job>> = HashMap::new();
    for j in jobs {
        by_session
            .entry(j.local_session.as_str())
            .or_default()
            .push(j);
    }
    sessions
        .iter()
        .map(|(s, created_at, calories)| {
            let jobs = by_session
                .get(s.local_id.as_str())
                .cloned()
                .unwrap_or_default();
            let videos: Vec<&Job> = jobs
                .iter()
                .copied()
                .filter(|j| j.kind == FileKind::Video)
                .collect();
            let thumbnail_job = videos.first().map(|j| j.job_id.clone());
            SessionView {
                local_id: s.local_id.clone(),
                server_id: s.server_id.clone(),
                title: s.title.clone(),
                created_at: created_at.clone(),
                duration_secs: videos
                    .iter()
                    .filter_map(|j| j.duration_secs)
                    .reduce(f64::max),
                state: session_state(&videos),
                thumbnail_job,
                video_key: videos
                    .iter()
                    .find_map(|j| j.stored().map(|(k, _)| k.to_string())),
                calories: *calories,
                accepts_video: idance_core::lifecycle::session_takes_a_video(&jobs),
                on_this_computer: true,
                size_bytes: None,
                thumbnail_key: None,
            }
        })
        .collect()
}

/// This computer's sessions with the server's library (library.md): one card per
/// session id, newest first. A session in both shows the server's title, calories, size
/// and keys (renamed or completed from another computer); one only on the server is
/// `online` when completed, else `elsewhere` (being recorded or sent from another
/// computer). With a `live` library, a session completed here but no longer listed was
/// deleted from another computer and is not shown.
pub fn merge_library(
    local: Vec<SessionView>,
    library: &[idance_contract::wire::Session],
    live: bool,
) -> Vec<SessionView> {
    use idance_contract::wire::SessionStatus;
    let by_id: HashMap<&str, &idance_contract::wire::Session> =
        library.iter().map(|s| (s.session_id.as_str(), s)).collect();
    let mut here = std::collections::HashSet::new();
    let mut out: Vec<SessionView> = Vec::with_capacity(local.len() + library.len());
    for mut v in local {
        match v.server_id.as_deref().and_then(|id| by_id.get(id)) {
            Some(s) => {
                here.insert(s.session_id.clone());
                v.title = s.title.clone().or(v.title);
                v.calories = s.calories_burned.or(v.calories);
                v.size_bytes = s.size_bytes;
                v.video_key = v.video_key.or_else(|| s.video_file_key.clone());
                v.thumbnail_key = s.thumbnail_file_key.clone();
                out.push(v);
            }
            None if live && v.server_id.is_some() && v.state == "online" => {}
            None => out.push(v),
        }
    }
    for s in library.iter().filter(|s| !here.contains(&s.session_id)) {
        out.push(SessionView {
            local_id: s.session_id.clone(),
            server_id: Some(s.session_id.clone()),
            title: s.title.clone(),
            created_at: s.started_at.clone(),
            duration_secs: s.duration_minutes.map(|m| m * 60.0),
            state: match s.status {
                SessionStatus::Completed => "online",
                SessionStatus::Active => "elsewhere",
            },
            thumbnail_job: None,
            video_key: s.video_file_key.clone(),
            calories: s.calories_burned,
            accepts_video: false,
            on_this_computer: false,
            size_bytes: s.size_bytes,
            thumbnail_key: s.thumbnail_file_key.clone(),
        });
    }
    // Newest first; local and server times are both RFC 3339, in different forms.
    let at = |v: &SessionView| chrono::DateTime::parse_from_rfc3339(&v.created_at).ok();
    out.sort_by_key(|v| std::cmp::Reverse(at(v)));
    out
}

fn session_state(videos: &[&Job]) -> &'static str {
    let any = |s: JobState| videos.iter().any(|j| j.state == s);
    if videos.is_empty() {
        "empty"
    } else if any(JobState::Failed) {
        "failed"
    } else if any(JobState::Waiting) {
        "waiting"
    } else if any(JobState::Paused) {
        "paused"
    } else if videos.iter().all(|j| j.state == JobState::Completed) {
        "online"
    } else if videos.iter().all(|j| j.state == JobState::Cancelled) {
        "cancelled"
    } else {
        "uploading"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idance_core::queue::Transfer;

    fn job(state: JobState, reason: Option<WaitReason>, stored: bool) -> Job {
        Job {
            job_id: format!("{}{}", state.as_str(), reason.map_or("", |r| r.as_str())),
            local_session: "s1".into(),
            kind: FileKind::Video,
            file: "/videos/salsa.mp4".into(),
            size: 10_000_000,
            mtime_ns: 0,
            extension: "mp4".into(),
            content_type: "video/mp4".into(),
            state,
            error: reason.map(|r| format!("why it waits: {}", r.as_str())),
            wait_reason: reason,
            transfer: if stored {
                Transfer::Stored {
                    key: "sessions/u/s/k.mp4".into(),
                    url: "https://bucket/sessions/u/s/k.mp4".into(),
                }
            } else {
                Transfer::NotStarted
            },
            duration_secs: Some(600.0),
            growing: false,
        }
    }

    /// A job view for every state the UI can get (waiting once per reason), as the
    /// app sends them: the UI's mocks load this file, so renaming a field, a state or
    /// a reason here fails the UI's tests until the UI follows.
    fn every_kind_of_job() -> Vec<JobView> {
        use JobState::*;
        let mut jobs = vec![
            job(Queued, None, false),
            job(Uploading, None, false),
            job(Paused, None, false),
            job(Failed, None, false),
            job(Cancelled, None, false),
            job(Uploaded, None, true),
            job(Completed, None, true),
        ];
        for r in [
            WaitReason::Network,
            WaitReason::SignIn,
            WaitReason::Storage,
            WaitReason::Clock,
        ] {
            jobs.push(job(Waiting, Some(r), false));
        }
        let mut views: Vec<JobView> = jobs
            .iter()
            .map(|j| job_view(j, j.state != JobState::Queued, None))
            .collect();
        // A compressed copy being encoded and sent as it grows.
        let mut encoding = job(Uploading, None, false);
        encoding.job_id = "optimizing".into();
        encoding.growing = true;
        encoding.size = 0;
        views.push(job_view(&encoding, false, Some(45)));
        views
    }

    #[test]
    fn the_ui_fixture_is_what_the_app_sends() {
        crate::fixtures::check("job_views.json", &every_kind_of_job());
    }

    #[test]
    fn a_stored_video_offers_no_cancel_and_a_failed_one_a_retry() {
        let views = every_kind_of_job();
        let actions = |id: &str| {
            views
                .iter()
                .find(|v| v.job_id == id)
                .map(|v| v.actions.clone())
                .unwrap()
        };
        assert_eq!(actions("uploaded"), Vec::<&str>::new());
        assert_eq!(actions("uploading"), ["pause", "cancel"]);
        // A video nothing of which was sent may be trimmed too.
        assert_eq!(actions("failed"), ["retry", "cancel", "trim"]);
        assert_eq!(
            actions("waitingclock"),
            ["pause", "resume", "cancel", "trim"]
        );
    }

    #[test]
    fn a_video_replaced_by_its_cut_leaves_the_queue_but_a_plain_cancel_stays() {
        let mut replaced = job(JobState::Cancelled, None, false);
        replaced.job_id = "original".into();
        let mut cut = job(JobState::Queued, None, false);
        cut.job_id = "cut".into();
        let mut alone = job(JobState::Cancelled, None, false);
        alone.job_id = "alone".into();
        alone.local_session = "s2".into();
        let shown: Vec<String> = queue_view(&[replaced, cut, alone], &HashMap::new())
            .into_iter()
            .map(|v| v.job_id)
            .collect();
        assert_eq!(shown, ["cut", "alone"]);
    }

    fn card(local: &str, server: Option<&str>, state: &'static str, at: &str) -> SessionView {
        SessionView {
            local_id: local.into(),
            server_id: server.map(str::to_string),
            title: Some(format!("local {local}")),
            created_at: at.into(),
            duration_secs: None,
            state,
            thumbnail_job: None,
            video_key: None,
            calories: None,
            accepts_video: false,
            on_this_computer: true,
            size_bytes: None,
            thumbnail_key: None,
        }
    }

    fn remote(id: &str, title: &str, at: &str) -> idance_contract::wire::Session {
        serde_json::from_value(serde_json::json!({
            "session_id": id, "user_id": "u", "status": "completed", "started_at": at,
            "title": title, "video_file_key": format!("sessions/u/{id}/v.mp4"), "size_bytes": 42
        }))
        .unwrap()
    }

    #[test]
    fn the_library_and_this_computer_make_one_card_per_session_newest_first() {
        let local = vec![
            // Uploaded from here, renamed on another computer.
            card(
                "l1",
                Some("s1"),
                "online",
                "2026-12-04T10:00:00.000000001+00:00",
            ),
            // Not on the server yet.
            card("l2", None, "uploading", "2026-12-04T12:00:00+00:00"),
            // Completed here, then deleted from another computer.
            card("l3", Some("s3"), "online", "2026-12-04T09:00:00+00:00"),
        ];
        let library = vec![
            remote("s1", "Renamed elsewhere", "2026-12-04T10:00:00.000Z"),
            remote("s2", "From the studio", "2026-12-04T11:00:00.000Z"),
        ];
        let merged = merge_library(local.clone(), &library, true);
        let ids: Vec<&str> = merged.iter().map(|v| v.local_id.as_str()).collect();
        assert_eq!(ids, ["l2", "s2", "l1"]);
        assert_eq!(merged[2].title.as_deref(), Some("Renamed elsewhere"));
        assert_eq!(merged[2].size_bytes, Some(42));
        assert!(!merged[1].on_this_computer && merged[1].state == "online");
        // Offline, the last library seen hides nothing of this computer's.
        let offline = merge_library(local, &library, false);
        assert_eq!(offline.len(), 4);
    }
}
