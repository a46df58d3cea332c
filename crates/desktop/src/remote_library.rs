//! The instructor's library on the server (library.md), as this app last saw it:
//! fetched when the window shows, after each completion and every few minutes while the
//! window is visible; kept in `client/library.json`, so that offline the last library
//! seen is shown, marked as such. Renaming and deleting go to the server first.

use crate::engine::Desktop;
use crate::error::DesktopError;
use crate::views::{self, SessionView};
use idance_contract::MAX_RENAME_LEN;
use idance_contract::wire::{Session, UpdateSessionRequest};
use idance_core::ClientError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the sessions shown come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LibrarySource {
    /// Not fetched yet since the app started (what was kept is shown meanwhile).
    #[default]
    Unknown,
    /// The server answered at the last refresh.
    Live,
    /// The server could not be reached: the last library seen, from `fetched_at`.
    Offline,
    /// The server keeps no library (no Part D): only this computer's sessions.
    LocalOnly,
}

/// What the Sessions view says about its list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryStatus {
    pub source: LibrarySource,
    /// When the server's list shown was fetched (RFC 3339).
    pub fetched_at: Option<String>,
}

/// A server's library as fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Seen {
    /// The server it came from: another server's library is never shown.
    pub server: String,
    pub fetched_at: String,
    pub sessions: Vec<Session>,
}

#[derive(Debug, Default)]
pub(crate) struct RemoteLibrary {
    /// None until loaded from the file (at the first use) or fetched.
    seen: Option<Seen>,
    loaded: bool,
    source: LibrarySource,
}

fn file(client_dir: &Path) -> PathBuf {
    client_dir.join("library.json")
}

async fn load(client_dir: &Path) -> Option<Seen> {
    let bytes = tokio::fs::read(file(client_dir)).await.ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Written whole to a temporary file, then renamed over: a crash leaves the old one.
async fn save(client_dir: &Path, seen: &Seen) -> std::io::Result<()> {
    let path = file(client_dir);
    let tmp = path.with_extension("json.tmp");
    tokio::fs::write(&tmp, serde_json::to_vec(seen)?).await?;
    tokio::fs::rename(&tmp, &path).await
}

impl Desktop {
    /// Keeps `seen` for offline use; a failure costs only that.
    async fn keep(&self, seen: &Seen) {
        if let Err(e) = save(&self.client_dir(), seen).await {
            tracing::warn!("the library could not be kept for offline use: {e}");
        }
    }

    /// The library kept for the server in use (loaded from the file the first time).
    async fn library_state(&self) -> tokio::sync::MutexGuard<'_, RemoteLibrary> {
        let mut lib = self.library.lock().await;
        if !lib.loaded {
            lib.loaded = true;
            lib.seen = load(&self.client_dir()).await;
        }
        let server = self.link().api.base().to_string();
        if lib.seen.as_ref().is_some_and(|s| s.server != server) {
            lib.seen = None;
        }
        lib
    }

    /// Fetches the library from the server and tells the window when what it shows
    /// changed. Never an error: offline, the last library seen stays, marked.
    pub async fn refresh_library(&self) -> LibraryStatus {
        let api = self.link().api.clone();
        let fetched = idance_core::library::fetch(&api, None).await;
        {
            let mut lib = self.library_state().await;
            match fetched {
                Ok(sessions) => {
                    let seen = Seen {
                        server: api.base().to_string(),
                        fetched_at: chrono::Utc::now()
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        sessions,
                    };
                    self.keep(&seen).await;
                    lib.seen = Some(seen);
                    lib.source = LibrarySource::Live;
                }
                Err(ClientError::NoLibrary) => {
                    lib.seen = None;
                    lib.source = LibrarySource::LocalOnly;
                }
                Err(e) => {
                    tracing::info!("the library could not be fetched: {e}");
                    lib.source = LibrarySource::Offline;
                }
            }
        }
        self.changed().await;
        self.library_status().await
    }

    pub async fn library_status(&self) -> LibraryStatus {
        let lib = self.library_state().await;
        LibraryStatus {
            source: lib.source,
            fetched_at: lib.seen.as_ref().map(|s| s.fetched_at.clone()),
        }
    }

    /// This computer's sessions merged with the server's library: one card per session.
    pub(crate) async fn merged(&self, local: Vec<SessionView>) -> Vec<SessionView> {
        let lib = self.library_state().await;
        match (&lib.seen, lib.source) {
            (_, LibrarySource::LocalOnly) | (None, _) => local,
            (Some(seen), source) => {
                views::merge_library(local, &seen.sessions, source == LibrarySource::Live)
            }
        }
    }

    /// The card of a session by its local or server id.
    pub(crate) async fn card_of(&self, id: &str) -> Option<SessionView> {
        self.sessions_view()
            .await
            .ok()?
            .into_iter()
            .find(|s| s.local_id == id || s.server_id.as_deref() == Some(id))
    }

    /// The card whose id is `id` (a local id, or a server id for a session only there).
    async fn card(&self, id: &str) -> Result<SessionView, DesktopError> {
        self.card_of(id)
            .await
            .ok_or_else(|| DesktopError::Refused("this session is no longer listed".into()))
    }

    /// Renames a session: on the server when it is there, and here.
    pub async fn rename_session(&self, id: &str, title: &str) -> Result<(), DesktopError> {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > MAX_RENAME_LEN {
            return Err(DesktopError::Refused(format!(
                "a title has 1 to {MAX_RENAME_LEN} characters"
            )));
        }
        let card = self.card(id).await?;
        if let Some(server_id) = &card.server_id
            && self.library_status().await.source != LibrarySource::LocalOnly
        {
            let req = UpdateSessionRequest {
                title: Some(title.to_string()),
                calories_burned: None,
            };
            let s = self.link().api.update_session(server_id, &req).await?;
            self.replace_seen(s).await;
        }
        if card.on_this_computer {
            self.queue
                .set_title(card.local_id.clone(), title.to_string())
                .await?;
        }
        self.changed().await;
        Ok(())
    }

    /// Deletes a session from the server (its video and thumbnail) and forgets it here.
    /// The files on this computer stay where they are.
    pub async fn delete_session(&self, id: &str) -> Result<(), DesktopError> {
        let card = self.card(id).await?;
        if let Some(server_id) = &card.server_id {
            let api = self.link().api.clone();
            match api.delete_session(server_id).await {
                Ok(()) => {}
                // A server without Part D cannot delete it; this computer still forgets it.
                Err(ClientError::NoLibrary) => {}
                Err(e) => return Err(e.into()),
            }
            let mut lib = self.library_state().await;
            if let Some(seen) = lib.seen.as_mut() {
                seen.sessions.retain(|s| &s.session_id != server_id);
                self.keep(seen).await;
            }
        }
        if card.on_this_computer {
            let api = self.link().api.clone();
            idance_core::lifecycle::forget_session(&self.queue, Some(&api), &card.local_id).await?;
        }
        self.changed().await;
        Ok(())
    }

    /// A session as the server now has it, in place of the one seen.
    async fn replace_seen(&self, s: Session) {
        let mut lib = self.library_state().await;
        if let Some(seen) = lib.seen.as_mut() {
            match seen
                .sessions
                .iter_mut()
                .find(|x| x.session_id == s.session_id)
            {
                Some(x) => *x = s,
                None => seen.sessions.insert(0, s),
            }
            self.keep(seen).await;
        }
    }
}
