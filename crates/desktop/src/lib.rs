//! The desktop app's engine. `src-tauri` only forwards commands here and events from
//! here, so everything the app does is testable without a window.
//!
//! Data flows one way: files (dropped, picked or recorded) → [`Desktop::add_files`] →
//! the durable queue → the background sync loop → storage → session completion, with
//! [`Event`]s flowing back to the UI.

pub mod config;
pub mod engine;
pub mod files;
#[cfg(test)]
mod fixtures;
mod library;
mod link;
pub mod media;
pub mod progress;
pub mod recorder;
mod recording;
pub use recording::RecordingRoom;
pub mod settings;
pub mod trim;
mod uploads;
/// Tokens and keys: the keychain or a user-only file (shared with the CLI).
pub use idance_core::secrets;
pub mod views;

pub use config::{Backend, Mode, Settings, SettingsError, Stored};
pub use engine::{Desktop, DesktopError, Event};
pub use files::FileRef;
pub use views::{JobView, SessionView};
