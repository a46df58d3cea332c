//! What a launch of the app asks for: its command line (the first launch's own, or a
//! second launch's handed over by the single-instance plugin) read into a start hidden
//! flag and the files to open. Files are queued as a drop would queue them.

use crate::events::Event;
use crate::files::FileRef;
use std::path::{Path, PathBuf};

/// The flag the start-at-login entry passes: come up in the tray, no window.
pub const HIDDEN: &str = "--hidden";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Launch {
    /// Started at login: stay in the tray.
    pub hidden: bool,
    /// Files to queue, absolute.
    pub files: Vec<PathBuf>,
}

impl Launch {
    /// Reads `args` (the program first, as `std::env::args` gives them); relative paths
    /// are taken from `cwd`, the launching process's folder. Other flags (a platform's
    /// own, e.g. macOS's `-psn_…`) are ignored.
    pub fn parse<I, S>(args: I, cwd: &Path) -> Launch
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut launch = Launch::default();
        for arg in args.into_iter().skip(1) {
            let arg = arg.as_ref();
            if arg == HIDDEN {
                launch.hidden = true;
            } else if arg.to_string_lossy().starts_with('-') {
                continue;
            } else if let Some(path) = file_url_path(arg) {
                launch.files.push(path);
            } else {
                launch.files.push(cwd.join(arg));
            }
        }
        launch
    }
}

/// A `file://` URL (what some file managers and macOS hand over) as a path.
pub fn file_url_path(arg: &std::ffi::OsStr) -> Option<PathBuf> {
    let text = arg.to_str()?;
    if !text.starts_with("file://") {
        return None;
    }
    url::Url::parse(text).ok()?.to_file_path().ok()
}

impl crate::Desktop {
    /// Files the app was asked to open (command line, a second launch, the OS's
    /// open-file event): kept for the window, which queues them as a drop — with the
    /// session chosen there, and a refusal named per file. Told by [`Event::Opened`];
    /// a window that starts later takes them at start.
    pub fn open_files(&self, paths: &[PathBuf]) {
        if paths.is_empty() {
            return;
        }
        let refs: Vec<FileRef> = paths.iter().map(|p| self.register_file(p)).collect();
        if let Ok(mut opened) = self.opened.lock() {
            opened.extend(refs);
        }
        self.emit(Event::Opened);
    }

    /// The files opened since the window last asked (each handed over once).
    pub fn take_opened(&self) -> Vec<FileRef> {
        self.opened
            .lock()
            .map(|mut o| std::mem::take(&mut *o))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_made_absolute_from_the_launching_folder_and_flags_are_read() {
        let cwd = Path::new("/home/ana/Videos");
        let l = Launch::parse(
            [
                "/opt/idance/idance-app",
                "class 1.mp4",
                "/tmp/warm-up.mov",
                "--hidden",
                "-psn_0_12345",
                "file:///home/ana/Jos%C3%A9/aula.mp4",
            ],
            cwd,
        );
        assert!(l.hidden);
        assert_eq!(
            l.files,
            vec![
                PathBuf::from("/home/ana/Videos/class 1.mp4"),
                PathBuf::from("/tmp/warm-up.mov"),
                PathBuf::from("/home/ana/José/aula.mp4"),
            ]
        );
    }

    #[test]
    fn a_plain_launch_opens_the_window_and_no_file() {
        assert_eq!(
            Launch::parse(["idance-app"], Path::new("/")),
            Launch::default()
        );
    }
}
