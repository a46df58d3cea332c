//! `idance serve` and `idance token`.

use crate::Failure;
use crate::args::{ServeArgs, TokenArgs};
use anyhow::anyhow;
use idance_core::DataDir;
use idance_server::{Config, ServerError};
use std::io::Write;

pub async fn serve(data: &DataDir, args: ServeArgs) -> Result<(), Failure> {
    let config =
        Config::from_env(data.server(), args.listen).map_err(|e| Failure::Usage(e.into()))?;
    let handle = idance_server::start(config).await.map_err(|e| match e {
        ServerError::Config(_) => Failure::Usage(e.into()),
        other => Failure::Work(other.into()),
    })?;
    println!("listening on {}", handle.base_url());
    let _ = std::io::stdout().flush();
    let stop = handle.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping");
        stop.cancel();
    });
    handle
        .wait()
        .await
        .map_err(|e| Failure::Work(anyhow!("the server stopped: {e}")))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The server's settings for a command that does not listen (token, admin).
pub fn offline_config(data: &DataDir) -> Result<Config, Failure> {
    let listen = idance_server::DEFAULT_LISTEN
        .parse()
        .map_err(|e| Failure::Usage(anyhow!("{e}")))?;
    Config::from_env(data.server(), listen).map_err(|e| Failure::Usage(e.into()))
}

pub fn token(data: &DataDir, args: TokenArgs) -> Result<(), Failure> {
    let config = offline_config(data)?;
    std::fs::create_dir_all(&config.dir)
        .map_err(|e| Failure::Work(anyhow!("cannot create {}: {e}", config.dir.display())))?;
    let jwt = idance_server::load_jwt(&config).map_err(|e| Failure::Work(e.into()))?;
    let token = jwt
        .issue(&args.user, args.ttl)
        .map_err(|e| Failure::Usage(e.into()))?;
    println!("{token}");
    Ok(())
}
