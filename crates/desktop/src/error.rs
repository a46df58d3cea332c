//! The engine's errors. Each has a kind the UI switches on (never its words).

#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error("cannot open the upload queue: {0}")]
    Queue(#[from] idance_core::QueueError),
    #[error("cannot start the built-in upload service: {0}")]
    Server(#[from] idance_server::ServerError),
    #[error("the built-in upload service cannot sign in {user}: {source}")]
    LocalUser {
        user: &'static str,
        source: idance_server::auth::TokenError,
    },
    /// The server refused, could not be reached, or its address is not usable.
    #[error(transparent)]
    Client(#[from] idance_core::ClientError),
    #[error("{0}")]
    Refused(String),
    #[error("a recording is already running")]
    AlreadyRecording,
    #[error("the last recording is still being saved; start again in a moment")]
    StillSaving,
    #[error("no recording is running")]
    NotRecording,
    #[error(transparent)]
    Record(#[from] idance_media::record::RecordError),
    #[error(transparent)]
    StartAtLogin(#[from] crate::autostart::AutostartError),
}

impl DesktopError {
    /// What kind of problem this is, for the UI to switch on (never its words).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Queue(_) => "queue",
            Self::Server(idance_server::ServerError::Config(_)) => "service_config",
            Self::Server(_) | Self::LocalUser { .. } => "service",
            Self::Client(idance_core::ClientError::Refused(r)) => r.kind(),
            Self::Client(idance_core::ClientError::Offline(_)) => "unreachable",
            Self::Client(idance_core::ClientError::NoLibrary) => "no_library",
            Self::Client(_) => "server",
            Self::Refused(_) => "refused",
            Self::AlreadyRecording => "recording_running",
            Self::StillSaving => "recording_saving",
            Self::NotRecording => "not_recording",
            Self::Record(_) => "recorder",
            Self::StartAtLogin(_) => "start_at_login",
        }
    }
}
