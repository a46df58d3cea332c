//! The app's plain choices in tauri-plugin-store (`settings.json`); the policy (what is
//! checked, connected, saved where) is `idance_desktop::settings`.

use idance_desktop::Stored;
use idance_desktop::settings::ChoiceStore;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

const STORE: &str = "settings.json";
const KEY: &str = "backend";

pub struct PluginStore<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> ChoiceStore for PluginStore<R> {
    fn load(&self) -> Stored {
        self.0
            .store(STORE)
            .ok()
            .and_then(|s| s.get(KEY))
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    fn save(&self, stored: &Stored) -> Result<(), String> {
        let store = self.0.store(STORE).map_err(|e| e.to_string())?;
        store.set(
            KEY,
            serde_json::to_value(stored).map_err(|e| e.to_string())?,
        );
        store.save().map_err(|e| e.to_string())
    }
}
