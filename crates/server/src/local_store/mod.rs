//! The embedded S3-compatible store: what `idance serve` uses when no bucket is
//! configured, so everything works with no cloud account.
//!
//! It is a real S3 endpoint (s3s does the protocol, SigV4 and presigned-URL checks),
//! served on the API's own port for every path outside `/api`, so the rest of the
//! server talks to it with the same aws-sdk-s3 code it uses for AWS or Garage.
//! Objects are kept by s3s-fs; multipart uploads by [`multipart`], because s3s-fs's
//! own multipart cannot support resume (see that module).

mod multipart;
mod objects;
mod s3_impl;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use std::path::{Path, PathBuf};
use tower::Service;

pub use s3_impl::LocalStore;

/// Credentials the server signs local-store URLs with; they never leave the data dir.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoreCredentials {
    pub access_key: String,
    pub secret_key: String,
}

/// The bucket name used inside the embedded store.
pub const LOCAL_BUCKET: &str = "idance";
/// The region the embedded store signs and checks with.
pub const LOCAL_REGION: &str = "us-east-1";

impl StoreCredentials {
    /// Loads the store's credentials, making them on first start.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        if let Ok(bytes) = std::fs::read(path)
            && let Ok(creds) = serde_json::from_slice(&bytes)
        {
            return Ok(creds);
        }
        let creds = Self {
            access_key: format!(
                "IDANCELOCAL{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase()
            ),
            secret_key: crate::secrets::random_hex(32),
        };
        crate::secrets::write_private(path, &serde_json::to_vec(&creds)?)?;
        Ok(creds)
    }
}

/// Builds the S3 service over `root` (objects) with multipart state in `root/../multipart`.
pub fn build_service(root: &Path, creds: &StoreCredentials) -> std::io::Result<S3Service> {
    let objects = root.join("objects");
    std::fs::create_dir_all(objects.join(LOCAL_BUCKET))?;
    let store = LocalStore::new(objects, root.join("multipart"))?;
    let mut builder = S3ServiceBuilder::new(store);
    builder.set_auth(SimpleAuth::from_single(
        creds.access_key.clone(),
        creds.secret_key.clone(),
    ));
    Ok(builder.build())
}

/// An axum handler body that hands a request to the S3 service.
pub async fn handle(mut service: S3Service, req: Request) -> Response {
    match Service::call(&mut service, req).await {
        Ok(resp) => resp.map(Body::new).into_response(),
        Err(err) => {
            tracing::warn!(error = ?err, "local store failed a request");
            (StatusCode::INTERNAL_SERVER_ERROR, "local store error").into_response()
        }
    }
}

/// Where the store keeps its files below the server's data dir.
pub fn root_in(server_dir: &Path) -> PathBuf {
    server_dir.join("store")
}
