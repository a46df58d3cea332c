//! Which backend the app talks to. What the user chose is kept in two places: the plain
//! choices in the app's settings store ([`Stored`]) and the token and bucket secret in
//! the keychain ([`crate::secrets`]).

use idance_media::compress::Mode as Compress;

/// The user the embedded service signs in, with no account anywhere.
pub const LOCAL_USER: &str = "local-instructor";
pub use idance_core::secrets::{BUCKET_SECRET, TOKEN};

/// The plain choices as kept on disk: one definition, shared with the CLI.
pub use idance_core::app_settings::{Mode, Stored};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Backend {
    #[default]
    Embedded,
    Remote {
        url: String,
        /// A pasted token; without one, the sign-in saved for `url` (uploads wait for
        /// one when there is none).
        token: Option<String>,
    },
    Direct {
        bucket: String,
        region: String,
        endpoint: Option<String>,
        access_key_id: String,
        secret_access_key: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub backend: Backend,
    /// Upload bandwidth limit, bytes per second.
    pub limit: Option<u64>,
    /// Compression before upload of dropped and picked videos.
    pub compress: Compress,
    /// Recordings wait, paused, at Stop instead of uploading while they record.
    pub review_recordings: bool,
    /// A recording's video is kept to what the uplink carries ("Online fast").
    pub online_fast: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("the address must be a web address starting with http:// or https:// (got {0:?})")]
    Url(String),
    #[error("direct upload needs {0}")]
    Missing(&'static str),
}

/// An http(s) URL the upload service accepts too (the same check as its own).
pub(crate) fn check_url(url: &str) -> Result<(), SettingsError> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(SettingsError::Url(url.to_string())),
    }
}

impl Settings {
    /// `IDANCE_SERVER` + `IDANCE_TOKEN` in the environment select a remote backend
    /// (scripts and tests), `IDANCE_LIMIT` a bandwidth limit; otherwise the stored
    /// choice with its secrets.
    pub fn resolve(
        stored: &Stored,
        secret: impl Fn(&str) -> Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let limit = env("IDANCE_LIMIT")
            .and_then(|l| l.trim().parse().ok())
            .or(stored.limit);
        let compress = env("IDANCE_COMPRESS")
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(stored.compress);
        if let (Some(url), Some(token)) = (env("IDANCE_SERVER"), env("IDANCE_TOKEN"))
            && !url.is_empty()
            && !token.is_empty()
        {
            return Ok(Settings {
                backend: Backend::Remote {
                    url,
                    token: Some(token),
                },
                limit,
                compress,
                review_recordings: stored.review_recordings,
                online_fast: stored.online_fast,
            });
        }
        let need = |v: &Option<String>, what| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or(SettingsError::Missing(what))
        };
        let backend = match stored.mode {
            Mode::Embedded => Backend::Embedded,
            Mode::Remote => {
                let url = stored.server_url.clone().unwrap_or_default();
                check_url(&url)?;
                let token = secret(TOKEN).filter(|t| !t.trim().is_empty());
                Backend::Remote { url, token }
            }
            Mode::Direct => Backend::Direct {
                bucket: need(&stored.bucket, "a bucket name")?,
                region: stored
                    .region
                    .clone()
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "us-east-1".into()),
                endpoint: match stored.endpoint.clone().filter(|e| !e.is_empty()) {
                    Some(e) => Some(check_url(&e).map(|()| e)?),
                    None => None,
                },
                access_key_id: need(&stored.access_key_id, "an access key id")?,
                secret_access_key: secret(BUCKET_SECRET)
                    .ok_or(SettingsError::Missing("the secret access key"))?,
            },
        };
        Ok(Settings {
            backend,
            limit,
            compress,
            review_recordings: stored.review_recordings,
            online_fast: stored.online_fast,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_bucket_endpoint_without_a_scheme_is_refused_before_it_is_saved() {
        let stored = Stored {
            mode: Mode::Direct,
            bucket: Some("b".into()),
            access_key_id: Some("k".into()),
            endpoint: Some("garage.local:3900".into()),
            ..Stored::default()
        };
        let secret = |k: &str| (k == BUCKET_SECRET).then(|| "s".to_string());
        assert_eq!(
            Settings::resolve(&stored, secret, none).err(),
            Some(SettingsError::Url("garage.local:3900".into()))
        );
        let ok = Stored {
            endpoint: Some("http://garage.local:3900".into()),
            ..stored
        };
        assert!(Settings::resolve(&ok, secret, none).is_ok());
    }

    #[test]
    fn environment_wins_then_store_then_embedded() {
        let stored = Stored::default();
        assert_eq!(
            Settings::resolve(&stored, none, none).unwrap().backend,
            Backend::Embedded
        );
        let remote = Stored {
            mode: Mode::Remote,
            server_url: Some("https://api.example".into()),
            ..Stored::default()
        };
        let secret = |k: &str| (k == TOKEN).then(|| "t".to_string());
        assert_eq!(
            Settings::resolve(&remote, secret, none).unwrap().backend,
            Backend::Remote {
                url: "https://api.example".into(),
                token: Some("t".into())
            }
        );
        // No pasted token: the saved sign-in.
        assert_eq!(
            Settings::resolve(&remote, none, none).unwrap().backend,
            Backend::Remote {
                url: "https://api.example".into(),
                token: None
            }
        );
        let env = |k: &str| match k {
            "IDANCE_SERVER" => Some("http://127.0.0.1:9".to_string()),
            "IDANCE_TOKEN" => Some("x".to_string()),
            "IDANCE_LIMIT" => Some("1000".to_string()),
            _ => None,
        };
        let s = Settings::resolve(&remote, secret, env).unwrap();
        assert_eq!(
            s.backend,
            Backend::Remote {
                url: "http://127.0.0.1:9".into(),
                token: Some("x".into())
            }
        );
        assert_eq!(s.limit, Some(1000));
    }

    #[test]
    fn incomplete_choices_are_refused_with_what_is_missing() {
        let remote = Stored {
            mode: Mode::Remote,
            server_url: Some("api.example".into()),
            ..Stored::default()
        };
        assert_eq!(
            Settings::resolve(&remote, none, none).unwrap_err(),
            SettingsError::Url("api.example".into())
        );
        let direct = Stored {
            mode: Mode::Direct,
            bucket: Some("classes".into()),
            access_key_id: Some("AKIA".into()),
            ..Stored::default()
        };
        assert_eq!(
            Settings::resolve(&direct, none, none).unwrap_err(),
            SettingsError::Missing("the secret access key")
        );
        let secret = |k: &str| (k == BUCKET_SECRET).then(|| "s".to_string());
        let Backend::Direct { region, .. } =
            Settings::resolve(&direct, secret, none).unwrap().backend
        else {
            panic!("not direct");
        };
        assert_eq!(region, "us-east-1");
    }
}
