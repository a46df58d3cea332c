//! Starting the server: state, routes, CORS, the embedded store, graceful shutdown.

use crate::auth::Jwt;
use crate::config::{Config, CorsOrigins, StorageConfig};
use crate::db::{Db, DbError};
use crate::error::ApiError;
use crate::local_store::{self, LOCAL_BUCKET, LOCAL_REGION, StoreCredentials};
use crate::state::AppState;
use crate::storage::{Storage, StorageSettings};
use axum::Router;
use axum::extract::Request;
use axum::routing::any;
use http::{HeaderName, Method};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::trace::TraceLayer;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the sessions database: {0}")]
    Db(#[from] DbError),
    #[error("storage: {0}")]
    Storage(#[from] crate::storage::StorageError),
    /// An account command refused (the email is taken, unknown, a short password).
    #[error("{0}")]
    Account(String),
    #[error("cannot prepare {what} in the data dir: {source}")]
    DataDir {
        what: &'static str,
        source: std::io::Error,
    },
}

/// A running server. Dropping it does not stop it; call [`ServerHandle::shutdown`].
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub jwt: Jwt,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl ServerHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, lets running ones finish, and waits.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }

    /// Waits until the server stops (it stops on its own only if serving fails).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

fn data_err(what: &'static str) -> impl FnOnce(std::io::Error) -> ServerError {
    move |source| ServerError::DataDir { what, source }
}

/// Loads the JWT secret the server signs with: `JWT_SECRET`, else one kept in the data dir.
pub fn load_jwt(config: &Config) -> Result<Jwt, ServerError> {
    let secret = match &config.jwt_secret {
        Some(s) => s.clone(),
        None => crate::secrets::load_or_create_hex(&config.dir.join("jwt_secret"), 32)
            .map_err(data_err("the JWT secret"))?,
    };
    Ok(Jwt::new(secret.as_bytes()))
}

/// Starts the server and returns once it accepts requests. Every instance also runs
/// the stale-upload reaper.
pub async fn start(config: Config) -> Result<ServerHandle, ServerError> {
    let stale_after = Duration::from_secs(config.stale_upload_hours.saturating_mul(3600));
    let (handle, state) = serve(config).await?;
    tokio::spawn(crate::housekeeping::run_reaper(
        state,
        stale_after,
        handle.shutdown.clone(),
    ));
    Ok(handle)
}

/// Serves the API (and the embedded store, if it is the one) and hands back its state.
pub(crate) async fn serve(config: Config) -> Result<(ServerHandle, AppState), ServerError> {
    std::fs::create_dir_all(&config.dir).map_err(data_err("the server folder"))?;
    let jwt = load_jwt(&config)?;
    let db = Db::open(&config.database).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.listen,
        source,
    })?;
    let expires = Duration::from_secs(config.presign_expires_secs);

    let (settings, store) = match &config.storage {
        StorageConfig::Local => {
            let root = local_store::root_in(&config.dir);
            let creds =
                StoreCredentials::load_or_create(&config.dir.join("store_credentials.json"))
                    .map_err(data_err("the local store keys"))?;
            let service =
                local_store::build_service(&root, &creds).map_err(data_err("the local store"))?;
            let host = if addr.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                addr.ip().to_string()
            };
            let host = if addr.is_ipv6() && !addr.ip().is_unspecified() {
                format!("[{host}]")
            } else {
                host
            };
            let endpoint = format!("http://{host}:{}", addr.port());
            let settings = StorageSettings {
                bucket: LOCAL_BUCKET.into(),
                region: LOCAL_REGION.into(),
                bucket_url: format!("{endpoint}/{LOCAL_BUCKET}"),
                endpoint: Some(endpoint),
                credentials: Some((creds.access_key, creds.secret_key)),
                expires,
                // The embedded store checks Content-MD5 only.
                crc32c: false,
            };
            (settings, Some(service))
        }
        StorageConfig::Bucket {
            bucket,
            region,
            endpoint,
            credentials,
            bucket_url,
            crc32c,
        } => {
            let bucket_url = bucket_url.clone().unwrap_or_else(|| match endpoint {
                Some(e) => format!("{}/{bucket}", e.trim_end_matches('/')),
                None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
            });
            let settings = StorageSettings {
                bucket: bucket.clone(),
                region: region.clone(),
                endpoint: endpoint.clone(),
                credentials: credentials.clone(),
                bucket_url,
                expires,
                crc32c: *crc32c,
            };
            (settings, None)
        }
    };
    let state = AppState {
        db,
        storage: Storage::connect(settings).await,
        jwt: jwt.clone(),
        max_upload_bytes: config.max_upload_bytes(),
        max_upload_mb: config.max_upload_mb,
        metrics_token: config.metrics_token.clone(),
        touches: Default::default(),
        sign_in: crate::sign_in::Settings {
            access_token_secs: config.access_token_secs,
            refresh_token_days: config.refresh_token_days,
            trust_forwarded_for: config.trust_forwarded_for,
        },
    };
    // Installed before the first request, so every one is counted.
    crate::metrics::handle();
    tokio::task::spawn_blocking(crate::sign_in::warm);

    let api = crate::routes::router()
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(|| async { crate::routes::method_not_allowed() })
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .with_state(state.clone())
        .layer(api_cors(&config.cors));
    let app = match store {
        Some(service) => {
            let store_routes = Router::new()
                .fallback(move |req: Request| local_store::handle(service.clone(), req))
                .layer(store_cors());
            api.merge(store_routes)
        }
        None => api.fallback(api_not_found),
    };
    let app = app.layer(
        TraceLayer::new_for_http()
            // Path only: query strings of presigned URLs carry signatures.
            .make_span_with(|req: &Request| tracing::debug_span!("http", method = %req.method(), path = %req.uri().path())),
    );

    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let task = tokio::spawn(async move {
        // The peer address is the sign-in limits' client address.
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { token.cancelled().await })
        .await
    });
    tracing::info!(%addr, "upload service listening");
    let handle = ServerHandle {
        addr,
        jwt,
        shutdown,
        task,
    };
    Ok((handle, state))
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

fn api_cors(origins: &CorsOrigins) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([http::header::AUTHORIZATION, http::header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    match origins {
        CorsOrigins::None => CorsLayer::new(),
        CorsOrigins::Any => base.allow_origin(Any),
        CorsOrigins::List(list) => base.allow_origin(AllowOrigin::list(
            list.iter()
                .filter_map(|o| http::HeaderValue::from_str(o).ok()),
        )),
    }
}

/// The rule of the seed's bucket: any origin, GET/PUT/POST/DELETE, any header.
fn store_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::PUT,
            Method::POST,
            Method::DELETE,
            Method::HEAD,
        ])
        .allow_headers(Any)
        .expose_headers([HeaderName::from_static("etag")])
        .max_age(Duration::from_secs(3600))
}
