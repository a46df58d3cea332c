//! Files the user dropped or picked, known to the UI only by an opaque id: the UI never
//! sees or sends a path, so no command can be made to read an arbitrary file.

use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRef {
    pub id: String,
    /// The file name only (for display).
    pub name: String,
}

/// The extensions the file dialog offers: exactly the video types the service takes
/// (the contract's list), so nothing it offers is refused afterwards.
pub fn picker_extensions() -> Vec<&'static str> {
    idance_contract::MediaType::allowed(idance_contract::FileKind::Video)
        .iter()
        .map(|m| m.extension)
        .collect()
}

/// The answer for one dropped or picked file.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub name: String,
    pub job_id: Option<String>,
    /// Why the file was refused.
    pub error: Option<Refusal>,
}

/// Why a file was refused: a kind the window words in its language, and the detail
/// only the app knows (ffprobe's reason), shaped as the commands' errors are.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub kind: &'static str,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Default)]
pub struct FileRegistry {
    files: Mutex<HashMap<String, PathBuf>>,
}

impl FileRegistry {
    pub fn register(&self, path: &Path) -> FileRef {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        if let Ok(mut files) = self.files.lock() {
            files.insert(id.clone(), path.to_path_buf());
        }
        FileRef { id, name }
    }

    /// The path behind an id, once: an id is used up when its file is queued.
    pub fn take(&self, id: &str) -> Option<PathBuf> {
        self.files.lock().ok()?.remove(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialog_offers_only_what_the_service_accepts() {
        let offered = picker_extensions();
        assert!(offered.contains(&"mp4") && offered.contains(&"mov"));
        for ext in offered {
            assert!(
                idance_contract::MediaType::for_extension(idance_contract::FileKind::Video, ext)
                    .is_some(),
                "{ext}"
            );
        }
    }

    #[test]
    fn ids_are_opaque_and_single_use() {
        let r = FileRegistry::default();
        let f = r.register(Path::new("/home/ana/Videos/salsa.mp4"));
        assert_eq!(f.name, "salsa.mp4");
        assert!(!f.id.contains('/') && f.id.len() == 32);
        assert_eq!(
            r.take(&f.id),
            Some(PathBuf::from("/home/ana/Videos/salsa.mp4"))
        );
        assert_eq!(r.take(&f.id), None);
        assert_eq!(r.take("../../etc/passwd"), None);
    }
}
