//! The running app, wired: its state, start and shutdown, and events. What it does is in
//! `link` (where uploads go), `uploads` (the sync loop, pause/resume/cancel), `library`
//! (intake, views, thumbnails), `recorder` and `launch` (files opened with the app).

use crate::config::Settings;
use crate::error::DesktopError;
use crate::events::Event;
use crate::files::{FileRef, FileRegistry};
use crate::link::{Link, connect, probe_loop};
use crate::recorder::RecorderSlot;
use crate::uploads::sync_loop;
use idance_core::network::Network;
use idance_core::{DataDir, Queue};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

pub struct Desktop {
    pub(crate) data: DataDir,
    pub(crate) queue: Queue,
    pub(crate) link: std::sync::RwLock<Arc<Link>>,
    pub(crate) files: FileRegistry,
    /// Files opened with the app, until the window takes them.
    pub(crate) opened: Mutex<Vec<FileRef>>,
    /// The last update status (for a window that opens later).
    pub(crate) update: Mutex<Option<crate::update::UpdateStatus>>,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) wake: Notify,
    pub(crate) online: AtomicBool,
    pub(crate) current: Mutex<Option<CancellationToken>>,
    /// Ends the runner's wait between rounds.
    pub(crate) runner_wake: Arc<Notify>,
    /// What this app put on the wire, across upload rounds.
    pub(crate) counters: Arc<idance_core::upload::Counters>,
    pub(crate) shown: tokio::sync::Mutex<crate::library::Shown>,
    /// The server's library as last seen.
    pub(crate) library: tokio::sync::Mutex<crate::remote_library::RemoteLibrary>,
    /// Presigned GETs the player and library thumbnails use: key → (URL, reuse until).
    pub(crate) play_urls: Mutex<std::collections::HashMap<String, (String, std::time::Instant)>>,
    pub(crate) recorder: RecorderSlot,
    pub(crate) preview: tokio::sync::Mutex<Option<idance_media::record::Preview>>,
    pub(crate) shutdown: CancellationToken,
    /// Address changes and wakes from sleep: every link's connections follow it.
    pub(crate) network: Network,
    /// Why the saved choice is not in use (it could not connect at start).
    pub(crate) startup_problem: Mutex<Option<String>>,
    /// The compressions running: growing job → percent encoded.
    pub(crate) optimizing: Mutex<std::collections::HashMap<String, u8>>,
}

impl Desktop {
    /// Opens the queue, starts the built-in service when no backend is configured, and
    /// starts the background sync loop and the reachability probe.
    pub async fn start(
        data_dir: PathBuf,
        settings: Settings,
    ) -> Result<Arc<Desktop>, DesktopError> {
        let data = DataDir::new(data_dir);
        let client = data.client();
        std::fs::create_dir_all(&client).map_err(|e| {
            DesktopError::Refused(format!("cannot create {}: {e}", client.display()))
        })?;
        let queue = Queue::open(&data.queue_db())?;
        let shutdown = CancellationToken::new();
        let network = Network::watching(shutdown.child_token());
        let link = connect(&data, &network, settings).await?;
        let (events, _) = broadcast::channel(4096);
        let desktop = Arc::new(Desktop {
            data,
            queue,
            link: std::sync::RwLock::new(Arc::new(link)),
            files: FileRegistry::default(),
            opened: Mutex::default(),
            update: Mutex::default(),
            events,
            wake: Notify::new(),
            online: AtomicBool::new(true),
            current: Mutex::new(None),
            runner_wake: Arc::default(),
            counters: Arc::default(),
            shown: Default::default(),
            library: Default::default(),
            play_urls: Default::default(),
            recorder: RecorderSlot::default(),
            preview: tokio::sync::Mutex::new(None),
            shutdown,
            network,
            startup_problem: Mutex::new(None),
            optimizing: Mutex::default(),
        });
        // What the UI will fetch when it opens: changes are told relative to it.
        desktop.changed().await;
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
        let (limit, compress, review_recordings, online_fast) = (
            settings.limit,
            settings.compress,
            settings.review_recordings,
            settings.online_fast,
        );
        match Self::start(data_dir.clone(), settings).await {
            Err(e @ (DesktopError::Server(_) | DesktopError::Client(_))) => {
                let why = format!(
                    "the saved upload choice could not be used, so the built-in service is on: {e}"
                );
                tracing::warn!("{why}");
                let built_in = Settings {
                    backend: crate::config::Backend::Embedded,
                    limit,
                    compress,
                    review_recordings,
                    online_fast,
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

    pub(crate) fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    pub(crate) fn client_dir(&self) -> PathBuf {
        self.data.client()
    }

    pub(crate) fn thumbs_dir(&self) -> PathBuf {
        self.data.thumbnails()
    }

    pub fn recordings_dir(&self) -> PathBuf {
        self.data.recordings()
    }

    /// A dropped or picked file becomes an opaque id for the UI.
    pub fn register_file(&self, path: &Path) -> FileRef {
        self.files.register(path)
    }

    /// Cancelled when the app shuts down (for the shell's own background tasks).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops the loops and the built-in service.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        self.restart_uploads();
        if let Some(server) = &self.link().server {
            server.shutdown_token().cancel();
        }
    }
}
