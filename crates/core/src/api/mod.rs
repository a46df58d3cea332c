//! The upload API as the client sees it.

mod client;
mod error;
pub mod sign_in;

pub use client::{ApiClient, ServerCaps, ServerMode};
pub use error::ClientError;
pub use sign_in::{Refusal, SignIn};
