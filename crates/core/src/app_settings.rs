//! The desktop app's plain choices as they are kept on disk: the one definition of the
//! settings file that the app writes (through tauri-plugin-store) and the CLI reads
//! (`idance` uses the server the app was set to). No secrets in here: those are in
//! [`crate::secrets`].

use crate::data_dir::DataDir;
use idance_media::compress::Mode as Compress;
use serde::{Deserialize, Serialize};

/// The store's file name inside the data folder.
pub const STORE_FILE: &str = "settings.json";
/// The store's key holding [`Stored`].
pub const KEY: &str = "backend";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The upload service runs inside the app on 127.0.0.1 with the local store.
    #[default]
    Embedded,
    /// A real iDance backend: its URL, and a sign-in with email and password (or a
    /// pasted token).
    Remote,
    /// The instructor's own bucket, no backend: URLs presigned on this machine.
    Direct,
}

/// The settings store's content: no secrets in here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Stored {
    #[serde(default)]
    pub mode: Mode,
    pub server_url: Option<String>,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    /// Upload bandwidth limit, bytes per second.
    pub limit: Option<u64>,
    /// The email last signed in with, to fill the form after a sign-out.
    #[serde(default)]
    pub email: Option<String>,
    /// Compression before upload: off, auto, always.
    #[serde(default)]
    pub compress: Compress,
    /// Review recordings before upload: held, paused, at Stop (to be trimmed).
    #[serde(default)]
    pub review_recordings: bool,
    /// "Online fast": a recording's video is kept to what the uplink carries while it
    /// uploads, so it is online seconds after Stop. Off: quality first.
    #[serde(default)]
    pub online_fast: bool,
    /// Start the app at login (hidden, in the tray). None: never chosen, which means on.
    #[serde(default)]
    pub start_at_login: Option<bool>,
    /// A 3-second countdown before a recording starts. None: never chosen, which means on.
    #[serde(default)]
    pub countdown: Option<bool>,
    /// The global shortcut for Record/Stop (an accelerator, e.g. `CmdOrCtrl+Shift+R`).
    /// None: the default.
    #[serde(default)]
    pub record_shortcut: Option<String>,
    /// The window's language (`es`, `pt-BR`…). None: the system's.
    #[serde(default)]
    pub language: Option<String>,
}

/// Record/Stop from anywhere: Ctrl+Shift+R (Cmd+Shift+R on macOS).
pub const DEFAULT_RECORD_SHORTCUT: &str = "CmdOrCtrl+Shift+R";

impl Stored {
    /// The iDance server the app is set to, when it is set to one.
    pub fn remote_server(&self) -> Option<&str> {
        (self.mode == Mode::Remote)
            .then_some(self.server_url.as_deref())
            .flatten()
    }

    /// Whether the app starts at login: on unless the user turned it off.
    pub fn starts_at_login(&self) -> bool {
        self.start_at_login.unwrap_or(true)
    }

    /// Whether Record counts down 3 seconds first: on unless turned off.
    pub fn counts_down(&self) -> bool {
        self.countdown.unwrap_or(true)
    }

    /// The global shortcut for Record/Stop.
    pub fn record_shortcut(&self) -> &str {
        self.record_shortcut
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(DEFAULT_RECORD_SHORTCUT)
    }

    /// The stored choices inside the store's JSON object (`{"backend": {...}}`); an
    /// unreadable or absent entry reads as the defaults.
    pub fn from_store(store: &serde_json::Value) -> Stored {
        store
            .get(KEY)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// Reads the app's settings file (the CLI's view of it; blocking I/O).
    pub fn read(data: &DataDir) -> Stored {
        std::fs::read(data.settings_file())
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .map(|v| Stored::from_store(&v))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A settings file as the app's store wrote it: renaming a field, the key or the
    /// file on one side only breaks this.
    #[test]
    fn the_cli_reads_the_file_the_app_writes() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        std::fs::write(
            dir.path().join("settings.json"),
            include_str!("../tests/fixtures/app-settings.json"),
        )
        .unwrap();
        let s = Stored::read(&data);
        assert_eq!(s.remote_server(), Some("https://api.studio.example"));
        assert_eq!(s.email.as_deref(), Some("ana@studio.example"));
        assert_eq!(s.limit, Some(2_500_000));
        assert_eq!(s.compress, Compress::Auto);
        assert!(s.review_recordings);
        assert!(!s.starts_at_login());
        assert!(!s.counts_down());
        assert_eq!(s.record_shortcut(), "Alt+F9");
        // And what the app writes is read back the same.
        let written = serde_json::json!({ KEY: s.clone() });
        assert_eq!(Stored::from_store(&written), s);
    }

    #[test]
    fn no_file_or_a_broken_one_reads_as_the_defaults_and_start_at_login_is_on() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        assert_eq!(Stored::read(&data), Stored::default());
        std::fs::write(data.settings_file(), b"{ not json").unwrap();
        assert_eq!(Stored::read(&data), Stored::default());
        assert!(Stored::default().starts_at_login());
        assert!(Stored::default().counts_down());
        assert_eq!(Stored::default().record_shortcut(), "CmdOrCtrl+Shift+R");
        assert_eq!(Stored::default().remote_server(), None);
    }
}
