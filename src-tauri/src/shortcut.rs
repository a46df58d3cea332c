//! The global Record/Stop shortcut: registered from the stored choice at start and
//! again when Settings change it. A press is handed to the window, which records as its
//! Record button does (with the countdown) or stops.

use crate::error::UiError;
use tauri::{AppHandle, Emitter, Runtime};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, _shortcut, event| {
            if event.state() == ShortcutState::Pressed {
                let _ = app.emit("record-shortcut", ());
            }
        })
        .build()
}

/// An accelerator as Settings may save it ("Ctrl+Shift+R", "CmdOrCtrl+Alt+F9").
pub fn parse(text: &str) -> Result<Shortcut, UiError> {
    text.trim().parse::<Shortcut>().map_err(|e| UiError {
        kind: "shortcut",
        message: format!("{text:?} is not a shortcut ({e}): write it like Ctrl+Shift+R"),
    })
}

/// Makes `text` the one shortcut registered.
pub fn register<R: Runtime>(app: &AppHandle<R>, text: &str) -> Result<(), UiError> {
    let shortcut = parse(text)?;
    let shortcuts = app.global_shortcut();
    let _ = shortcuts.unregister_all();
    shortcuts.register(shortcut).map_err(|e| UiError {
        kind: "shortcut",
        message: format!(
            "{text} cannot be used as the Record shortcut ({e}); another program may hold it: choose another in Settings"
        ),
    })
}
