//! The running app: queue, API client, background sync loop, online probe, recorder.

use crate::config::{Backend, LOCAL_USER, Mode, Settings};
use crate::files::{FileRef, FileRegistry};
use crate::progress::{ProgressView, Throttle};
use crate::recorder::{self, Active, RecordRequest, RecorderSlot};
use crate::views::{self, JobView, SessionView};
use base64::Engine as _;
use idance_core::lifecycle::{self, Outcome, Transition};
use idance_core::{
    ApiClient, Queue, Runner, SessionChoice, Uploader, UploaderConfig, add_video,
    finish_recording_job, start_recording_job,
};
use idance_media::record::{RecordState, RecordStatus, Recording, Unfinished};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast, oneshot};
use tokio_util::sync::CancellationToken;

/// How long an unreachable service is retried inside a job before it shows as waiting.
const OUTAGE_BEFORE_WAITING: Duration = Duration::from_secs(5);
const PROBE_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Progress(ProgressView),
    /// The queue or the sessions changed: views should be fetched again.
    Changed,
    Online {
        online: bool,
    },
    Record(RecordStatus),
    /// Something the user should hear about (a desktop notification).
    Notice {
        title: String,
        body: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error("cannot open the upload queue: {0}")]
    Queue(#[from] idance_core::QueueError),
    #[error("cannot start the built-in upload service: {0}")]
    Server(String),
    #[error("the server address is not usable: {0}")]
    Client(#[from] idance_core::ClientError),
    #[error("{0}")]
    Refused(String),
    #[error("a recording is already running")]
    AlreadyRecording,
    #[error("the last recording is still being saved; start again in a moment")]
    StillSaving,
    #[error("no recording is running")]
    NotRecording,
    #[error(transparent)]
    Record(#[from] idance_media::record::RecordError),
}

impl DesktopError {
    /// What kind of problem this is, for the UI to switch on (never its words).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Queue(_) => "queue",
            Self::Server(_) => "service",
            Self::Client(_) => "address",
            Self::Refused(_) => "refused",
            Self::AlreadyRecording => "recording_running",
            Self::StillSaving => "recording_saving",
            Self::NotRecording => "not_recording",
            Self::Record(_) => "recorder",
        }
    }
}

/// The answer for one dropped or picked file.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub name: String,
    pub job_id: Option<String>,
    /// Why the file was refused, in words (it names the file).
    pub error: Option<String>,
}

/// How the app reaches storage now: the API client, the in-process service it talks
/// to (built-in or direct mode) and the bandwidth limit. Replaced whole by Settings.
struct Link {
    api: ApiClient,
    server: Option<idance_server::ServerHandle>,
    mode: Mode,
    limit: Option<u64>,
}

async fn connect(data_dir: &Path, settings: Settings) -> Result<Link, DesktopError> {
    let in_process = |dir: PathBuf,
                      vars: std::collections::HashMap<String, String>,
                      user: &'static str| async move {
        let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let config = idance_server::Config::from_vars(dir, listen, &vars)
            .map_err(|e| DesktopError::Server(e.to_string()))?;
        let server = idance_server::start(config)
            .await
            .map_err(|e| DesktopError::Server(e.to_string()))?;
        let token = server
            .jwt
            .issue(user, Duration::from_secs(365 * 24 * 3600))
            .map_err(|e| DesktopError::Server(e.to_string()))?;
        Ok::<_, DesktopError>((ApiClient::new(&server.base_url(), &token)?, Some(server)))
    };
    let (mode, (api, server)) = match settings.backend {
        Backend::Embedded => (
            Mode::Embedded,
            in_process(data_dir.join("server"), Default::default(), LOCAL_USER).await?,
        ),
        Backend::Remote { url, token } => (Mode::Remote, (ApiClient::new(&url, &token)?, None)),
        Backend::Direct {
            bucket,
            region,
            endpoint,
            access_key_id,
            secret_access_key,
        } => {
            let mut vars = std::collections::HashMap::from([
                ("S3_BUCKET_NAME".to_string(), bucket),
                ("AWS_REGION".to_string(), region),
                ("AWS_ACCESS_KEY_ID".to_string(), access_key_id),
                ("AWS_SECRET_ACCESS_KEY".to_string(), secret_access_key),
            ]);
            if let Some(e) = endpoint {
                vars.insert("S3_ENDPOINT_URL".to_string(), e);
            }
            let dir = idance_core::direct::server_dir(data_dir);
            (
                Mode::Direct,
                in_process(dir, vars, idance_core::direct::USER).await?,
            )
        }
    };
    Ok(Link {
        api,
        server,
        mode,
        limit: settings.limit,
    })
}

