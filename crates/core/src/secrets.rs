//! Tokens and bucket keys: in the OS keychain (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux) where there is one; otherwise (a Linux desktop
//! without a Secret Service) in `DATA/client/secrets.json`, readable by the user only.
//! Never in the settings store, never in logs. The desktop app writes them; the CLI
//! reads the sign-in token from here when no `--token` is given.

use std::collections::HashMap;
use std::path::PathBuf;

const SERVICE: &str = crate::APP_ID;
/// The sign-in token for an iDance server.
pub const TOKEN: &str = "sign-in-token";
/// The secret access key of the instructor's own bucket (direct mode).
pub const BUCKET_SECRET: &str = "bucket-secret-access-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    Keychain,
    File,
}

#[derive(Clone)]
pub struct Secrets {
    fallback: PathBuf,
    use_keychain: bool,
}

impl Secrets {
    /// `IDANCE_NO_KEYCHAIN=1` forces the file (tests, or a broken keychain).
    pub fn new(client_dir: PathBuf) -> Secrets {
        let use_keychain = std::env::var_os("IDANCE_NO_KEYCHAIN").is_none();
        Secrets {
            fallback: client_dir.join("secrets.json"),
            use_keychain,
        }
    }

    /// Only the user-only file, whatever the environment says (tests).
    pub fn file_only(client_dir: PathBuf) -> Secrets {
        Secrets {
            fallback: client_dir.join("secrets.json"),
            use_keychain: false,
        }
    }

    fn entry(name: &str) -> Option<keyring::Entry> {
        keyring::Entry::new(SERVICE, name).ok()
    }

    /// Stores `value` under `name` (None deletes it); says where it went.
    pub fn set(&self, name: &str, value: Option<&str>) -> Result<Where, String> {
        if self.use_keychain
            && let Some(entry) = Self::entry(name)
        {
            let done = match value {
                Some(v) => entry.set_password(v),
                None => match entry.delete_credential() {
                    Err(keyring::Error::NoEntry) => Ok(()),
                    other => other,
                },
            };
            if done.is_ok() {
                // A copy left in the file from a time without keychain goes away.
                let _ = self.write_file(name, None);
                return Ok(Where::Keychain);
            }
        }
        self.write_file(name, value)?;
        Ok(Where::File)
    }

    pub fn get(&self, name: &str) -> Option<String> {
        if self.use_keychain
            && let Some(entry) = Self::entry(name)
            && let Ok(v) = entry.get_password()
        {
            return Some(v);
        }
        self.read_file().remove(name)
    }

    fn read_file(&self) -> HashMap<String, String> {
        std::fs::read(&self.fallback)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write_file(&self, name: &str, value: Option<&str>) -> Result<(), String> {
        let mut all = self.read_file();
        match value {
            Some(v) => {
                all.insert(name.to_string(), v.to_string());
            }
            None => {
                if all.remove(name).is_none() {
                    return Ok(());
                }
            }
        }
        if let Some(dir) = self.fallback.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let tmp = self.fallback.with_extension("json.tmp");
        let body = serde_json::to_vec(&all).map_err(|e| e.to_string())?;
        write_private(&tmp, &body).map_err(|e| format!("cannot save a secret: {e}"))?;
        std::fs::rename(&tmp, &self.fallback).map_err(|e| format!("cannot save a secret: {e}"))
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(body)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, body: &[u8]) -> std::io::Result<()> {
    // Under the user's own profile folder, which only they can read.
    std::fs::write(path, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_fallback_keeps_secrets_private_and_deletes_them() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets {
            fallback: dir.path().join("secrets.json"),
            use_keychain: false,
        };
        assert_eq!(s.get("token"), None);
        assert_eq!(s.set("token", Some("abc")), Ok(Where::File));
        assert_eq!(s.set("aws_secret", Some("xyz")), Ok(Where::File));
        assert_eq!(s.get("token").as_deref(), Some("abc"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        s.set("token", None).unwrap();
        assert_eq!(s.get("token"), None);
        assert_eq!(s.get("aws_secret").as_deref(), Some("xyz"));
    }
}
