//! Queue schema and its numbered migrations (`PRAGMA user_version`).

use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
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
    // 4: why a waiting job waits, as data (lifecycle::WaitReason)
    "ALTER TABLE jobs ADD COLUMN wait_reason TEXT;",
    // 5: the checksum an open multipart upload's parts carry (NULL: MD5)
    "ALTER TABLE jobs ADD COLUMN part_checksum TEXT;",
    // 6: a session's jobs without reading the whole queue (folders of thousands)
    "CREATE INDEX jobs_by_session ON jobs(local_session);",
    // 7: the files a session's completion names, chosen once before the first call (a
    // retry after a crash must send the server the same body, or it answers 409)
    "ALTER TABLE sessions ADD COLUMN completion_video TEXT;
     ALTER TABLE sessions ADD COLUMN completion_thumbnail TEXT;",
];

/// Opens the queue file with the shared SQLite helper: busy timeout before WAL,
/// migrations in immediate transactions; FULL sync: a confirmed part or state change
/// survives power loss, not just a crash.
pub fn open(path: &std::path::Path) -> Result<Connection, idance_sqlite::Error> {
    idance_sqlite::open(path, idance_sqlite::Durability::Full, MIGRATIONS)
}