pub struct Desktop {
    data_dir: PathBuf,
    queue: Queue,
    link: std::sync::RwLock<Arc<Link>>,
    files: FileRegistry,
    events: broadcast::Sender<Event>,
    wake: Notify,
    online: AtomicBool,
    current: Mutex<Option<CancellationToken>>,
    /// Ends the runner's wait between rounds.
    runner_wake: Arc<Notify>,
    /// What this app put on the wire, across upload rounds.
    counters: Arc<idance_core::upload::Counters>,
    last_digest: tokio::sync::Mutex<Option<u64>>,
    recorder: RecorderSlot,
    preview: tokio::sync::Mutex<Option<idance_media::record::Preview>>,
    shutdown: CancellationToken,
    /// Why the saved choice is not in use (it could not connect at start).
    startup_problem: Mutex<Option<String>>,
}

impl Desktop {
    /// Opens the queue, starts the built-in service when no backend is configured, and
    /// starts the background sync loop and the reachability probe.
    pub async fn start(
        data_dir: PathBuf,
        settings: Settings,
    ) -> Result<Arc<Desktop>, DesktopError> {
        let client = data_dir.join("client");
        std::fs::create_dir_all(&client).map_err(|e| {
            DesktopError::Refused(format!("cannot create {}: {e}", client.display()))
        })?;
        let queue = Queue::open(&client.join("queue.db"))?;
        let link = connect(&data_dir, settings).await?;
        let (events, _) = broadcast::channel(4096);
        let desktop = Arc::new(Desktop {
            data_dir,
            queue,
            link: std::sync::RwLock::new(Arc::new(link)),
            files: FileRegistry::default(),
            events,
            wake: Notify::new(),
            online: AtomicBool::new(true),
            current: Mutex::new(None),
            runner_wake: Arc::default(),
            counters: Arc::default(),
            last_digest: tokio::sync::Mutex::new(None),
            recorder: RecorderSlot::default(),
            preview: tokio::sync::Mutex::new(None),
            shutdown: CancellationToken::new(),
            startup_problem: Mutex::new(None),
        });
        tokio::spawn(sync_loop(desktop.clone()));
        tokio::spawn(probe_loop(desktop.clone()));
        Ok(desktop)
    }

    /// Starts on `settings`, or — when that choice cannot connect (a refused address,
    /// a bucket the service cannot use) — on the built-in service, saying why: a saved
    /// choice never stops the app from starting. Only a queue that cannot be opened does.
    pub async fn start_or_built_in(
        data_dir: PathBuf,
        settings: Settings,
    ) -> Result<Arc<Desktop>, DesktopError> {
        let limit = settings.limit;
        match Self::start(data_dir.clone(), settings).await {
            Err(e @ (DesktopError::Server(_) | DesktopError::Client(_))) => {
                let why = format!(
                    "the saved upload choice could not be used, so the built-in service is on: {e}"
                );
                tracing::warn!("{why}");
                let built_in = Settings {
                    backend: crate::config::Backend::Embedded,
                    limit,
                };
                let d = Self::start(data_dir, built_in).await?;
                if let Ok(mut p) = d.startup_problem.lock() {
                    *p = Some(why);
                }
                Ok(d)
            }
            other => other,
        }
    }

    pub fn startup_problem(&self) -> Option<String> {
        self.startup_problem.lock().ok()?.clone()
    }

    pub(crate) fn clear_startup_problem(&self) {
        if let Ok(mut p) = self.startup_problem.lock() {
            *p = None;
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::Relaxed)
    }

