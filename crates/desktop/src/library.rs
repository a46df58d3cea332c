//! The library: files taken in (probe, thumbnail, queue), the views of the queue and
//! the sessions, thumbnails, calories, download links, recordings to recover; and the
//! events telling the UI what changed (`JobChanged`, `SessionsChanged`), only when it did.

use crate::engine::Desktop;
use crate::error::DesktopError;
use crate::events::Event;
use crate::files::{Added, Refusal};
use crate::views::{self, JobView, SessionView};
use idance_core::SessionChoice;
use idance_core::compress::{self, Compression, Taken};
use idance_core::intake::IntakeError;
use idance_media::compress::Mode;
use idance_media::record::Unfinished;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file taken in with a folder ([`idance_core::intake::add_files`]), as the UI shows it.
fn added(
    (path, result): (
        PathBuf,
        Result<idance_core::intake::Added, idance_core::intake::IntakeError>,
    ),
) -> Added {
    match result {
        Ok(a) => Added {
            name: file_name(&path),
            job_id: Some(a.video.job_id),
            error: None,
        },
        Err(e) => refused(&path, &e),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A refused file, named as the user knows it (not by its full path), with the reason.
fn refused(path: &Path, e: &IntakeError) -> Added {
    use idance_media::ProbeError;
    let name = file_name(path);
    let (kind, detail) = match e {
        IntakeError::NotAVideo(ProbeError::NotVideo { reason, .. }) => {
            ("not_video", reason.clone())
        }
        IntakeError::NotAVideo(ProbeError::Missing) => ("no_ffmpeg", e.to_string()),
        IntakeError::NotAVideo(ProbeError::Timeout { .. }) => ("probe_timeout", e.to_string()),
        IntakeError::NotAVideo(ProbeError::Io { reason, .. }) => ("unreadable", reason.clone()),
        IntakeError::Queue(q) => ("queue", q.to_string()),
    };
    let words = detail.replace(&path.display().to_string(), &name);
    let words = words
        .strip_prefix(&format!("{name}: "))
        .unwrap_or(&words)
        .to_string();
    Added {
        name,
        job_id: None,
        error: Some(Refusal {
            kind,
            message: words,
        }),
    }
}

impl Desktop {
    /// Probes, thumbnails and queues files (by id) to new sessions (one per file) or to
    /// the chosen local session, compressed first when the setting says so. Refused
    /// files are named with the reason.
    pub async fn add_files(
        self: &Arc<Self>,
        ids: &[String],
        session: Option<String>,
    ) -> Vec<Added> {
        let mut out = Vec::new();
        let mut paths = Vec::new();
        for id in ids {
            match self.files.take(id) {
                Some(path) => paths.push(path),
                None => out.push(Added {
                    name: id.clone(),
                    job_id: None,
                    error: Some(Refusal {
                        kind: "file_gone",
                        message: "this file is no longer available: drop it again".into(),
                    }),
                }),
            }
        }
        let mode = self.link().compress;
        if mode == Mode::Off && !paths.is_empty() {
            // Read and thumbnailed on every core, in batches; each file goes up as soon
            // as it is queued, while the rest of the folder is still being read.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let (tx, mut rx) = tokio::sync::mpsc::channel(256);
            let thumbs = self.thumbs_dir();
            let intake = idance_core::intake::add_files(
                &self.queue,
                &paths,
                session.map(SessionChoice::Local),
                Some(&thumbs),
                cores,
                tx,
            );
            let collect = async {
                while let Some(first) = rx.recv().await {
                    out.push(added(first));
                    while let Ok(more) = rx.try_recv() {
                        out.push(added(more));
                    }
                    self.changed().await;
                    self.wake_uploads();
                }
            };
            tokio::join!(intake, collect);
            return out;
        }
        // Compressed first: one file at a time (each encode takes the cores); the encoder
        // choice is asked once.
        let mut compression = None;
        for path in paths {
            let compression = match &compression {
                Some(c) => c,
                None => compression.insert(self.compression(mode).await),
            };
            out.push(self.take_in(&path, session.clone(), compression).await);
        }
        self.changed().await;
        self.wake_uploads();
        out
    }

    /// How files are compressed in `mode` (the encoders asked only when one is needed).
    async fn compression(&self, mode: Mode) -> Compression {
        Compression {
            mode,
            dir: compress::copies_dir(&self.client_dir()),
            encoders: match mode {
                Mode::Off => Vec::new(),
                _ => idance_media::encoders::choose(&self.client_dir())
                    .await
                    .usable(),
            },
            cache: Some(self.client_dir()),
        }
    }

    /// One file in: compressed when `compression` says so, or as it is.
    async fn take_in(
        self: &Arc<Self>,
        path: &Path,
        session: Option<String>,
        compression: &Compression,
    ) -> Added {
        let name = file_name(path);
        let choice = match session {
            Some(local) => SessionChoice::Local(local),
            None => SessionChoice::New {
                title: path.file_stem().map(|s| s.to_string_lossy().into_owned()),
            },
        };
        match compress::take_in(&self.queue, path, choice, &self.thumbs_dir(), compression).await {
            Ok(Taken::AsItIs(intake)) => Added {
                name,
                job_id: Some(intake.video.job_id),
                error: None,
            },
            Ok(Taken::Compressing(encoding)) => {
                let job_id = encoding.job().job_id.clone();
                self.watch_encoding(*encoding);
                Added {
                    name,
                    job_id: Some(job_id),
                    error: None,
                }
            }
            Err(e) => refused(path, &e),
        }
    }

    /// Follows an encode: its percent goes to the queue view as it moves; at its end
    /// the copy (or, when it cannot be used, the original) is queued to go on.
    fn watch_encoding(self: &Arc<Self>, encoding: compress::Encoding) {
        let job_id = encoding.job().job_id.clone();
        let total = encoding.duration_secs().max(0.001);
        let mut status = encoding.status();
        self.set_optimizing(&job_id, Some(0));
        let progress = {
            let me = self.clone();
            let id = job_id.clone();
            tokio::spawn(async move {
                while status.changed().await.is_ok() {
                    let secs = status.borrow_and_update().elapsed_secs;
                    // 100 only once the copy is queued whole.
                    let percent = (secs / total * 100.0).clamp(0.0, 99.0) as u8;
                    if me.set_optimizing(&id, Some(percent)) {
                        me.changed().await;
                    }
                }
            })
        };
        let me = self.clone();
        tokio::spawn(async move {
            let done = encoding.finish(&me.queue, &me.thumbs_dir()).await;
            progress.abort();
            me.set_optimizing(&job_id, None);
            if let Err(e) = done {
                tracing::warn!(job = %job_id, "the compressed copy could not be queued: {e}");
            }
            me.changed().await;
            me.wake_uploads();
        });
    }

    /// Sets (or ends) a job's encode percent; whether it changed.
    fn set_optimizing(&self, job_id: &str, percent: Option<u8>) -> bool {
        let mut map = self.optimizing.lock().unwrap_or_else(|p| p.into_inner());
        let before = match percent {
            Some(p) => map.insert(job_id.to_string(), p),
            None => map.remove(job_id),
        };
        before != percent
    }

    fn optimizing_now(&self) -> HashMap<String, u8> {
        self.optimizing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub async fn queue_view(&self) -> Result<Vec<JobView>, DesktopError> {
        Ok(views::queue_view(
            &self.queue.jobs().await?,
            &self.optimizing_now(),
        ))
    }

    /// Every session: this computer's, merged with the server's library.
    pub async fn sessions_view(&self) -> Result<Vec<SessionView>, DesktopError> {
        let local = self.local_sessions_view().await?;
        Ok(self.merged(local).await)
    }

    /// This computer's sessions only.
    pub(crate) async fn local_sessions_view(&self) -> Result<Vec<SessionView>, DesktopError> {
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
        let view = self.local_sessions_view().await?;
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
        let now = views::queue_view(&jobs, &self.optimizing_now());
        let sessions = self.merged(views::sessions_view(&sessions, &jobs)).await;
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
    pub async fn recover(self: &Arc<Self>, path: &Path) -> Result<Added, DesktopError> {
        if !self
            .unfinished_recordings()
            .await
            .iter()
            .any(|u| u.path == path)
        {
            return Err(DesktopError::Refused("not an unfinished recording".into()));
        }
        // A recording is not compressed: it was encoded for a class already.
        let off = self.compression(Mode::Off).await;
        let added = self.take_in(path, None, &off).await;
        self.changed().await;
        self.wake_uploads();
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
