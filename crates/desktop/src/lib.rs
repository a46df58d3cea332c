//! The desktop app's engine. `src-tauri` only forwards commands here and events from
//! here, so everything the app does is testable without a window.
//!
//! Data flows one way: files (dropped, picked or recorded) → [`Desktop::add_files`] →
//! the durable queue → the background sync loop → storage → session completion, with
//! [`Event`]s flowing back to the UI.

pub mod autostart;
pub mod config;
pub mod engine;
pub mod error;
pub mod events;
pub mod files;
#[cfg(test)]
mod fixtures;
pub mod l10n;
pub mod launch;
mod library;
mod link;
pub mod media;
pub mod progress;
pub mod recorder;
mod remote_library;
pub use recorder::RecordingRoom;
pub use remote_library::{LibrarySource, LibraryStatus};
pub mod settings;
pub mod trim;
pub mod update;
mod uploads;
/// Tokens and keys: the keychain or a user-only file (shared with the CLI).
pub use idance_core::secrets;
pub mod views;

pub use config::{Backend, Mode, Settings, SettingsError, Stored};
pub use engine::Desktop;
pub use error::DesktopError;
pub use events::Event;
pub use files::{Added, FileRef};
pub use views::{JobView, SessionView};
