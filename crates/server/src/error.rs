//! API errors: each variant maps to one row of the contract's status table and is
//! answered as `{"detail", "code"}`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use idance_contract::{ErrorBody, ErrorCode, KeyError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid file_key: {0}")]
    InvalidKey(#[from] KeyError),
    #[error("{0}")]
    InvalidPartNumber(String),
    #[error("{0}")]
    EntityTooSmall(String),
    #[error("{0}")]
    InvalidPart(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    NoSuchUpload(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("storage failed: {0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("this account is disabled; ask the studio's administrator")]
    AccountDisabled,
    #[error("too many failed sign-ins; try again in {} minutes", retry_after.div_ceil(60))]
    TooManyAttempts { retry_after: u64 },
    #[error("{0}")]
    InvalidRefresh(String),
    #[error("this sign-in was ended because its refresh token was used twice; sign in again")]
    RefreshReused,
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::InvalidKey(_) => ErrorCode::InvalidKey,
            Self::InvalidPartNumber(_) => ErrorCode::InvalidPartNumber,
            Self::EntityTooSmall(_) => ErrorCode::EntityTooSmall,
            Self::InvalidPart(_) => ErrorCode::InvalidPart,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::NoSuchUpload(_) => ErrorCode::NoSuchUpload,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::TooLarge(_) => ErrorCode::TooLarge,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::Storage(_) => ErrorCode::StorageError,
            Self::Internal(_) => ErrorCode::Internal,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::AccountDisabled => ErrorCode::AccountDisabled,
            Self::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Self::InvalidRefresh(_) => ErrorCode::InvalidRefresh,
            Self::RefreshReused => ErrorCode::RefreshReused,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let retry_after = match &self {
            Self::TooManyAttempts { retry_after } => Some(*retry_after),
            _ => None,
        };
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(%status, error = %self, "request failed");
        } else {
            tracing::debug!(%status, error = %self, "request refused");
        }
        let mut resp = (
            status,
            Json(ErrorBody {
                detail: self.to_string(),
                code: Some(code),
            }),
        )
            .into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
