//! Where uploads go, as the user chose it: the plain choices in a store (the app's
//! `settings.json` through tauri-plugin-store, behind [`ChoiceStore`]), the sign-in,
//! a pasted token and the bucket secret in the OS keychain (`secrets`). Connect first,
//! then save: a choice that cannot connect is refused and changes nothing, so no saved
//! choice can stop the app from starting. Secrets never go to the store, the UI or the
//! logs: the UI learns only whether one is set, and who is signed in.

use crate::autostart::Entry;
use crate::config::{BUCKET_SECRET, Backend, Mode, Settings, SettingsError, Stored, TOKEN};
use crate::engine::Desktop;
use crate::error::DesktopError;
use crate::secrets::Secrets;
use idance_contract::wire::AccountUser;
use idance_core::SignIn;
use serde::{Deserialize, Serialize};

/// Keeps the plain choices (never secrets).
pub trait ChoiceStore: Send + Sync {
    fn load(&self) -> Stored;
    fn save(&self, stored: &Stored) -> Result<(), String>;
}

/// The settings to start with: the stored ones, or the built-in service when they are
/// incomplete (with the reason, which the Settings view shows).
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
#[derive(Debug, Serialize)]
pub struct View {
    pub mode: Mode,
    /// The mode in use right now (the environment can override the stored one, and a
    /// choice that could not connect at start leaves the built-in service in use).
    pub active: Mode,
    pub server_url: Option<String>,
    pub has_token: bool,
    /// Who is signed in to the stored server (none when a pasted token is in use).
    pub account: Option<AccountUser>,
    /// The email last signed in with.
    pub email: Option<String>,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub has_secret_key: bool,
    pub limit: Option<u64>,
    pub compress: idance_media::compress::Mode,
    pub review_recordings: bool,
    pub online_fast: bool,
    /// Whether the app starts at login (the OS's entry is there).
    pub start_at_login: bool,
    /// A 3-second countdown before recording.
    pub countdown: bool,
    /// The global shortcut for Record/Stop.
    pub record_shortcut: String,
    /// Why the stored choice is not in use, in words.
    pub problem: Option<String>,
    /// The language chosen for the window; None: the system's.
    pub language: Option<String>,
}

/// The Settings view (reads the keychain: off the async runtime's workers).
pub async fn view(store: &dyn ChoiceStore, secrets: &Secrets, desktop: &Desktop) -> View {
    let stored = store.load();
    let s = secrets.clone();
    let client_dir = desktop.client_dir();
    let (has_token, has_secret_key, saved, start_at_login) =
        tokio::task::spawn_blocking(move || {
            (
                s.get(TOKEN).is_some(),
                s.get(BUCKET_SECRET).is_some(),
                SignIn::saved_in(&client_dir),
                Entry::current().is_ok_and(|e| e.is_enabled()),
            )
        })
        .await
        .unwrap_or((false, false, None, false));
    let account = saved
        .filter(|s| Some(s.server.as_str()) == stored.server_url.as_deref().map(base))
        .filter(|_| !has_token)
        .map(|s| s.user);
    let (countdown, record_shortcut) = (stored.counts_down(), stored.record_shortcut().to_string());
    View {
        language: stored.language.clone(),
        mode: stored.mode,
        active: desktop.mode(),
        server_url: stored.server_url,
        has_token,
        account,
        email: stored.email,
        bucket: stored.bucket,
        region: stored.region,
        endpoint: stored.endpoint,
        access_key_id: stored.access_key_id,
        has_secret_key,
        limit: stored.limit,
        compress: stored.compress,
        review_recordings: stored.review_recordings,
        online_fast: stored.online_fast,
        start_at_login,
        countdown,
        record_shortcut,
        problem: desktop.startup_problem(),
    }
}

/// What the Settings form sends; an empty secret keeps the one already saved.
#[derive(Debug, Default, Deserialize)]
pub struct Input {
    pub mode: Mode,
    pub server_url: Option<String>,
    pub token: Option<String>,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub limit: Option<u64>,
    #[serde(default)]
    pub compress: idance_media::compress::Mode,
    #[serde(default)]
    pub review_recordings: bool,
    #[serde(default)]
    pub online_fast: bool,
    #[serde(default = "on")]
    pub countdown: bool,
    /// Empty: the default shortcut.
    pub record_shortcut: Option<String>,
}

fn on() -> bool {
    true
}

