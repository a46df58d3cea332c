//! What every handler shares.

use crate::activity::Touches;
use crate::auth::Jwt;
use crate::db::Db;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub storage: Storage,
    pub jwt: Jwt,
    pub max_upload_bytes: u64,
    pub max_upload_mb: u64,
    /// `/metrics` needs this bearer token when set.
    pub metrics_token: Option<String>,
    pub touches: Touches,
    pub sign_in: crate::sign_in::Settings,
}
