//! A JSON body extractor whose failures are the contract's 400 (axum's own answers
//! 415/422, which the contract does not use for bad JSON).

use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("could not read the request body: {e}")))?;
        parse(&bytes).map(ApiJson)
    }
}

/// Like [`ApiJson`], but an empty body or `null` means `T::default()` (for optional
/// bodies).
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("could not read the request body: {e}")))?;
        let text = bytes.trim_ascii();
        if text.is_empty() || text == b"null" {
            return Ok(OptionalJson(T::default()));
        }
        parse(&bytes).map(OptionalJson)
    }
}

/// Every body of the API is one JSON object; serde would also build a struct from an
/// array of its fields, which no client means.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(ApiError::BadRequest(
            "the request body must be a JSON object".into(),
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use idance_contract::wire::StartSessionRequest;

    #[test]
    fn only_a_json_object_is_a_body() {
        let ok: StartSessionRequest = parse(br#" {"title": "Salsa"}"#).unwrap();
        assert_eq!(ok.title.as_deref(), Some("Salsa"));
        // serde alone builds the struct from an array of its fields.
        for bad in [&br#"["Salsa", null]"#[..], b"null", b"3", br#""x""#] {
            assert!(
                parse::<StartSessionRequest>(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
