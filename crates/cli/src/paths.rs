//! Where iDance keeps its files, per platform (via `directories`).

use anyhow::{Context, anyhow};
use idance_core::DataDir;
use std::path::PathBuf;

/// The data dir: the flag/env value, else the desktop app's own data folder, so the app
/// and `idance sync` share one queue (Linux `~/.local/share/app.idance.capture`, macOS
/// `~/Library/Application Support/app.idance.capture`, Windows
/// `%APPDATA%\app.idance.capture`). Its layout is [`DataDir`]'s.
pub fn data_dir(explicit: Option<PathBuf>) -> anyhow::Result<DataDir> {
    let dir = match explicit {
        Some(d) => d,
        None => directories::BaseDirs::new()
            .map(|b| b.data_dir().join(idance_core::APP_ID))
            .ok_or_else(|| anyhow!("cannot find a home folder; pass --data-dir DIR"))?,
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the data dir {}", dir.display()))?;
    Ok(DataDir::new(dir))
}