    fn link(&self) -> Arc<Link> {
        match self.link.read() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Whether the built-in service is in use (nothing configured).
    pub fn is_embedded(&self) -> bool {
        self.link().mode == Mode::Embedded
    }

    pub fn mode(&self) -> Mode {
        self.link().mode
    }

    /// Switches to other settings: the new backend is connected first (so a bad choice
    /// changes nothing), then uploads start over on it. Queued jobs keep their place.
    pub async fn apply(&self, settings: Settings) -> Result<(), DesktopError> {
        let new = Arc::new(connect(&self.data_dir, settings).await?);
        let old = match self.link.write() {
            Ok(mut l) => std::mem::replace(&mut *l, new),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), new),
        };
        if let Some(server) = &old.server {
            server.shutdown_token().cancel();
        }
        // Tell the UI at once whether the new backend answers.
        let api = self.link().api.clone();
        let up = tokio::time::timeout(PROBE_EVERY, api.mode())
            .await
            .is_ok_and(|r| r.is_ok());
        self.online.store(up, Ordering::Relaxed);
        self.emit(Event::Online { online: up });
        self.restart_uploads();
        self.changed().await;
        Ok(())
    }

    fn client_dir(&self) -> PathBuf {
        self.data_dir.join("client")
    }

    fn thumbs_dir(&self) -> PathBuf {
        self.client_dir().join("thumbnails")
    }

    pub fn recordings_dir(&self) -> PathBuf {
        self.client_dir().join("recordings")
    }

    /// A dropped or picked file becomes an opaque id for the UI.
    pub fn register_file(&self, path: &Path) -> FileRef {
        self.files.register(path)
    }

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

    /// A job's thumbnail as a `data:` URL (the UI's CSP allows images from data: only).
    pub async fn thumbnail(&self, job_id: &str) -> Option<String> {
        if !job_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        jpeg_data_url(&idance_core::intake::thumbnail_path(
            &self.thumbs_dir(),
            job_id,
        ))
        .await
    }

    /// A download link for a stored video of this app's sessions.
    pub async fn download_url(&self, file_key: &str) -> Result<String, DesktopError> {
        let answer = self.link().api.download_url(file_key).await?;
        Ok(answer.download_url)
    }

    /// Pause (`None`: every job that can be paused). A job being sent stops within
    /// about a second (the runner watches its state); other jobs are not interrupted.
    pub async fn pause(&self, job: Option<&str>) -> Result<(), DesktopError> {
        for id in self.targets(job).await? {
            refused(
                job,
                lifecycle::pause(&self.queue, &id).await?,
                &id,
                Transition::Pause,
            )?;
        }
        self.changed().await;
        Ok(())
    }

    /// Resume paused jobs; also retries failed ones (Retry) and waiting ones (now).
    pub async fn resume(&self, job: Option<&str>) -> Result<(), DesktopError> {
        for id in self.targets(job).await? {
            refused(
                job,
                lifecycle::resume(&self.queue, &id).await?,
                &id,
                Transition::Resume,
            )?;
        }
        self.changed().await;
        self.wake_uploads();
        Ok(())
    }

    /// Cancel: nothing more is sent and the multipart upload is aborted on the server.
    /// A video already stored is refused (its session completes by itself).
    pub async fn cancel(&self, job: &str) -> Result<(), DesktopError> {
        let api = self.link().api.clone();
        let (outcome, warning) = lifecycle::cancel(&self.queue, Some(&api), job).await?;
        if let Some(w) = warning {
            // An upload left behind expires by the bucket's lifecycle rule.
            tracing::warn!("{w}");
        }
        refused(Some(job), outcome, job, Transition::Cancel)?;
        self.changed().await;
        Ok(())
    }

    /// The job (or every job's id).
    async fn targets(&self, job: Option<&str>) -> Result<Vec<String>, DesktopError> {
        Ok(match job {
            Some(id) => vec![id.to_string()],
            None => self
                .queue
                .jobs()
                .await?
                .into_iter()
                .map(|j| j.job_id)
                .collect(),
        })
    }

    /// Ends the wait between upload rounds (new or resumed work), without interrupting
    /// anything in flight.
    fn wake_uploads(&self) {
        self.wake.notify_one();
        self.runner_wake.notify_one();
    }

    /// Stops the uploads in flight (they resume from storage's parts) and starts over:
    /// only for a new backend or shutdown, never for one job's pause.
    fn restart_uploads(&self) {
        if let Ok(current) = self.current.lock()
            && let Some(token) = current.as_ref()
        {
            token.cancel();
        }
        self.wake_uploads();
    }

    /// Tells the UI to fetch its views again — when they would show something new.
    async fn changed(&self) {
        let digest = self.digest().await;
        let mut last = self.last_digest.lock().await;
        if *last != Some(digest) {
            *last = Some(digest);
            self.emit(Event::Changed);
        }
    }

    /// A fingerprint of what the views show (jobs' states, reasons and transfers;
    /// sessions' ids and calories).
    async fn digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for j in self.queue.jobs().await.unwrap_or_default() {
            (
                &j.job_id,
                j.state.as_str(),
                &j.error,
                j.file_key(),
                j.stored().is_some(),
                j.size,
            )
                .hash(&mut h);
        }
        for (s, _, calories) in self.queue.sessions().await.unwrap_or_default() {
            (
                &s.local_id,
                &s.server_id,
                &s.title,
                calories.map(f64::to_bits),
            )
                .hash(&mut h);
        }
        h.finish()
    }

    pub async fn devices(&self) -> Vec<idance_media::devices::Device> {
        idance_media::devices::list().await
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

    fn preview_path(&self) -> PathBuf {
        self.recordings_dir().join("preview.jpg")
    }

    /// A live preview of the chosen screen/camera before recording (to frame the
    /// camera). Replaces any running preview; refused while recording (the recording
    /// has its own preview from the same ffmpeg process).
    pub async fn start_preview(&self, req: RecordRequest) -> Result<(), DesktopError> {
        self.stop_preview().await;
        if self.record_status().is_some() {
            return Err(DesktopError::AlreadyRecording);
        }
        let dir = self.recordings_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| DesktopError::Refused(format!("cannot create {}: {e}", dir.display())))?;
        let _ = std::fs::remove_file(self.preview_path());
        let spec = recorder::spec(&req, self.preview_path());
        let preview = idance_media::record::Preview::start(&spec, &self.preview_path())?;
        *self.preview.lock().await = Some(preview);
        Ok(())
    }

    pub async fn stop_preview(&self) {
        if let Some(p) = self.preview.lock().await.take() {
            p.stop().await;
        }
    }

    /// Starts recording; the recording is queued at once and uploaded while it grows.
    pub async fn start_recording(
        self: &Arc<Self>,
        req: RecordRequest,
    ) -> Result<PathBuf, DesktopError> {
        // A camera cannot be opened twice: the preview process goes first.
        self.stop_preview().await;
        let title = req.title.clone().filter(|t| !t.trim().is_empty());
        let (out, stopped, status, recording) = {
            let mut slot = self
                .recorder
                .active
                .lock()
                .map_err(|_| DesktopError::AlreadyRecording)?;
            match slot.as_ref() {
                Some(a) if a.stop.is_none() => return Err(DesktopError::StillSaving),
                Some(_) => return Err(DesktopError::AlreadyRecording),
                None => {}
            }
            let dir = self.recordings_dir();
            std::fs::create_dir_all(&dir).map_err(|e| {
                DesktopError::Refused(format!("cannot create {}: {e}", dir.display()))
            })?;
            let _ = std::fs::remove_file(self.preview_path());
            let out = dir.join(format!(
                "{}.mp4",
                chrono::Local::now().format("%Y-%m-%d_%H-%M-%S")
            ));
            let recording = Recording::start(
                &recorder::spec(&req, self.preview_path()),
                &out,
                title.as_deref(),
            )?;
            let (stop, stopped) = oneshot::channel();
            let status = recording.status();
            *slot = Some(Active {
                stop: Some(stop),
                status: status.clone(),
            });
            (out, stopped, status, recording)
        };
        let choice = SessionChoice::New {
            title: title
                .clone()
                .or_else(|| out.file_stem().map(|s| s.to_string_lossy().into_owned())),
        };
        let job = match start_recording_job(&self.queue, &out, choice).await {
            Ok(job) => Some(job.job_id),
            Err(e) => {
                // Still recorded; it is queued after Stop instead.
                tracing::warn!("recording not queued while it runs: {e}");
                None
            }
        };
        self.changed().await;
        self.wake_uploads();
        let me = self.clone();
        tokio::spawn(async move {
            me.finish_recording(recording, stopped, status, job, title)
                .await
        });
        Ok(out)
    }

    async fn finish_recording(
        self: Arc<Self>,
        recording: Recording,
        stopped: oneshot::Receiver<()>,
        mut status: tokio::sync::watch::Receiver<RecordStatus>,
        job: Option<String>,
        title: Option<String>,
    ) {
        let forward = {
            let me = self.clone();
            tokio::spawn(async move {
                while status.changed().await.is_ok() {
                    let s = status.borrow_and_update().clone();
                    me.emit(Event::Record(s));
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            })
        };
        let finished = recording
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
        forward.abort();
        let mut last = RecordStatus {
            state: if finished.graceful {
                RecordState::Finished
            } else {
                RecordState::Failed
            },
            elapsed_secs: finished.elapsed_secs,
            bytes_written: finished.bytes,
            bytes_durable: finished.bytes,
            error: finished.error.clone(),
            ..RecordStatus::default()
        };
        let thumbs = self.thumbs_dir();
        let queued = match (&job, finished.bytes) {
            (Some(job), 0) => idance_core::intake::drop_empty_recording(&self.queue, job)
                .await
                .map_err(|e| e.to_string()),
            (Some(job), _) => finish_recording_job(&self.queue, job, &thumbs)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            (None, 0) => Ok(()),
            (None, _) => {
                let stem = finished
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned());
                let choice = SessionChoice::New {
                    title: title.or(stem),
                };
                add_video(&self.queue, &finished.path, choice, &thumbs)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        };
        match queued {
            Ok(()) => {
                let _ = finished.hand_off();
            }
            Err(e) => {
                last.error.get_or_insert(format!(
                    "the recording is kept in {} but could not be queued: {e}",
                    finished.path.display()
                ));
            }
        }
        // Only now may the next recording start.
        if let Ok(mut slot) = self.recorder.active.lock() {
            *slot = None;
        }
        self.emit(Event::Record(last));
        self.changed().await;
        // The next round sends the thumbnail first, then the rest of the video; the
        // round in flight (other jobs' parts) is not interrupted.
        self.wake_uploads();
    }

    /// Asks the recording to stop (gracefully, with a bound); it stays in the slot as
    /// `stopping` until it is finished and queued.
    pub fn stop_recording(&self) -> Result<(), DesktopError> {
        let (stop, mut status) = {
            let mut slot = self
                .recorder
                .active
                .lock()
                .map_err(|_| DesktopError::NotRecording)?;
            let active = slot.as_mut().ok_or(DesktopError::NotRecording)?;
            let stop = active.stop.take().ok_or(DesktopError::NotRecording)?;
            (stop, active.status.borrow().clone())
        };
        let _ = stop.send(());
        status.state = RecordState::Stopping;
        self.emit(Event::Record(status));
        Ok(())
    }

    pub fn record_status(&self) -> Option<RecordStatus> {
        self.recorder.active.lock().ok()?.as_ref().map(|a| {
            let mut s = a.status.borrow().clone();
            if a.stop.is_none() {
                s.state = RecordState::Stopping;
            }
            s
        })
    }

    /// The latest preview frame of the running recording.
    pub async fn preview(&self) -> Option<String> {
        jpeg_data_url(&self.preview_path()).await
    }

    /// Stops the loops and the built-in service.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        self.restart_uploads();
        if let Some(server) = &self.link().server {
            server.shutdown_token().cancel();
        }
    }

    fn uploader(&self) -> Uploader {
        let link = self.link();
        Uploader::new(
            link.api.clone(),
            self.queue.clone(),
            UploaderConfig {
                max_outage: OUTAGE_BEFORE_WAITING,
                max_bytes_per_sec: link.limit,
                ..UploaderConfig::default()
            },
        )
        .with_counters(self.counters.clone())
    }

    /// Bytes this app sent to storage since it started (re-sent ones included).
    pub fn bytes_sent(&self) -> u64 {
        idance_core::upload::Counters::get(&self.counters.bytes_sent)
    }
}