/// Checks the input, connects the new choice (the app switches to it only if that
/// works), and only then saves: secrets to the keychain, the rest to the store.
pub async fn save_and_apply(
    desktop: &Desktop,
    store: &dyn ChoiceStore,
    secrets: &Secrets,
    input: Input,
) -> Result<View, DesktopError> {
    let trim = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let kept = store.load();
    let stored = Stored {
        mode: input.mode,
        server_url: trim(input.server_url),
        bucket: trim(input.bucket),
        region: trim(input.region),
        endpoint: trim(input.endpoint),
        access_key_id: trim(input.access_key_id),
        limit: input.limit.filter(|l| *l > 0),
        email: kept.email,
        compress: input.compress,
        review_recordings: input.review_recordings,
        online_fast: input.online_fast,
        start_at_login: kept.start_at_login,
        countdown: Some(input.countdown),
        record_shortcut: trim(input.record_shortcut),
        // Chosen apart (applied at once), never by Save.
        language: kept.language,
    };
    let token = trim(input.token);
    let secret_key = trim(input.secret_access_key);
    let s = secrets.clone();
    let (old_token, old_key) =
        tokio::task::spawn_blocking(move || (s.get(TOKEN), s.get(BUCKET_SECRET)))
            .await
            .unwrap_or((None, None));
    let pending = |k: &str| match k {
        TOKEN => token.clone().or_else(|| old_token.clone()),
        BUCKET_SECRET => secret_key.clone().or_else(|| old_key.clone()),
        _ => None,
    };
    // The stored choice is checked without the environment's override.
    let settings = Settings::resolve(&stored, pending, |_| None)
        .map_err(|e: SettingsError| DesktopError::Refused(e.to_string()))?;
    desktop.apply(settings).await?;
    if token.is_some() {
        // A pasted token replaces the sign-in: end it rather than leave it alive.
        sign_out_saved(desktop).await?;
    }
    let s = secrets.clone();
    tokio::task::spawn_blocking(move || {
        if let Some(t) = &token {
            s.set(TOKEN, Some(t))?;
        }
        if let Some(k) = &secret_key {
            s.set(BUCKET_SECRET, Some(k))?;
        }
        Ok::<_, String>(())
    })
    .await
    .map_err(|e| DesktopError::Refused(e.to_string()))?
    .map_err(DesktopError::Refused)?;
    store.save(&stored).map_err(DesktopError::Refused)?;
    desktop.clear_startup_problem();
    Ok(view(store, secrets, desktop).await)
}

/// Turns start at login on or off: the OS's entry first, then the choice is kept (so
/// a start does not undo it). An entry that cannot be written changes nothing.
pub async fn set_start_at_login(
    desktop: &Desktop,
    store: &dyn ChoiceStore,
    secrets: &Secrets,
    on: bool,
) -> Result<View, DesktopError> {
    tokio::task::spawn_blocking(move || Entry::current()?.apply(on))
        .await
        .map_err(|e| DesktopError::Refused(e.to_string()))??;
    let stored = Stored {
        start_at_login: Some(on),
        ..store.load()
    };
    store.save(&stored).map_err(DesktopError::Refused)?;
    Ok(view(store, secrets, desktop).await)
}

/// Chooses the window's language (None: the system's); applied by the window at once.
/// A language the app does not ship is refused, not stored.
pub fn set_language(store: &dyn ChoiceStore, language: Option<String>) -> Result<(), DesktopError> {
    if let Some(l) = &language
        && crate::l10n::language(Some(l), None) != l
    {
        return Err(DesktopError::Refused(format!(
            "the app has no language {l:?}"
        )));
    }
    let stored = Stored {
        language,
        ..store.load()
    };
    store.save(&stored).map_err(DesktopError::Refused)
}

/// Makes the OS's start-at-login entry match the stored choice (on unless turned off),
/// at every start: an app that moved or was updated is started from where it is now.
pub fn apply_start_at_login(stored: &Stored) -> Result<(), DesktopError> {
    Ok(Entry::current()?.apply(stored.starts_at_login())?)
}

