//! The data folder the desktop app and the CLI share, and its layout: the one place
//! that names its parts. Every binary asks this type; none joins the names itself.
//!
//! ```text
//! DATA/settings.json        the app's plain choices (tauri-plugin-store; `app_settings`)
//! DATA/server/              the built-in upload service (database, secret, store)
//! DATA/client/              this computer's side:
//!        queue.db           the durable upload queue
//!        thumbnails/        thumbnails made before upload
//!        recordings/        recordings, kept until their upload is done
//!        direct/server/     the in-process service of direct mode (own bucket)
//! ```

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(PathBuf);

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir(root.into())
    }

    pub fn root(&self) -> &Path {
        &self.0
    }

    /// The app's settings store (read and written by `app_settings`).
    pub fn settings_file(&self) -> PathBuf {
        self.0.join(crate::app_settings::STORE_FILE)
    }

    /// The built-in upload service's folder.
    pub fn server(&self) -> PathBuf {
        self.0.join("server")
    }

    /// This computer's side: the queue, thumbnails, recordings, sign-in, secrets file.
    pub fn client(&self) -> PathBuf {
        self.0.join("client")
    }

    pub fn queue_db(&self) -> PathBuf {
        self.client().join("queue.db")
    }

    pub fn thumbnails(&self) -> PathBuf {
        self.client().join("thumbnails")
    }

    pub fn recordings(&self) -> PathBuf {
        self.client().join("recordings")
    }

    /// Where direct mode's in-process service keeps its records.
    pub fn direct_server(&self) -> PathBuf {
        self.client().join("direct").join("server")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_the_one_the_readme_documents() {
        let d = DataDir::new("/data");
        let rel = |p: PathBuf| {
            p.strip_prefix("/data")
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        };
        assert_eq!(rel(d.queue_db()), "client/queue.db");
        assert_eq!(rel(d.thumbnails()), "client/thumbnails");
        assert_eq!(rel(d.recordings()), "client/recordings");
        assert_eq!(rel(d.server()), "server");
        assert_eq!(rel(d.direct_server()), "client/direct/server");
        assert_eq!(rel(d.settings_file()), "settings.json");
    }
}