/// A refused action on one named job is an error in words; for "every job" the jobs
/// that cannot take it are skipped.
fn refused(
    named: Option<&str>,
    outcome: Outcome,
    id: &str,
    t: Transition,
) -> Result<(), DesktopError> {
    match (named, outcome.refusal(id, t)) {
        (Some(_), Some(why)) => Err(DesktopError::Refused(why)),
        _ => Ok(()),
    }
}

async fn jpeg_data_url(path: &Path) -> Option<String> {
    let bytes = tokio::fs::read(path).await.ok()?;
    (bytes.len() > 3 && bytes[..3] == [0xFF, 0xD8, 0xFF]).then(|| {
        format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    })
}

/// Runs the queue whenever there is work, with a fresh uploader each round (pause and
/// cancel stop the round in flight; the next one picks up from storage's parts).
async fn sync_loop(d: Arc<Desktop>) {
    let mut completed_before = completed_sessions(&d).await;
    while !d.shutdown.is_cancelled() {
        let uploader = d.uploader();
        let token = uploader.cancel_token();
        if let Ok(mut current) = d.current.lock() {
            *current = Some(token.clone());
        }
        let forward = tokio::spawn(forward_progress(d.clone(), uploader.subscribe()));
        let runner = Runner::new(uploader).with_wake(d.runner_wake.clone());
        let ran = runner.sync(None, Duration::from_secs(30)).await;
        drop(runner);
        forward.abort();
        if let Err(e) = ran {
            tracing::warn!("sync: {e}");
        }
        // Also catches what another process (`idance pause`, `idance sync`) changed.
        d.changed().await;
        let completed = completed_sessions(&d).await;
        for (id, title) in &completed {
            if !completed_before.iter().any(|(b, _)| b == id) {
                d.emit(Event::Notice {
                    title: "Session online".into(),
                    body: format!("{} is uploaded", title.as_deref().unwrap_or("Your session")),
                });
            }
        }
        completed_before = completed;
        tokio::select! {
            () = d.wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(3)) => {}
            () = d.shutdown.cancelled() => {}
        }
    }
}

