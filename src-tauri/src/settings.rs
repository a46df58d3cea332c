//! Settings: the plain choices in tauri-plugin-store (`settings.json`), the token and
//! bucket secret in the OS keychain (`idance_desktop::secrets`). Secrets never go to
//! the store, to the UI or to logs: the UI only learns whether one is set.

use idance_desktop::config::{BUCKET_SECRET, TOKEN};
use idance_desktop::secrets::{Secrets, Where};
use idance_desktop::{Mode, Settings, SettingsError, Stored};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

const STORE: &str = "settings.json";
const KEY: &str = "backend";

pub fn load<R: Runtime>(app: &AppHandle<R>) -> Stored {
    app.store(STORE)
        .ok()
        .and_then(|s| s.get(KEY))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The settings to start with: the stored ones, or the built-in service when they are
/// incomplete (the Settings view then says what is missing).
pub fn resolve(stored: &Stored, secrets: &Secrets) -> (Settings, Option<String>) {
    match Settings::resolve(stored, |k| secrets.get(k), |k| std::env::var(k).ok()) {
        Ok(s) => (s, None),
        Err(e) => (
            Settings::resolve(&Stored::default(), |_| None, |k| std::env::var(k).ok())
                .unwrap_or_default(),
            Some(e.to_string()),
        ),
    }
}

/// What the Settings view shows.
#[derive(Serialize)]
pub struct View {
    mode: Mode,
    /// The mode in use right now (the environment can override the stored one).
    active: Mode,
    server_url: Option<String>,
    has_token: bool,
    bucket: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    access_key_id: Option<String>,
    has_secret_key: bool,
    limit: Option<u64>,
}

pub fn view(stored: &Stored, secrets: &Secrets, active: Mode) -> View {
    View {
        mode: stored.mode,
        active,
        server_url: stored.server_url.clone(),
        has_token: secrets.get(TOKEN).is_some(),
        bucket: stored.bucket.clone(),
        region: stored.region.clone(),
        endpoint: stored.endpoint.clone(),
        access_key_id: stored.access_key_id.clone(),
        has_secret_key: secrets.get(BUCKET_SECRET).is_some(),
        limit: stored.limit,
    }
}

/// What the Settings form sends; an empty secret keeps the one already saved.
#[derive(Deserialize)]
pub struct Input {
    mode: Mode,
    server_url: Option<String>,
    token: Option<String>,
    bucket: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    limit: Option<u64>,
}

/// Checks the input against the secrets it would have, saves secrets first (keychain),
/// then the plain choices (store). Returns the settings to apply.
pub fn save<R: Runtime>(
    app: &AppHandle<R>,
    secrets: &Secrets,
    input: Input,
) -> Result<(Settings, Option<Where>), String> {
    let trim = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let stored = Stored {
        mode: input.mode,
        server_url: trim(input.server_url),
        bucket: trim(input.bucket),
        region: trim(input.region),
        endpoint: trim(input.endpoint),
        access_key_id: trim(input.access_key_id),
        limit: input.limit.filter(|l| *l > 0),
    };
    let token = trim(input.token);
    let secret_key = trim(input.secret_access_key);
    let pending = |k: &str| match k {
        TOKEN => token.clone().or_else(|| secrets.get(TOKEN)),
        BUCKET_SECRET => secret_key.clone().or_else(|| secrets.get(BUCKET_SECRET)),
        _ => None,
    };
    // The stored choice is checked without the environment's override.
    let settings =
        Settings::resolve(&stored, pending, |_| None).map_err(|e: SettingsError| e.to_string())?;
    let mut place = None;
    if let Some(t) = &token {
        place = Some(secrets.set(TOKEN, Some(t))?);
    }
    if let Some(k) = &secret_key {
        place = Some(secrets.set(BUCKET_SECRET, Some(k))?);
    }
    let store = app.store(STORE).map_err(|e| e.to_string())?;
    store.set(
        KEY,
        serde_json::to_value(&stored).map_err(|e| e.to_string())?,
    );
    store.save().map_err(|e| e.to_string())?;
    Ok((settings, place))
}
