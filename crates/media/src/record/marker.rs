//! A recording in progress is marked by `<file>.recording`, locked by the process that
//! records. A marker nobody holds means that process died: the recording is unfinished
//! and is offered for recovery (fragmented MP4 plays up to its last fragment). Markers
//! go away only when the caller has handed the recording on (queued or shown to the user).

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

const SUFFIX: &str = ".recording";

#[derive(Debug, Serialize, Deserialize)]
struct MarkerBody {
    started_at: String,
    title: Option<String>,
    /// For an encode (compression before upload): the file encoded. An encode whose
    /// process died is not a recording to keep: its original is sent instead.
    #[serde(default)]
    source: Option<PathBuf>,
}

#[derive(Debug)]
pub struct Marker {
    path: PathBuf,
    file: Option<File>,
}

impl Marker {
    pub fn create(
        recording: &Path,
        title: Option<&str>,
        source: Option<&Path>,
    ) -> std::io::Result<Marker> {
        let path = marker_path(recording);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)?;
        file.lock()?;
        let body = MarkerBody {
            started_at: chrono::Utc::now().to_rfc3339(),
            title: title.map(str::to_string),
            source: source.map(Path::to_path_buf),
        };
        file.write_all(&serde_json::to_vec(&body).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        Ok(Marker {
            path,
            file: Some(file),
        })
    }

    /// The marker of `recording` without holding its lock (after a recorder crash).
    pub(crate) fn detached(recording: &Path) -> Marker {
        Marker {
            path: marker_path(recording),
            file: None,
        }
    }

    /// The recording is safe elsewhere (queued, or its path given to the user).
    pub fn release(mut self) -> std::io::Result<()> {
        drop(self.file.take()); // unlocks; Windows cannot remove an open file
        std::fs::remove_file(&self.path)
    }
}

pub(crate) fn marker_path(recording: &Path) -> PathBuf {
    let mut s = recording.as_os_str().to_owned();
    s.push(SUFFIX);
    PathBuf::from(s)
}

/// An unfinished recording found in a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unfinished {
    pub path: PathBuf,
    pub title: Option<String>,
    pub started_at: Option<String>,
}

/// Recordings in `dir` whose recording process is gone without handing them on.
pub fn unfinished(dir: &Path) -> Vec<Unfinished> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let marker = entry.path();
        let Some(name) = marker.to_str() else {
            continue;
        };
        let Some(recording) = name.strip_suffix(SUFFIX) else {
            continue;
        };
        let Ok(file) = File::open(&marker) else {
            continue;
        };
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue, // still recording
            Err(TryLockError::Error(_)) => continue,
        }
        let body: Option<MarkerBody> = std::fs::read(&marker)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        if Path::new(recording).exists() {
            found.push(Unfinished {
                path: recording.into(),
                title: body.as_ref().and_then(|b| b.title.clone()),
                started_at: body.map(|b| b.started_at),
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The file an encode in `file` was made from, when `file` is an encode (its marker
/// says so; a recording has none).
pub fn encode_source(file: &Path) -> Option<PathBuf> {
    let body: MarkerBody = serde_json::from_slice(&std::fs::read(marker_path(file)).ok()?).ok()?;
    body.source
}

/// Whether a live recorder is writing `recording` (its marker is held).
pub fn is_recording(recording: &Path) -> bool {
    match File::open(marker_path(recording)) {
        Ok(f) => matches!(f.try_lock_shared(), Err(TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// Forget an unfinished recording's marker once the user has dealt with it (the
/// recording itself is never touched).
pub fn dismiss(recording: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(marker_path(recording)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `unfinished` finds once `want` markers are free: a closed marker's lock can
    /// outlive its holder for a moment when another test thread forks a child (an
    /// ffmpeg) while the marker is open, until that child execs.
    fn settled(dir: &Path, want: usize) -> Vec<Unfinished> {
        let start = std::time::Instant::now();
        loop {
            let found = unfinished(dir);
            if found.len() == want || start.elapsed() > std::time::Duration::from_secs(5) {
                return found;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    #[test]
    fn held_markers_are_in_progress_released_ones_are_gone_dropped_ones_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.mp4");
        let b = dir.path().join("b.mp4");
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"y").unwrap();
        let held = Marker::create(&a, Some("Salsa"), None).unwrap();
        assert!(
            unfinished(dir.path()).is_empty(),
            "a held marker is a live recording"
        );
        // A marker whose holder is gone (the process died): the file handle is closed
        // without release.
        drop(Marker::create(&b, None, Some(Path::new("/v/phone.mov"))).unwrap());
        assert_eq!(encode_source(&b), Some(PathBuf::from("/v/phone.mov")));
        assert_eq!(encode_source(&a), None);
        let found = settled(dir.path(), 1);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, b);
        drop(held);
        let found = settled(dir.path(), 2);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].title.as_deref(), Some("Salsa"));
        dismiss(&a).unwrap();
        dismiss(&b).unwrap();
        assert!(unfinished(dir.path()).is_empty());
        assert!(a.exists() && b.exists(), "recordings are never deleted");
    }

    #[test]
    fn release_removes_the_marker() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.mp4");
        std::fs::write(&a, b"x").unwrap();
        Marker::create(&a, None, None).unwrap().release().unwrap();
        assert!(!marker_path(&a).exists());
        assert!(a.exists());
    }
}
