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
    /// Bytes known stored (whole file once uploaded; live progress comes as events).
    pub bytes_done: u64,
    pub duration_secs: Option<f64>,
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
}

pub fn job_view(job: &Job) -> JobView {
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
        bytes_done: if stored { job.size } else { 0 },
        duration_secs: job.duration_secs,
    }
}

/// The videos of the queue (thumbnails are uploaded with them, not listed apart).
pub fn queue_view(jobs: &[Job]) -> Vec<JobView> {
    jobs.iter()
        .filter(|j| j.kind == FileKind::Video)
        .map(job_view)
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
            }
        })
        .collect()
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
