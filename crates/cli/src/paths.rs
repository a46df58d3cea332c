//! Where iDance keeps its files, per platform (via `directories`).

use anyhow::{Context, anyhow};
use std::path::PathBuf;

/// The data dir: the flag/env value, else the platform's data folder
/// (Linux `~/.local/share/idance-capture`, macOS
/// `~/Library/Application Support/app.iDance.idance-capture`, Windows
/// `%APPDATA%\iDance\idance-capture\data`).
pub fn data_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match explicit {
        Some(d) => d,
        None => directories::ProjectDirs::from("app", "iDance", "idance-capture")
            .map(|p| p.data_dir().to_path_buf())
            .ok_or_else(|| anyhow!("cannot find a home folder; pass --data-dir DIR"))?,
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the data dir {}", dir.display()))?;
    Ok(dir)
}

pub fn server_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("server")
}
