//! Errors as the UI receives them: `{kind, message}`. The UI switches on `kind` and
//! shows `message`; it never parses the words.

use idance_desktop::DesktopError;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct UiError {
    pub kind: &'static str,
    pub message: String,
}

impl From<DesktopError> for UiError {
    fn from(e: DesktopError) -> Self {
        UiError {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl UiError {
    /// A problem of the shell itself (the dialog, a task).
    pub fn app(e: impl std::fmt::Display) -> Self {
        UiError {
            kind: "app",
            message: e.to_string(),
        }
    }
}

pub type Res<T> = Result<T, UiError>;
