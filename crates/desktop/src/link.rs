//! The link to storage: which backend the app talks to (built-in service, iDance
//! server, own bucket), connected before it replaces the old one, and the online probe.

use crate::config::{Backend, LOCAL_USER, Mode, Settings};
use crate::engine::Desktop;
use crate::error::DesktopError;
use crate::events::Event;
use idance_core::network::Network;
use idance_core::{ApiClient, DataDir, SignIn};
use idance_server::config::StorageConfig;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the service is asked whether it answers (the offline banner follows).
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// The upload service inside the app, over `storage`, and a client signed in as `user`.
async fn in_process(
    dir: PathBuf,
    storage: StorageConfig,
    user: &'static str,
) -> Result<(ApiClient, Option<idance_server::ServerHandle>), DesktopError> {
    let config = idance_server::Config::in_process(dir, storage)
        .map_err(|e| DesktopError::Server(e.into()))?;
    let server = idance_server::start(config).await?;
    let token = server
        .jwt
        .issue(user, Duration::from_secs(365 * 24 * 3600))
        .map_err(|source| DesktopError::LocalUser { user, source })?;
    Ok((ApiClient::new(&server.base_url(), &token)?, Some(server)))
}

/// How the app reaches storage now: the API client, the in-process service it talks
/// to (built-in or direct mode), the bandwidth limit and compression. Replaced whole
/// by Settings.
pub(crate) struct Link {
    pub(crate) api: ApiClient,
    pub(crate) server: Option<idance_server::ServerHandle>,
    pub(crate) mode: Mode,
    pub(crate) limit: Option<u64>,
    pub(crate) compress: idance_media::compress::Mode,
    pub(crate) review_recordings: bool,
    pub(crate) online_fast: bool,
}

pub(crate) async fn connect(
    data: &DataDir,
    network: &Network,
    settings: Settings,
) -> Result<Link, DesktopError> {
    let (mode, (api, server)) = match settings.backend {
        Backend::Embedded => (
            Mode::Embedded,
            in_process(data.server(), StorageConfig::Local, LOCAL_USER).await?,
        ),
        Backend::Remote {
            url,
            token: Some(token),
        } => (Mode::Remote, (ApiClient::new(&url, &token)?, None)),
        Backend::Remote { url, token: None } => {
            let sign_in = SignIn::new(&url, &data.client())?;
            (
                Mode::Remote,
                (ApiClient::signed_in(Arc::new(sign_in))?, None),
            )
        }
        Backend::Direct {
            bucket,
            region,
            endpoint,
            access_key_id,
            secret_access_key,
        } => {
            let storage = StorageConfig::Bucket {
                bucket,
                region,
                endpoint,
                credentials: Some((access_key_id, secret_access_key)),
                bucket_url: None,
                // Parts signed with CRC32C, as for any bucket (`S3_PART_CHECKSUM`'s default).
                crc32c: true,
            };
            (
                Mode::Direct,
                in_process(data.direct_server(), storage, idance_core::direct::USER).await?,
            )
        }
    };
    Ok(Link {
        api: api.on_network(network.clone()),
        server,
        mode,
        limit: settings.limit,
        compress: settings.compress,
        review_recordings: settings.review_recordings,
        online_fast: settings.online_fast,
    })
}

impl Desktop {
    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::Relaxed)
    }

    pub(crate) fn link(&self) -> Arc<Link> {
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
        let new = Arc::new(connect(&self.data, &self.network, settings).await?);
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
}

/// Asks the service's capabilities every few seconds, and at once after a network
/// change; the UI's offline banner follows. A change also wakes the jobs left waiting:
/// the new network may be the one that works.
pub(crate) async fn probe_loop(d: Arc<Desktop>) {
    while !d.shutdown.is_cancelled() {
        let generation = d.network.generation();
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
            () = d.network.changed_after(generation) => d.wake_uploads(),
            () = d.shutdown.cancelled() => {}
        }
    }
}
