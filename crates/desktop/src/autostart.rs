//! Start at login: the one entry each OS reads when the user logs in, as a table (where
//! it lives, what it says), so all three are unit-tested on any machine. The entry
//! starts the app with [`HIDDEN`](crate::launch::HIDDEN): it comes up in the tray.
//!
//! | OS | entry |
//! |---|---|
//! | Linux (and other XDG desktops) | `$XDG_CONFIG_HOME/autostart/app.idance.capture.desktop` (default `~/.config`) |
//! | macOS | a LaunchAgent, `~/Library/LaunchAgents/app.idance.capture.plist` (`RunAtLoad`) |
//! | Windows | the value `iDance Capture` under `HKCU\Software\Microsoft\Windows\CurrentVersion\Run` |
//!
//! (auto-launch, under tauri-plugin-autostart, ignores `$XDG_CONFIG_HOME` and names the
//! file after the product name; these three entries are small enough to own.)

use crate::launch::HIDDEN;
use idance_core::APP_ID;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

const NAME: &str = "iDance Capture";
/// Where Windows keeps the current user's programs to start at login.
pub const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";

#[derive(Debug, thiserror::Error)]
pub enum AutostartError {
    #[error("cannot find your home folder, so the app cannot be set to start at login")]
    NoHome,
    #[error("starting at login is not available on {0}")]
    Unsupported(String),
    #[error("cannot change the start-at-login entry {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How an OS starts a program at login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    XdgAutostart,
    LaunchAgent,
    RunKey,
}

/// Which mechanism each OS uses (`std::env::consts::OS` names).
const TABLE: &[(&str, Kind)] = &[
    ("linux", Kind::XdgAutostart),
    ("freebsd", Kind::XdgAutostart),
    ("openbsd", Kind::XdgAutostart),
    ("netbsd", Kind::XdgAutostart),
    ("macos", Kind::LaunchAgent),
    ("windows", Kind::RunKey),
];

/// This app's entry on one OS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A file the OS reads at login (a .desktop file, a LaunchAgent plist).
    File { path: PathBuf, contents: String },
    /// A value under HKCU's [`RUN_KEY`].
    RunKey { name: String, command: String },
}

impl Entry {
    /// The entry for `os`, starting `exe`; `env` reads the environment (HOME,
    /// XDG_CONFIG_HOME, and APPIMAGE: an AppImage runs from a temporary mount, so the
    /// entry names the image itself).
    pub fn for_os(
        os: &str,
        exe: &Path,
        env: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<Entry, AutostartError> {
        let kind = TABLE
            .iter()
            .find(|(name, _)| *name == os)
            .map(|(_, k)| *k)
            .ok_or_else(|| AutostartError::Unsupported(os.to_string()))?;
        let home = || {
            env(if os == "windows" {
                "USERPROFILE"
            } else {
                "HOME"
            })
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .ok_or(AutostartError::NoHome)
        };
        Ok(match kind {
            Kind::XdgAutostart => {
                let exe = env("APPIMAGE")
                    .filter(|a| !a.is_empty())
                    .map_or_else(|| exe.to_path_buf(), PathBuf::from);
                let config = match env("XDG_CONFIG_HOME").filter(|c| Path::new(c).is_absolute()) {
                    Some(c) => PathBuf::from(c),
                    None => home()?.join(".config"),
                };
                Entry::File {
                    path: config.join("autostart").join(format!("{APP_ID}.desktop")),
                    contents: desktop_file(&exe),
                }
            }
            Kind::LaunchAgent => Entry::File {
                path: home()?
                    .join("Library/LaunchAgents")
                    .join(format!("{APP_ID}.plist")),
                contents: launch_agent(exe),
            },
            Kind::RunKey => Entry::RunKey {
                name: NAME.to_string(),
                command: format!("\"{}\" {HIDDEN}", exe.display()),
            },
        })
    }

    /// This app's entry on this computer.
    pub fn current() -> Result<Entry, AutostartError> {
        let exe = std::env::current_exe().map_err(|source| AutostartError::Io {
            path: PathBuf::from("the app's own program"),
            source,
        })?;
        Entry::for_os(std::env::consts::OS, &exe, &|k| std::env::var_os(k))
    }

    /// Whether the entry is there (blocking I/O).
    pub fn is_enabled(&self) -> bool {
        match self {
            Entry::File { path, .. } => path.is_file(),
            Entry::RunKey { name, .. } => run_key::get(name).is_some(),
        }
    }

    /// Writes the entry (again: a moved or updated app is started from where it is now).
    pub fn enable(&self) -> Result<(), AutostartError> {
        match self {
            Entry::File { path, contents } => write_atomically(path, contents),
            Entry::RunKey { name, command } => run_key::set(name, command),
        }
    }

    /// Removes the entry; none there is no error.
    pub fn disable(&self) -> Result<(), AutostartError> {
        match self {
            Entry::File { path, .. } => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(AutostartError::Io {
                    path: path.clone(),
                    source: e,
                }),
                _ => Ok(()),
            },
            Entry::RunKey { name, .. } => run_key::remove(name),
        }
    }

