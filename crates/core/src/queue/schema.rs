//! Queue schema and its numbered migrations (`PRAGMA user_version`).

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: sessions, jobs and confirmed parts
    "CREATE TABLE sessions (
        local_id   TEXT PRIMARY KEY,
        server_id  TEXT,
        title      TEXT,
        created_at TEXT NOT NULL
     );
     CREATE TABLE jobs (
        job_id        TEXT PRIMARY KEY,
        local_session TEXT NOT NULL REFERENCES sessions(local_id),
        kind          TEXT NOT NULL,
        file          TEXT NOT NULL,
        size          INTEGER NOT NULL,
        mtime_ns      INTEGER NOT NULL,
        extension     TEXT NOT NULL,
        content_type  TEXT NOT NULL,
        duration_secs REAL,
        state         TEXT NOT NULL,
        error         TEXT,
        upload_id     TEXT,
        file_key      TEXT,
        file_url      TEXT,
        part_size     INTEGER,
        stored_key    TEXT,
        stored_url    TEXT,
        lease_owner   TEXT,
        lease_until   INTEGER,
        created_at    TEXT NOT NULL,
        seq           INTEGER NOT NULL
     );
     CREATE TABLE parts (
        job_id      TEXT NOT NULL REFERENCES jobs(job_id),
        part_number INTEGER NOT NULL,
        etag        TEXT NOT NULL,
        size        INTEGER NOT NULL,
        PRIMARY KEY (job_id, part_number)
     );",
    // 2: recordings uploaded while they are written
    "ALTER TABLE jobs ADD COLUMN growing INTEGER NOT NULL DEFAULT 0;",
    // 3: what the instructor adds before completion
    "ALTER TABLE sessions ADD COLUMN calories REAL;",
];

/// Applies the missing migrations, each in an immediate transaction that re-reads the
/// version: two processes opening a new queue at once apply each migration once.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version = tx.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?;
        let Some(sql) = MIGRATIONS.get(usize::try_from(version).unwrap_or(0)) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_opening_a_new_queue_together_migrate_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.db");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || crate::queue::Queue::open(&path).map(|_| ()))
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
    }
}
