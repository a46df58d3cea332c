//! The library: files taken in (probe, thumbnail, queue), the views of the queue and
//! the sessions, thumbnails, calories, download links, recordings to recover; and the
//! events telling the UI what changed (`JobChanged`, `SessionsChanged`), only when it did.

use crate::engine::{Added, Desktop, DesktopError, Event};
use crate::views::{self, JobView, SessionView};
use idance_core::{SessionChoice, add_video};
use idance_media::record::Unfinished;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

impl Desktop {
    /// Probes, thumbnails and queues files (by id) to new sessions (one per file) or to
    /// the chosen local session. Refused files are named with the reason.
    pub async fn add_files(&self, ids: &[String], session: Option<String>) -> Vec<Added> {
        let mut out = Vec::new();
        for id in ids {
            let Some(path) = self.files.take(id) else {
                out.push(Added {
                    name: id.clone(),
                    job_id: None,
                    error: Some("this file is no longer available: drop it again".into()),
                });
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let choice = match &session {
                Some(local) => SessionChoice::Local(local.clone()),
                None => SessionChoice::New {
                    title: path.file_stem().map(|s| s.to_string_lossy().into_owned()),
                },
            };
            match add_video(&self.queue, &path, choice, &self.thumbs_dir()).await {
                Ok(intake) => out.push(Added {
                    name,
                    job_id: Some(intake.video.job_id),
                    error: None,
                }),
                Err(e) => {
                    // Name the file as the user knows it, not by its full path.
                    let words = e.to_string().replace(&path.display().to_string(), &name);
                    let words = words
                        .strip_prefix(&format!("{name}: "))
                        .unwrap_or(&words)
                        .to_string();
                    out.push(Added {
                        name,
                        job_id: None,
                        error: Some(words),
                    })
                }
            }
        }
        self.changed().await;
        self.wake_uploads();
        out
    }

    pub async fn queue_view(&self) -> Result<Vec<JobView>, DesktopError> {
        Ok(views::queue_view(&self.queue.jobs().await?))
    }

    pub async fn sessions_view(&self) -> Result<Vec<SessionView>, DesktopError> {
        let sessions = self.queue.sessions().await?;
        let jobs = self.queue.jobs().await?;
        Ok(views::sessions_view(&sessions, &jobs))
    }

    /// What the instructor burned, sent as `caloriesBurned` with the completion; only
    /// before the session is completed (the API has no way to change it after).
    pub async fn set_calories(
        &self,
        session: &str,
        calories: Option<f64>,
    ) -> Result<(), DesktopError> {
        if let Some(c) = calories
            && !(0.0..=100_000.0).contains(&c)
        {
            return Err(DesktopError::Refused(
                "calories must be between 0 and 100000".into(),
            ));
        }
        let view = self.sessions_view().await?;
        let s = view
            .iter()
            .find(|s| s.local_id == session)
            .ok_or_else(|| DesktopError::Refused("no such session".into()))?;
        if s.state == "online" {
            return Err(DesktopError::Refused(
                "this session is already completed online; calories can only be added before"
                    .into(),
            ));
        }
        self.queue
            .set_calories(session.to_string(), calories)
            .await?;
        self.changed().await;
        Ok(())
    }

    /// A download link for a stored video of this app's sessions.
    pub async fn download_url(&self, file_key: &str) -> Result<String, DesktopError> {
        let answer = self.link().api.download_url(file_key).await?;
        Ok(answer.download_url)
    }

    /// Tells the UI what changed since it was last told: one `JobChanged` per job
    /// whose view is new, different or gone, and `SessionsChanged` when the sessions
    /// view differs. Nothing when nothing changed. The first call only takes note (the
    /// UI fetches whole views when it opens).
    pub(crate) async fn changed(&self) {
        let (Ok(jobs), Ok(sessions)) = (self.queue.jobs().await, self.queue.sessions().await)
        else {
            return;
        };
        let now = views::queue_view(&jobs);
        let sessions = views::sessions_view(&sessions, &jobs);
        let mut events = Vec::new();
        {
            let mut shown = self.shown.lock().await;
            let first = shown.sessions.is_none();
            let mut gone: std::collections::HashSet<String> = shown.jobs.keys().cloned().collect();
            for view in now {
                gone.remove(&view.job_id);
                if shown.jobs.get(&view.job_id) != Some(&view) {
                    shown.jobs.insert(view.job_id.clone(), view.clone());
                    events.push(Event::JobChanged {
                        job_id: view.job_id.clone(),
                        view: Some(view),
                    });
                }
            }
            for job_id in gone {
                shown.jobs.remove(&job_id);
                events.push(Event::JobChanged { job_id, view: None });
            }
            if shown.sessions.as_ref() != Some(&sessions) {
                shown.sessions = Some(sessions);
                events.push(Event::SessionsChanged);
            }
            if first {
                events.clear();
            }
        }
        for e in events {
            self.emit(e);
        }
    }

    /// Recordings whose recorder died, offered for recovery (never deleted).
    /// Recordings already in the queue (uploaded while recording) are not listed: the
    /// queue finishes them by itself.
    pub async fn unfinished_recordings(&self) -> Vec<Unfinished> {
        let queued: std::collections::HashSet<PathBuf> = self
            .queue
            .jobs()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|j| PathBuf::from(j.file))
            .collect();
        idance_media::record::unfinished(&self.recordings_dir())
            .into_iter()
            .filter(|u| !queued.contains(&u.path))
            .collect()
    }

    /// Queues an unfinished recording to a new session.
    pub async fn recover(&self, path: &Path) -> Result<Added, DesktopError> {
        if !self
            .unfinished_recordings()
            .await
            .iter()
            .any(|u| u.path == path)
        {
            return Err(DesktopError::Refused("not an unfinished recording".into()));
        }
        let r = self.files.register(path);
        let added = self.add_files(&[r.id], None).await.remove(0);
        if added.error.is_none() {
            let _ = idance_media::record::dismiss(path);
        }
        Ok(added)
    }
}

/// What the UI was last told of.
#[derive(Default)]
pub(crate) struct Shown {
    jobs: HashMap<String, JobView>,
    sessions: Option<Vec<SessionView>>,
}
