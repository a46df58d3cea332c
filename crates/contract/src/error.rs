//! Error bodies: `{"detail": "...", "code": "..."}`.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes (the `code` extension field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidKey,
    InvalidPartNumber,
    EntityTooSmall,
    InvalidPart,
    Unauthorized,
    Forbidden,
    NotFound,
    NoSuchUpload,
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
    StorageError,
    Internal,
    // accounts.md
    InvalidCredentials,
    AccountDisabled,
    TooManyAttempts,
    InvalidRefresh,
    RefreshReused,
}

impl ErrorCode {
    /// The HTTP status the contract's status table gives this code.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest
            | Self::InvalidKey
            | Self::InvalidPartNumber
            | Self::EntityTooSmall
            | Self::InvalidPart => 400,
            Self::Unauthorized
            | Self::InvalidCredentials
            | Self::InvalidRefresh
            | Self::RefreshReused => 401,
            Self::Forbidden | Self::AccountDisabled => 403,
            Self::TooManyAttempts => 429,
            Self::NotFound | Self::NoSuchUpload => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::TooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::StorageError => 502,
            Self::Internal => 500,
        }
    }
}

/// The JSON body of every error answer. `code` is optional on the wire because
/// servers that only speak Part A send `detail` alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
}
