//! The multipart uploads the server issued, housekeeping's leases, and the keys the
//! database still needs.

use super::sql::{Exec, Row, args};
use super::{Db, DbError, count};
use std::collections::HashSet;

/// A multipart upload the server issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub upload_id: String,
    pub user_id: String,
    pub session_id: String,
    pub file_key: String,
    pub part_size: u64,
    pub state: UploadState,
    pub size: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    Active,
    Completed,
    Aborted,
}

impl UploadState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Aborted => "aborted",
        }
    }

    /// Anything else is [`DbError::Corrupt`]: read as active, the reaper would abort it.
    fn parse(s: &str) -> Result<Self, DbError> {
        match s {
            "active" => Ok(Self::Active),
            "completed" => Ok(Self::Completed),
            "aborted" => Ok(Self::Aborted),
            other => Err(DbError::Corrupt(format!("an upload's state is '{other}'"))),
        }
    }
}

/// The objects the database still needs: housekeeping never deletes these.
#[derive(Debug, Default)]
pub struct References {
    /// Videos and thumbnails of completed sessions that are not deleted.
    pub completed: HashSet<String>,
    /// Keys active multipart uploads are writing.
    pub uploading: HashSet<String>,
}

macro_rules! select_upload {
    ($($rest:literal)+) => {
        concat!(
            "SELECT upload_id, user_id, session_id, file_key, part_size, state, size FROM multipart_uploads ",
            $($rest),+
        )
    };
}

fn upload(r: &Row) -> Result<UploadRecord, DbError> {
    Ok(UploadRecord {
        upload_id: r.text(0)?,
        user_id: r.text(1)?,
        session_id: r.text(2)?,
        file_key: r.text(3)?,
        part_size: r.u64(4)?,
        state: UploadState::parse(&r.text(5)?)?,
        size: r.opt_u64(6)?,
    })
}

fn uploads(rows: Vec<Row>) -> Result<Vec<UploadRecord>, DbError> {
    rows.iter().map(upload).collect()
}

impl Db {
    pub async fn insert_upload(
        &self,
        u: UploadRecord,
        created_at: String,
        now: i64,
    ) -> Result<(), DbError> {
        count("insert_upload");
        let mut db = self;
        db.execute(
            "INSERT INTO multipart_uploads (upload_id, user_id, session_id, file_key, part_size, state, size, created_at, touched_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![u.upload_id, u.user_id, u.session_id, u.file_key, u.part_size, u.state.as_str(), u.size, created_at, now],
        )
        .await?;
        Ok(())
    }

    pub async fn upload(&self, upload_id: String) -> Result<Option<UploadRecord>, DbError> {
        count("upload");
        let mut db = self;
        db.optional(select_upload!("WHERE upload_id = $1"), args![upload_id])
            .await?
            .as_ref()
            .map(upload)
            .transpose()
    }

    /// A session's active uploads (a deleted session's are aborted).
    pub async fn session_uploads(&self, session_id: String) -> Result<Vec<UploadRecord>, DbError> {
        count("session_uploads");
        let mut db = self;
        uploads(
            db.rows(
                select_upload!("WHERE session_id = $1 AND state = 'active'"),
                args![session_id],
            )
            .await?,
        )
    }

    /// Records activity on an active upload (the stale-upload reaper spares it). At most
    /// one write a minute per upload: a 1 GiB upload signs its parts in about 20 calls,
    /// and the reaper counts in hours.
    pub async fn touch_upload(&self, upload_id: String, now: i64) -> Result<(), DbError> {
        count("touch_upload");
        let mut db = self;
        db.execute(
            "UPDATE multipart_uploads SET touched_at = $2
             WHERE upload_id = $1 AND state = 'active' AND (touched_at IS NULL OR touched_at < $2 - 60)",
            args![upload_id, now],
        )
        .await?;
        Ok(())
    }

    /// Moves an active upload to `state`; `false` when it was no longer active (another
    /// call or instance finished it first).
    pub async fn finish_upload(
        &self,
        upload_id: String,
        state: UploadState,
        size: Option<u64>,
    ) -> Result<bool, DbError> {
        count("finish_upload");
        let mut db = self;
        Ok(db
            .execute(
                "UPDATE multipart_uploads SET state = $2, size = COALESCE($3, size)
                 WHERE upload_id = $1 AND state = 'active'",
                args![upload_id, state.as_str(), size],
            )
            .await?
            == 1)
    }

    /// Active uploads untouched since `before` (Unix seconds), oldest first. Uploads
    /// from before activity was recorded are given `now` as their last activity.
    pub async fn stale_uploads(
        &self,
        before: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<UploadRecord>, DbError> {
        count("stale_uploads");
        let mut db = self;
        db.execute(
            "UPDATE multipart_uploads SET touched_at = $1 WHERE state = 'active' AND touched_at IS NULL",
            args![now],
        )
        .await?;
        uploads(
            db.rows(
                select_upload!(
                    "WHERE state = 'active' AND touched_at < $1 ORDER BY touched_at LIMIT $2"
                ),
                args![before, limit],
            )
            .await?,
        )
    }

    /// Takes the lease on housekeeping job `name` until `until` if it is free or
    /// expired (or `holder` has it): at most one instance sweeps at a time.
    pub async fn take_sweep(
        &self,
        name: &'static str,
        holder: String,
        now: i64,
        until: i64,
    ) -> Result<bool, DbError> {
        count("take_sweep");
        let mut db = self;
        Ok(db
            .execute(
                "INSERT INTO sweeps (name, holder, until_at) VALUES ($1, $2, $4)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
                 WHERE sweeps.until_at < $3 OR sweeps.holder = excluded.holder",
                args![name, holder, now, until],
            )
            .await?
            == 1)
    }

    /// Gives the lease back (when `holder` has it), so the next instance need not wait.
    pub async fn release_sweep(&self, name: &'static str, holder: String) -> Result<(), DbError> {
        count("release_sweep");
        let mut db = self;
        db.execute(
            "UPDATE sweeps SET until_at = 0 WHERE name = $1 AND holder = $2",
            args![name, holder],
        )
        .await?;
        Ok(())
    }

    /// The keys completed sessions (not deleted) and active uploads hold.
    pub async fn references(&self) -> Result<References, DbError> {
        count("references");
        let mut db = self;
        let mut refs = References::default();
        for r in db
            .rows(
                "SELECT completion FROM sessions WHERE completion IS NOT NULL AND deleted_at IS NULL",
                vec![],
            )
            .await?
        {
            let c = super::sessions::completion(&r.text(0)?)?;
            refs.completed.insert(c.video_file_key);
            refs.completed.extend(c.thumbnail_file_key);
        }
        for r in db
            .rows(
                "SELECT file_key FROM multipart_uploads WHERE state = 'active'",
                vec![],
            )
            .await?
        {
            refs.uploading.insert(r.text(0)?);
        }
        Ok(refs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_upload_state_is_corrupt_not_active() {
        assert_eq!(UploadState::parse("aborted").unwrap(), UploadState::Aborted);
        assert!(matches!(
            UploadState::parse("paused"),
            Err(DbError::Corrupt(_))
        ));
    }
}
