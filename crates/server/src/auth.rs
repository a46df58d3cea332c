//! JWT bearer auth: HS256 only, `exp` enforced (5 s leeway), `sub` is the user id.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use http::request::Parts;
use idance_contract::keys::is_valid_user_id;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
}

/// Checks and issues tokens with one HS256 secret.
#[derive(Clone)]
pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("user id '{0}' is not valid (1-64 of A-Z a-z 0-9 _ -)")]
    BadUser(String),
    #[error("could not sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

impl Jwt {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Returns the user id of a valid token.
    pub fn verify(&self, token: &str) -> Result<String, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired; sign in again",
                    ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => {
                        "the token must be signed with HS256"
                    }
                    ErrorKind::InvalidSignature => "the token's signature is not valid",
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks 'sub' or 'exp'",
                    _ => "the token is malformed",
                };
                ApiError::Unauthorized(why.to_string())
            })?;
        if !is_valid_user_id(&data.claims.sub) {
            return Err(ApiError::Unauthorized(
                "the token's 'sub' is not a valid user id".into(),
            ));
        }
        Ok(data.claims.sub)
    }

    pub fn issue(&self, user_id: &str, ttl: Duration) -> Result<String, TokenError> {
        if !is_valid_user_id(user_id) {
            return Err(TokenError::BadUser(user_id.to_string()));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let claims = Claims {
            sub: user_id.to_string(),
            exp: (now + ttl).as_secs(),
            iat: Some(now.as_secs()),
            jti: Some(uuid::Uuid::new_v4().simple().to_string()),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct User(pub String);

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = bearer_user(parts, state);
        match &user {
            Ok(User(id)) => {
                // For the request's log line.
                if let Some(caller) = parts.extensions.get::<crate::metrics::Caller>() {
                    let _ = caller.0.set(id.clone());
                }
            }
            Err((reason, _)) => {
                crate::metrics::count("idance_auth_failures_total", &[("reason", reason)]);
            }
        }
        user.map_err(|(_, e)| e)
    }
}

/// The caller, or why not: a short reason for the metrics, and the answer.
fn bearer_user(parts: &Parts, state: &AppState) -> Result<User, (&'static str, ApiError)> {
    let header = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| {
            (
                "missing",
                ApiError::Unauthorized("missing Authorization: Bearer <token>".into()),
            )
        })?;
    let value = header.to_str().map_err(|_| {
        (
            "malformed",
            ApiError::Unauthorized("malformed Authorization header".into()),
        )
    })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            (
                "malformed",
                ApiError::Unauthorized("Authorization must be 'Bearer <token>'".into()),
            )
        })?;
    state
        .jwt
        .verify(token)
        .map(User)
        .map_err(|e| ("invalid_token", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn issued_tokens_verify_and_name_the_user() {
        let jwt = Jwt::new(b"secret");
        let t = jwt.issue("alice", Duration::from_secs(60)).unwrap();
        assert_eq!(jwt.verify(&t).unwrap(), "alice");
        assert!(
            Jwt::new(b"other").verify(&t).is_err(),
            "forged signature accepted"
        );
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let jwt = Jwt::new(b"secret");
        let exp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 600;
        let payload = b64(&format!(r#"{{"sub":"alice","exp":{exp}}}"#));
        let none = format!("{}.{payload}.", b64(r#"{"alg":"none","typ":"JWT"}"#));
        assert!(jwt.verify(&none).is_err());
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &Claims {
                sub: "alice".into(),
                exp,
                iat: None,
                jti: None,
            },
            &EncodingKey::from_secret(b"secret"),
        )
        .unwrap();
        assert!(jwt.verify(&hs512).is_err());
    }

    #[test]
    fn expired_and_bad_subject_tokens_are_refused() {
        let jwt = Jwt::new(b"secret");
        let past = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - 30;
        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "alice".into(),
                exp: past,
                iat: None,
                jti: None,
            },
            &EncodingKey::from_secret(b"secret"),
        )
        .unwrap();
        assert!(
            jwt.verify(&expired)
                .unwrap_err()
                .to_string()
                .contains("expired")
        );
        let bad_sub = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "../etc".into(),
                exp: past + 600,
                iat: None,
                jti: None,
            },
            &EncodingKey::from_secret(b"secret"),
        )
        .unwrap();
        assert!(jwt.verify(&bad_sub).is_err());
        assert!(jwt.issue("a b", Duration::from_secs(1)).is_err());
    }
}
