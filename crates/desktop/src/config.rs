//! Which backend the app talks to.

use serde::{Deserialize, Serialize};

/// The user the embedded service signs in, with no account anywhere.
pub const LOCAL_USER: &str = "local-instructor";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Backend {
    /// The upload service runs inside the app on 127.0.0.1 with the local store.
    #[default]
    Embedded,
    /// A real iDance backend: its URL and a pasted sign-in token.
    Remote { url: String, token: String },
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub backend: Backend,
    /// Upload bandwidth limit, bytes per second (`IDANCE_LIMIT`).
    pub limit: Option<u64>,
}

impl Settings {
    /// `IDANCE_SERVER` + `IDANCE_TOKEN` select a remote backend (scripts and tests);
    /// otherwise `stored` (the app's settings store), otherwise the embedded default.
    pub fn resolve(stored: Option<Backend>, env: impl Fn(&str) -> Option<String>) -> Settings {
        let backend = match (env("IDANCE_SERVER"), env("IDANCE_TOKEN")) {
            (Some(url), Some(token)) if !url.is_empty() && !token.is_empty() => {
                Backend::Remote { url, token }
            }
            _ => stored.unwrap_or_default(),
        };
        let limit = env("IDANCE_LIMIT").and_then(|l| l.trim().parse().ok());
        Settings { backend, limit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_then_store_then_embedded() {
        let none = |_: &str| None;
        assert_eq!(Settings::resolve(None, none).backend, Backend::Embedded);
        let stored = Backend::Remote {
            url: "https://api.example".into(),
            token: "t".into(),
        };
        assert_eq!(
            Settings::resolve(Some(stored.clone()), none).backend,
            stored
        );
        let env = |k: &str| match k {
            "IDANCE_SERVER" => Some("http://127.0.0.1:9".to_string()),
            "IDANCE_TOKEN" => Some("x".to_string()),
            _ => None,
        };
        assert_eq!(
            Settings::resolve(Some(stored), env).backend,
            Backend::Remote {
                url: "http://127.0.0.1:9".into(),
                token: "x".into()
            }
        );
    }
}
