//! What client commands stand on: the upload queue, the server and sign-in to use, the
//! API client (or direct mode's in-process service) and the runner that uploads.

use crate::Failure;
use crate::args::Global;
use anyhow::anyhow;
use idance_core::app_settings::Stored;
use idance_core::{ApiClient, DataDir, Queue, Runner, Uploader, UploaderConfig};
use std::path::Path;
use std::time::Duration;

const DEFAULT_SERVER: &str = "http://127.0.0.1:8787";

pub(crate) fn open_queue(data: &DataDir) -> Result<Queue, Failure> {
    Queue::open(&data.queue_db()).map_err(|e| Failure::Work(e.into()))
}

/// The API client for client commands: the configured server and token, or in direct
/// mode the in-process service (returned too: it must outlive the client).
pub(crate) async fn api_client(
    data: &DataDir,
    global: &Global,
) -> Result<(ApiClient, Option<idance_server::ServerHandle>), Failure> {
    if global.direct {
        let d = crate::direct::start(data).await?;
        let token = d
            .jwt
            .issue(
                idance_core::direct::USER,
                Duration::from_secs(30 * 24 * 3600),
            )
            .map_err(|e| Failure::Work(e.into()))?;
        let api = ApiClient::new(&d.base_url(), &token).map_err(|e| Failure::Usage(e.into()))?;
        return Ok((api.on_network(watched_network()), Some(d)));
    }
    // Flags and environment first, then a sign-in (`idance login` or the app's) to
    // that server, then a token the app saved.
    let client_dir = data.client();
    let (saved, pasted) = saved_credentials(&client_dir).await?;
    let server = server_url(data, global, saved.as_ref());
    let api = match (&global.token, saved, pasted) {
        (Some(token), _, _) => ApiClient::new(&server, token),
        (None, Some(s), _) if s.server == server.trim_end_matches('/') => {
            let sign_in = idance_core::SignIn::new(&server, &client_dir)
                .map_err(|e| Failure::Usage(e.into()))?;
            ApiClient::signed_in(std::sync::Arc::new(sign_in))
        }
        (None, _, Some(token)) => ApiClient::new(&server, &token),
        (None, _, None) => {
            return Err(Failure::Usage(anyhow!(
                "not signed in to {server}: run `idance login`, pass --token or set IDANCE_TOKEN (`idance token --user U` makes one for a local server), or use --direct"
            )));
        }
    }
    .map_err(|e| Failure::Usage(e.into()))?;
    Ok((api.on_network(watched_network()), None))
}

/// The network, watched for address changes and wake from sleep for as long as the
/// command runs (its tasks end with the runtime).
fn watched_network() -> idance_core::network::Network {
    idance_core::network::Network::watching(tokio_util::sync::CancellationToken::new())
}

/// The saved sign-in and the token the app saved (from the keychain: off the runtime).
pub(crate) async fn saved_credentials(
    client_dir: &Path,
) -> Result<(Option<idance_core::api::sign_in::Saved>, Option<String>), Failure> {
    let dir = client_dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let secrets = idance_core::secrets::Secrets::new(dir.clone());
        (
            idance_core::SignIn::saved_in(&dir),
            secrets.get(idance_core::secrets::TOKEN),
        )
    })
    .await
    .map_err(|e| Failure::Work(e.into()))
}

/// The server for client commands: `--server`, else the one signed in to, else the
/// one the desktop app is set to, else the local default.
pub(crate) fn server_url(
    data: &DataDir,
    global: &Global,
    saved: Option<&idance_core::api::sign_in::Saved>,
) -> String {
    global
        .server
        .clone()
        .or_else(|| saved.map(|s| s.server.clone()))
        .or_else(|| Stored::read(data).remote_server().map(str::to_string))
        .unwrap_or_else(|| DEFAULT_SERVER.to_string())
}

/// The runner for client commands, and in direct mode the in-process service that
/// presigns for it (kept alive by the caller for as long as the runner works).
/// `timeout`: how long outages are waited out (also inside one job).
pub(crate) async fn runner(
    data: &DataDir,
    global: &Global,
    queue: Queue,
    limit: Option<u64>,
    timeout: Option<Duration>,
) -> Result<(Runner, Option<idance_server::ServerHandle>), Failure> {
    let (api, direct) = api_client(data, global).await?;
    let defaults = UploaderConfig::default();
    let config = UploaderConfig {
        max_bytes_per_sec: limit,
        max_outage: timeout.unwrap_or(defaults.max_outage),
        ..defaults
    };
    Ok((Runner::new(Uploader::new(api, queue, config)), direct))
}
