//! Opening a SQLite database that several processes share (the app and `idance serve`
//! share a data folder; the app and `idance sync` share the queue). The order matters:
//! the busy timeout is set before switching to WAL, and every migration runs in an
//! immediate transaction that re-reads the version, so processes opening a new file at
//! the same instant wait for each other and apply each migration once.

use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another process's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Survives power loss (the client's queue: a confirmed part must not be forgotten).
    Full,
    /// Survives a crash of the process (WAL's usual choice).
    Normal,
}

/// Opens (creating it and its folder) the database at `path` in WAL mode with foreign
/// keys on, and applies the missing `migrations` (migration `i` brings the schema from
/// version `i` to `i + 1`, tracked in `PRAGMA user_version`).
pub fn open(path: &Path, durability: Durability, migrations: &[&str]) -> Result<Connection, Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Folder {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let mut conn = Connection::open(path)?;
    // First: switching to WAL and migrating take locks another process must wait for.
    conn.busy_timeout(BUSY_TIMEOUT)?;
    to_wal(&conn)?;
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&mut conn, migrations)?;
    Ok(conn)
}

/// Switches to WAL. Two connections switching a new file at once both hold a read
/// lock and want the write lock: SQLite answers one of them "busy" at once instead of
/// calling the busy handler (it would deadlock), so that case is retried here, within
/// the same bound as the busy timeout.
fn to_wal(conn: &Connection) -> Result<(), Error> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Applies the missing migrations, each in an immediate transaction that re-reads the
/// version first.
pub fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), Error> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = tx.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?;
        let Some(sql) = migrations.get(usize::try_from(version).unwrap_or(usize::MAX)) else {
            if usize::try_from(version).is_ok_and(|v| v > migrations.len()) {
                return Err(Error::Newer {
                    found: version,
                    known: migrations.len(),
                });
            }
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[derive(Debug)]
pub enum Error {
    Sqlite(rusqlite::Error),
    Folder {
        path: String,
        source: std::io::Error,
    },
    /// The file was written by a newer version of the program.
    Newer {
        found: i64,
        known: usize,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(e) => write!(f, "database error: {e}"),
            Self::Folder { path, source } => write!(f, "cannot create the folder {path}: {source}"),
            Self::Newer { found, known } => write!(
                f,
                "the database is at version {found}, newer than this program knows ({known}): update the program"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[&str] = &[
        "CREATE TABLE a (x INTEGER);",
        "ALTER TABLE a ADD COLUMN y INTEGER;",
    ];

    #[test]
    fn processes_opening_a_new_file_together_migrate_it_once() {
        let dir = tempfile::tempdir().unwrap();
        // The race is in the first instant of a new file: try it on many.
        for round in 0..20 {
            let path = dir.path().join(format!("sub{round}/db.sqlite"));
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || open(&path, Durability::Full, M).map(|_| ()))
                })
                .collect();
            for h in handles {
                h.join().unwrap().unwrap();
            }
            let conn = Connection::open(&path).unwrap();
            let v: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(v, 2);
            let mode: String = conn
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        }
    }

    #[test]
    fn a_newer_file_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        open(&path, Durability::Normal, M).unwrap();
        let e = open(&path, Durability::Normal, &M[..1]).unwrap_err();
        assert!(e.to_string().contains("update the program"), "{e}");
    }
}