async fn completed_sessions(d: &Desktop) -> Vec<(String, Option<String>)> {
    d.sessions_view()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.state == "online")
        .map(|s| (s.local_id, s.title))
        .collect()
}

async fn forward_progress(
    d: Arc<Desktop>,
    mut rx: broadcast::Receiver<idance_core::upload::progress::Progress>,
) {
    let mut throttle = Throttle::default();
    loop {
        match rx.recv().await {
            Ok(p) => {
                if let Some(view) =
                    throttle.update(&p.job_id, p.bytes_done, p.total, Instant::now())
                {
                    d.emit(Event::Progress(view));
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

/// Asks the service's capabilities every few seconds; the UI's offline banner follows.
async fn probe_loop(d: Arc<Desktop>) {
    while !d.shutdown.is_cancelled() {
        let api = d.link().api.clone();
        let up = tokio::time::timeout(PROBE_EVERY, api.mode())
            .await
            .is_ok_and(|r| r.is_ok());
        if up != d.online.swap(up, Ordering::Relaxed) {
            d.emit(Event::Online { online: up });
            if up {
                // Back: do not wait out the backoff of jobs left waiting.
                d.wake_uploads();
            }
        }
        tokio::select! {
            () = tokio::time::sleep(PROBE_EVERY) => {}
            () = d.shutdown.cancelled() => {}
        }
    }
}