/// The Sign in form: the server and the account. The password goes to the server
/// and nowhere else.
#[derive(Default, Deserialize)]
pub struct SignInInput {
    pub server_url: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for SignInInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInInput")
            .field("server_url", &self.server_url)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A server URL as the sign-in keeps it.
fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Signs in to the server and switches uploads to it: the sign-in is saved (the
/// keychain), a pasted token for it is forgotten, and the choice is stored. A refused
/// sign-in changes nothing.
pub async fn sign_in(
    desktop: &Desktop,
    store: &dyn ChoiceStore,
    secrets: &Secrets,
    input: SignInInput,
) -> Result<View, DesktopError> {
    let url = input.server_url.trim().to_string();
    let email = input.email.trim().to_string();
    crate::config::check_url(&url).map_err(|e| DesktopError::Refused(e.to_string()))?;
    if email.is_empty() || input.password.is_empty() {
        return Err(DesktopError::Refused(
            "type the email and the password of your iDance account".into(),
        ));
    }
    let device = tokio::task::spawn_blocking(|| whoami::devicename().ok())
        .await
        .ok()
        .flatten()
        .filter(|d| !d.trim().is_empty())
        .map_or_else(
            || "iDance Capture".to_string(),
            |d| format!("iDance Capture on {d}"),
        );
    let sign_in = SignIn::new(&url, &desktop.client_dir())?;
    let user = sign_in
        .login(&email, &input.password, Some(&device))
        .await?;
    let s = secrets.clone();
    tokio::task::spawn_blocking(move || s.set(TOKEN, None))
        .await
        .map_err(|e| DesktopError::Refused(e.to_string()))?
        .map_err(DesktopError::Refused)?;
    let stored = Stored {
        mode: Mode::Remote,
        server_url: Some(url.clone()),
        // As the server spells it (the form's case may differ).
        email: Some(user.email),
        ..store.load()
    };
    desktop
        .apply(Settings {
            backend: Backend::Remote { url, token: None },
            limit: stored.limit,
            compress: stored.compress,
            review_recordings: stored.review_recordings,
            online_fast: stored.online_fast,
        })
        .await?;
    store.save(&stored).map_err(DesktopError::Refused)?;
    desktop.clear_startup_problem();
    desktop.signed_in().await?;
    Ok(view(store, secrets, desktop).await)
}

/// Signs out: the server revokes the sign-in and this computer forgets it (even when
/// the server cannot be reached; then the sign-in ends there when it expires). Uploads
/// to that server wait for the next sign-in; queued jobs keep their place.
pub async fn sign_out(
    desktop: &Desktop,
    store: &dyn ChoiceStore,
    secrets: &Secrets,
) -> Result<View, DesktopError> {
    sign_out_saved(desktop).await?;
    Ok(view(store, secrets, desktop).await)
}

/// Ends the saved sign-in, through the link's token source when it is that one (so its
/// uploads learn at once).
async fn sign_out_saved(desktop: &Desktop) -> Result<(), DesktopError> {
    let dir = desktop.client_dir();
    let saved = tokio::task::spawn_blocking(move || SignIn::saved_in(&dir))
        .await
        .ok()
        .flatten();
    let Some(saved) = saved else { return Ok(()) };
    let link = desktop.link();
    let result = match link.api.sign_in() {
        Some(s) if s.server() == saved.server => s.logout().await,
        _ => match SignIn::new(&saved.server, &desktop.client_dir()) {
            Ok(s) => s.logout().await,
            Err(e) => Err(e),
        },
    };
    if !result? {
        tracing::warn!(
            "signed out here; {} could not be told, so the sign-in ends there when it expires",
            saved.server
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn block_direct_folder(data: &std::path::Path) {
        let dir = idance_core::DataDir::new(data).direct_server();
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        std::fs::write(&dir, b"in the way").unwrap();
    }

    #[derive(Default)]
    struct Memory(Mutex<Option<Stored>>);

    impl ChoiceStore for Memory {
        fn load(&self) -> Stored {
            self.0.lock().unwrap().clone().unwrap_or_default()
        }
        fn save(&self, stored: &Stored) -> Result<(), String> {
            *self.0.lock().unwrap() = Some(stored.clone());
            Ok(())
        }
    }

    /// Bug: the choice was saved before it was connected, so a choice the service
    /// refuses (here an endpoint its URL check refuses) stopped the next launch.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_choice_that_cannot_connect_is_not_saved_and_the_app_still_starts() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: set before anything reads it; this test's process has no other
        // thread reading the environment at this point.
        unsafe { std::env::set_var("IDANCE_NO_KEYCHAIN", "1") };
        let secrets = Secrets::new(dir.path().join("client"));
        let d = Desktop::start(dir.path().to_path_buf(), Settings::default())
            .await
            .unwrap();
        let store = Memory::default();
        // A choice that passes every check but cannot start: its service's folder
        // cannot be made (a file is in the way).
        block_direct_folder(dir.path());
        let bad = Input {
            mode: Mode::Direct,
            bucket: Some("b".into()),
            access_key_id: Some("k".into()),
            secret_access_key: Some("s".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            ..Input::default()
        };
        let e = save_and_apply(&d, &store, &secrets, bad).await.unwrap_err();
        assert!(matches!(e, DesktopError::Server(_)), "{e}");
        assert!(
            store.0.lock().unwrap().is_none(),
            "a failed choice was saved"
        );
        assert!(secrets.get(BUCKET_SECRET).is_none(), "its secret was saved");
        assert_eq!(d.mode(), Mode::Embedded);
        d.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_saved_choice_that_cannot_connect_starts_the_built_in_service_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let broken = Settings {
            backend: crate::config::Backend::Direct {
                bucket: "b".into(),
                region: "r".into(),
                endpoint: Some("http://127.0.0.1:9".into()),
                access_key_id: "k".into(),
                secret_access_key: "s".into(),
            },
            ..Settings::default()
        };
        block_direct_folder(dir.path());
        let d = Desktop::start_or_built_in(dir.path().to_path_buf(), broken)
            .await
            .unwrap();
        assert_eq!(d.mode(), Mode::Embedded);
        let why = d.startup_problem().unwrap();
        assert!(why.contains("built-in service"), "{why}");
        d.shutdown().await;
    }
}
