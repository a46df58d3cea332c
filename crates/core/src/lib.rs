//! The client side of iDance Capture: an API client for the upload contract, a durable
//! upload queue in SQLite, and an uploader that resumes multipart uploads from what
//! storage already has. The CLI and the desktop app are thin layers over this crate.

/// The desktop app's identifier (tauri.conf.json), also the name of the data folder the
/// app and the CLI share.
pub const APP_ID: &str = "app.idance.capture";

/// Direct mode (own bucket, no iDance backend) as the app and `idance --direct` share it:
/// the user its keys are made for (its records are at [`DataDir::direct_server`]).
pub mod direct {
    pub const USER: &str = "direct";
}

pub mod api;
pub mod app_settings;
pub mod compress;
pub mod data_dir;
pub mod intake;
pub mod library;
pub mod lifecycle;
pub mod network;
pub mod pace;
pub mod queue;
pub mod secrets;
pub mod sync;
pub mod take;
pub mod trim;
pub mod upload;

pub use api::{ApiClient, ClientError, Refusal, ServerMode, SignIn};
pub use data_dir::DataDir;
pub use intake::{
    Intake, IntakeError, SessionChoice, add_video, finish_recording_job, start_recording_job,
};
pub use lifecycle::{Outcome, Transition, WaitReason};
pub use queue::{Job, JobState, Queue, QueueError, Transfer};
pub use sync::Runner;
pub use upload::{UploadError, Uploader, UploaderConfig};

#[cfg(test)]
mod tests {
    #[test]
    fn the_app_identifier_is_the_shared_data_folder_name() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], super::APP_ID);
    }
}