    /// Makes the entry match the user's choice.
    pub fn apply(&self, on: bool) -> Result<(), AutostartError> {
        if on { self.enable() } else { self.disable() }
    }
}

/// An XDG autostart entry (Desktop Entry spec; `Exec` quoted as it says).
fn desktop_file(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName={NAME}\nComment=Uploads your recorded classes in the background\nExec={} {HIDDEN}\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
        exec_arg(&exe.to_string_lossy())
    )
}

/// One `Exec` argument: quoted when it holds a reserved character, then escaped as a
/// string value (a backslash doubles again) with `%` doubled (field codes).
fn exec_arg(arg: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`',
    ];
    let quoted = if arg.contains(RESERVED) {
        let mut q = String::from("\"");
        for c in arg.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    } else {
        arg.to_string()
    };
    quoted.replace('\\', "\\\\").replace('%', "%%")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A LaunchAgent that runs the app once at login.
fn launch_agent(exe: &Path) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>{APP_ID}</string>
  <key>ProgramArguments</key>
  <array>
    <string>{}</string>
    <string>{HIDDEN}</string>
  </array>
  <key>RunAtLoad</key>
  <true/>
</dict>
</plist>
"#,
        xml_escape(&exe.to_string_lossy())
    )
}

fn write_atomically(path: &Path, contents: &str) -> Result<(), AutostartError> {
    let io = |source| AutostartError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// The Run key's value, through the registry on Windows (and nowhere else).
#[cfg(windows)]
mod run_key {
    use super::{AutostartError, RUN_KEY};
    use winreg::RegKey;
    use winreg::enums::{HKEY_CURRENT_USER, KEY_READ, KEY_SET_VALUE};

    fn io(source: std::io::Error) -> AutostartError {
        AutostartError::Io {
            path: format!(r"HKEY_CURRENT_USER\{RUN_KEY}").into(),
            source,
        }
    }

    pub fn get(name: &str) -> Option<String> {
        RegKey::predef(HKEY_CURRENT_USER)
            .open_subkey_with_flags(RUN_KEY, KEY_READ)
            .ok()?
            .get_value(name)
            .ok()
    }

    pub fn set(name: &str, command: &str) -> Result<(), AutostartError> {
        let (key, _) = RegKey::predef(HKEY_CURRENT_USER)
            .create_subkey(RUN_KEY)
            .map_err(io)?;
        key.set_value(name, &command).map_err(io)
    }

    pub fn remove(name: &str) -> Result<(), AutostartError> {
        let key = RegKey::predef(HKEY_CURRENT_USER)
            .open_subkey_with_flags(RUN_KEY, KEY_SET_VALUE)
            .map_err(io)?;
        match key.delete_value(name) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }
}

#[cfg(not(windows))]
mod run_key {
    use super::AutostartError;

    pub fn get(_: &str) -> Option<String> {
        None
    }

    pub fn set(_: &str, _: &str) -> Result<(), AutostartError> {
        Err(AutostartError::Unsupported(
            "this system (no registry)".into(),
        ))
    }

    pub fn remove(_: &str) -> Result<(), AutostartError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| {
            vars.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn linux_writes_an_xdg_autostart_entry_under_xdg_config_home_that_starts_hidden() {
        let e = Entry::for_os(
            "linux",
            Path::new("/opt/iDance Capture/idance-app"),
            &env(&[("HOME", "/home/ana"), ("XDG_CONFIG_HOME", "/home/ana/.cfg")]),
        )
        .unwrap();
        let Entry::File { path, contents } = e else {
            panic!("not a file")
        };
        assert_eq!(
            path,
            PathBuf::from("/home/ana/.cfg/autostart/app.idance.capture.desktop")
        );
        assert!(
            contents.contains("\nExec=\"/opt/iDance Capture/idance-app\" --hidden\n"),
            "{contents}"
        );
        assert!(contents.starts_with("[Desktop Entry]\nType=Application\n"));
        // Without XDG_CONFIG_HOME (or a relative one, which the spec says to ignore).
        let e = Entry::for_os(
            "linux",
            Path::new("/usr/bin/idance-app"),
            &env(&[("HOME", "/home/ana"), ("XDG_CONFIG_HOME", "cfg")]),
        )
        .unwrap();
        let Entry::File { path, contents } = e else {
            panic!("not a file")
        };
        assert_eq!(
            path,
            PathBuf::from("/home/ana/.config/autostart/app.idance.capture.desktop")
        );
        assert!(contents.contains("\nExec=/usr/bin/idance-app --hidden\n"));
    }

    #[test]
    fn an_appimage_is_started_from_the_image_not_its_temporary_mount() {
        let e = Entry::for_os(
            "linux",
            Path::new("/tmp/.mount_iDanceX1/usr/bin/idance-app"),
            &env(&[("HOME", "/h"), ("APPIMAGE", "/h/Apps/iDance.AppImage")]),
        )
        .unwrap();
        let Entry::File { contents, .. } = e else {
            panic!("not a file")
        };
        assert!(contents.contains("Exec=/h/Apps/iDance.AppImage --hidden"));
    }

    #[test]
    fn exec_arguments_are_quoted_and_escaped_as_the_desktop_entry_spec_says() {
        assert_eq!(exec_arg("/a/b"), "/a/b");
        assert_eq!(exec_arg("/a b/c"), "\"/a b/c\"");
        // `$` escaped inside quotes, then every backslash doubled for the string value.
        assert_eq!(exec_arg("/a/$x"), "\"/a/\\\\$x\"");
        assert_eq!(exec_arg("/a/100%"), "/a/100%%");
    }

    #[test]
    fn macos_writes_a_launch_agent_that_runs_at_load() {
        let e = Entry::for_os(
            "macos",
            Path::new("/Applications/iDance Capture.app/Contents/MacOS/iDance & Co"),
            &env(&[("HOME", "/Users/ana")]),
        )
        .unwrap();
        let Entry::File { path, contents } = e else {
            panic!("not a file")
        };
        assert_eq!(
            path,
            PathBuf::from("/Users/ana/Library/LaunchAgents/app.idance.capture.plist")
        );
        assert!(contents.contains(
            "<string>/Applications/iDance Capture.app/Contents/MacOS/iDance &amp; Co</string>\n    <string>--hidden</string>"
        ));
        assert!(contents.contains("<key>RunAtLoad</key>\n  <true/>"));
        assert!(contents.contains("<string>app.idance.capture</string>"));
    }

    #[test]
    fn windows_sets_the_current_users_run_key() {
        let e = Entry::for_os(
            "windows",
            Path::new(r"C:\Users\José\AppData\Local\iDance Capture\idance-app.exe"),
            &env(&[("USERPROFILE", r"C:\Users\José")]),
        )
        .unwrap();
        assert_eq!(
            e,
            Entry::RunKey {
                name: "iDance Capture".into(),
                command: r#""C:\Users\José\AppData\Local\iDance Capture\idance-app.exe" --hidden"#
                    .into(),
            }
        );
    }

    #[test]
    fn no_home_or_an_unknown_system_is_said_in_words() {
        let e = Entry::for_os("linux", Path::new("/x"), &env(&[])).unwrap_err();
        assert!(e.to_string().contains("home folder"), "{e}");
        let e = Entry::for_os("plan9", Path::new("/x"), &env(&[])).unwrap_err();
        assert!(e.to_string().contains("plan9"), "{e}");
    }

    #[test]
    fn enable_writes_the_file_disable_removes_it_twice_without_error() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_string_lossy().into_owned();
        let e = Entry::for_os("linux", Path::new("/x"), &env(&[("HOME", &home)])).unwrap();
        assert!(!e.is_enabled());
        e.apply(true).unwrap();
        assert!(e.is_enabled());
        assert!(
            dir.path()
                .join(".config/autostart/app.idance.capture.desktop")
                .is_file()
        );
        e.apply(false).unwrap();
        e.disable().unwrap();
        assert!(!e.is_enabled());
    }
}
