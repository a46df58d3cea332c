//! Generated secrets kept in the data dir (JWT secret, local store keys).

use rand::RngCore;
use std::io::Write;
use std::path::Path;

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Writes a file only the owner can read (on Unix), replacing it atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Reads the secret in `path`, or makes and keeps a new one.
pub fn load_or_create_hex(path: &Path, bytes: usize) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Ok(_) => {
            let s = random_hex(bytes);
            write_private(path, s.as_bytes())?;
            Ok(s)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let s = random_hex(bytes);
            write_private(path, s.as_bytes())?;
            Ok(s)
        }
        Err(e) => Err(e),
    }
}
