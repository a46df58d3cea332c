//! The iDance S3 upload API: JWT-authenticated sessions, presigned single uploads
//! (Part A of the contract) and resumable multipart uploads (Part B), over AWS S3,
//! any S3-compatible store, or an embedded store kept in a folder.
//!
//! Run it with [`start`]; the `idance serve` command and the desktop app both do.

mod abort;
mod activity;
mod app;
pub mod auth;
pub mod config;
mod config_file;
mod db;
mod error;
mod housekeeping;
mod json;
pub mod local_store;
mod metrics;
mod openapi;
mod routes;
mod secrets;
mod sign_in;
mod state;
mod storage;
mod users;

pub use app::{ServerError, ServerHandle, load_jwt, start};
pub use config::{Config, ConfigError, DEFAULT_LISTEN};
pub use housekeeping::{Admin, LifecycleReport};
pub use storage::Listed;
pub use users::Account;
