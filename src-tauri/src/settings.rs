//! The app's plain choices in tauri-plugin-store (`settings.json`); the policy (what is
//! checked, connected, saved where) is `idance_desktop::settings`.

use idance_core::DataDir;
use idance_core::app_settings::KEY;
use idance_desktop::Stored;
use idance_desktop::settings::ChoiceStore;
use std::path::PathBuf;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

/// The settings file in the data folder (`DataDir::settings_file`, which the CLI reads
/// too), kept by tauri-plugin-store.
pub struct PluginStore<R: Runtime> {
    app: AppHandle<R>,
    file: PathBuf,
}

impl<R: Runtime> PluginStore<R> {
    pub fn new(app: AppHandle<R>, data: &DataDir) -> Self {
        PluginStore {
            app,
            file: data.settings_file(),
        }
    }
}

impl<R: Runtime> ChoiceStore for PluginStore<R> {
    fn load(&self) -> Stored {
        self.app
            .store(&self.file)
            .ok()
            .and_then(|s| s.get(KEY))
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    fn save(&self, stored: &Stored) -> Result<(), String> {
        let store = self.app.store(&self.file).map_err(|e| e.to_string())?;
        store.set(
            KEY,
            serde_json::to_value(stored).map_err(|e| e.to_string())?,
        );
        store.save().map_err(|e| e.to_string())
    }
}
