//! Moves a queued file into storage: resumable multipart against Part B servers, one
//! streamed presigned PUT against Part A servers. Retries what retrying can fix,
//! fails a job only for reasons it cannot (file changed, request refused).

mod checksum;
mod error;
mod md5;
mod multipart;
mod put_policy;

pub mod progress;
mod retry;
mod single;
mod source;
mod storage_answer;
mod throttle;
mod transfer;

pub use error::UploadError;
pub use progress::{Counters, Progress};
pub use retry::{backoff as backoff_delay, until_reachable as retry_call};

use crate::api::{ApiClient, ServerCaps, ServerMode};
use crate::queue::{Job, Queue};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct UploaderConfig {
    /// Connections sending bytes at once, shared by every job in flight: one big file
    /// gets them all, a folder of small ones one each.
    pub workers: usize,
    /// Jobs worked at once (a recording being written is never kept waiting for one).
    pub jobs: usize,
    /// How long to keep retrying an unreachable service before leaving the job waiting.
    pub max_outage: Duration,
    /// Optional bandwidth limit for part uploads, bytes per second.
    pub max_bytes_per_sec: Option<u64>,
}

impl Default for UploaderConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            jobs: 8,
            max_outage: Duration::from_secs(3600),
            max_bytes_per_sec: None,
        }
    }
}

/// Runs uploads for one queue against one server.
#[derive(Clone)]
pub struct Uploader {
    pub(crate) api: ApiClient,
    pub(crate) queue: Queue,
    pub(crate) config: UploaderConfig,
    pub(crate) counters: Arc<Counters>,
    pub(crate) events: broadcast::Sender<Progress>,
    pub(crate) cancel: CancellationToken,
    pub(crate) throttle: Option<Arc<throttle::Throttle>>,
    /// The server's capabilities, asked once per uploader (one run), shared by its jobs.
    caps: Arc<tokio::sync::OnceCell<ServerCaps>>,
    /// The connection budget of [`UploaderConfig::workers`], shared by all jobs.
    pub(crate) slots: Arc<tokio::sync::Semaphore>,
    /// Bytes this uploader put on the wire for its one job (see [`Uploader::for_job`]).
    pub(crate) job_sent: Arc<std::sync::atomic::AtomicU64>,
    /// The process whose lease the job's queue writes are fenced by (its runner).
    pub(crate) holder: Option<String>,
}

/// Where a stored file ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub file_key: String,
    pub file_url: String,
    pub size: u64,
}

impl Uploader {
    pub fn new(api: ApiClient, queue: Queue, config: UploaderConfig) -> Self {
        let (events, _) = broadcast::channel(1024);
        let throttle = config
            .max_bytes_per_sec
            .map(|b| Arc::new(throttle::Throttle::new(b)));
        Self {
            api,
            queue,
            counters: Arc::default(),
            events,
            cancel: CancellationToken::new(),
            throttle,
            caps: Arc::default(),
            slots: Arc::new(tokio::sync::Semaphore::new(config.workers.max(1))),
            job_sent: Arc::default(),
            holder: None,
            config,
        }
    }

    /// Counts into `counters` (e.g. one set across the app's upload rounds).
    pub fn with_counters(mut self, counters: Arc<Counters>) -> Self {
        self.counters = counters;
        self
    }

    /// The queue this uploader works on.
    pub fn queue_handle(&self) -> Queue {
        self.queue.clone()
    }

    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// What this uploader's network carried so far (shared with every uploader on it).
    pub fn uplink(&self) -> crate::network::uplink::Uplink {
        self.api.network().uplink().clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Progress> {
        self.events.subscribe()
    }

    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// This uploader for one job: cancelling the returned token stops that job's
    /// transfers at once (requests in flight are dropped), and cancelling this
    /// uploader still stops it too. Its queue writes for the job count only while
    /// `holder` holds the job's lease.
    pub fn for_job(&self, holder: &str) -> (Uploader, CancellationToken) {
        let token = self.cancel.child_token();
        let up = Uploader {
            cancel: token.clone(),
            job_sent: Arc::default(),
            holder: Some(holder.to_string()),
            ..self.clone()
        };
        (up, token)
    }

    /// Counts `n` bytes put on the wire (for the run and for this job).
    pub(crate) fn sent(&self, n: u64) {
        Counters::add(&self.counters.bytes_sent, n);
        Counters::add(&self.job_sent, n);
    }

    /// Waits for one of the shared connections.
    pub(crate) async fn connection(&self) -> Result<tokio::sync::SemaphorePermit<'_>, UploadError> {
        tokio::select! {
            () = self.cancel.cancelled() => Err(UploadError::Cancelled),
            p = self.slots.acquire() => p.map_err(|_| UploadError::Cancelled),
        }
    }

    /// Uploads the full parts a recording being written has so far (one pass). Against
    /// a server without multipart nothing is sent before Stop.
    pub async fn feed_growing(&self, job: &Job, server_session: &str) -> Result<(), UploadError> {
        if self.server_caps().await?.mode != ServerMode::Multipart {
            return Ok(());
        }
        multipart::feed_growing(self, job, server_session).await
    }

    /// What the server can do, asked until it answers (or the outage limit), once for
    /// this uploader's run: a folder of clips costs one capabilities call, not one each.
    pub async fn server_caps(&self) -> Result<ServerCaps, UploadError> {
        self.caps
            .get_or_try_init(|| retry::until_reachable(self, || self.api.capabilities()))
            .await
            .copied()
    }

    /// What the server can do (see [`Uploader::server_caps`]).
    pub async fn server_mode(&self) -> Result<ServerMode, UploadError> {
        Ok(self.server_caps().await?.mode)
    }

    /// Stores the job's file. The session must already exist on the server
    /// (`server_session`). Returns where it was stored.
    ///
    /// Multipart (resumable) for videos on Part B servers — except a finished file of
    /// at most one part, which goes in one PUT with its checksum signed in where the
    /// server offers that: 1 call instead of 4 (create, list, sign, complete), and
    /// resuming it would re-send the same one part anyway.
    pub async fn store(&self, job: &Job, server_session: &str) -> Result<Stored, UploadError> {
        source::check_unchanged(job)?;
        let caps = self.server_caps().await?;
        let one_put = caps.put_checksums
            && !job.growing
            && job.plan().is_none()
            && job.size <= idance_contract::DEFAULT_PART_SIZE;
        let stored = match caps.mode {
            ServerMode::Multipart if job.kind == idance_contract::FileKind::Video && !one_put => {
                multipart::upload(self, job, server_session).await?
            }
            _ => single::upload(self, job, server_session, caps).await?,
        };
        if stored.size != job.size {
            return Err(UploadError::Integrity(format!(
                "storage holds {} bytes but the file has {}",
                stored.size, job.size
            )));
        }
        let recorded = self
            .queue
            .set_stored(
                job.job_id.clone(),
                self.holder.clone(),
                stored.file_key.clone(),
                stored.file_url.clone(),
            )
            .await?;
        match recorded {
            crate::lifecycle::Outcome::Done => Ok(stored),
            // Cancelled meanwhile (its object is left to storage's clean-up, never
            // named by a completion), or another process has the job now.
            _ => Err(UploadError::Cancelled),
        }
    }
}
