//! The upload API as the client sees it.

mod client;
mod error;

pub use client::{ApiClient, ServerMode};
pub use error::ClientError;
