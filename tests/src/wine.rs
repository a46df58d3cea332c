//! Windows programs for real, on Linux: `idance.exe` (built with mingw) run by Wine 8.
//! `scripts/test` builds the exe, puts beside it the `bcryptprimitives.dll` Wine 8
//! lacks (`tests/windows/`: Rust's std takes its random bytes from it), makes a 64-bit
//! Wine prefix and exports both paths.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The wine launcher that runs 64-bit programs (plain `wine` wants the 32-bit half).
const WINE64: &str = "/usr/lib/wine/wine64";

pub struct Wine {
    exe: PathBuf,
    prefix: PathBuf,
}

impl Wine {
    /// The exe and prefix of this test run (`IDANCE_TEST_WINDOWS_EXE`, `WINEPREFIX`).
    pub fn from_env() -> Wine {
        let var =
            |name: &str| {
                std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| {
                panic!("{name} is not set: these tests run idance.exe under Wine; run scripts/test")
            })
            };
        Wine {
            exe: var("IDANCE_TEST_WINDOWS_EXE"),
            prefix: var("WINEPREFIX"),
        }
    }

    /// `idance.exe ARGS...` under Wine, with none of the developer's settings.
    pub fn idance(&self) -> Command {
        let mut cmd = Command::new(WINE64);
        cmd.arg(&self.exe)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEARCH", "win64")
            .env("WINEDEBUG", "-all")
            .env("IDANCE_NO_KEYCHAIN", "1")
            .env_remove("IDANCE_SERVER")
            .env_remove("IDANCE_TOKEN");
        cmd
    }

    /// Where `C:\rest` is on this machine (`rest` with forward slashes).
    pub fn c_drive(&self, rest: &str) -> PathBuf {
        let mut p = self.prefix.join("drive_c");
        for part in rest.split(['\\', '/']).filter(|s| !s.is_empty()) {
            p.push(part);
        }
        p
    }

    pub fn exe(&self) -> &Path {
        &self.exe
    }
}
