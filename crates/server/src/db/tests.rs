//! Each rule is checked on SQLite and on Postgres (a fresh database per test on the
//! server `scripts/postgres-start` runs; `scripts/test` starts it).

use super::*;
use idance_contract::wire::{CompleteSessionRequest, Session, SessionStatus};
use std::collections::HashSet;

impl Started {
    /// The session, and whether this start made it.
    fn pair(self) -> (Session, bool) {
        match self {
            Started::New(s) => (s, true),
            Started::Existing(s) => (s, false),
            Started::Deleted => panic!("the session was deleted"),
        }
    }
}

/// A new, empty Postgres database on the test server.
pub(crate) async fn fresh_postgres() -> String {
    let admin = std::env::var("IDANCE_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("IDANCE_TEST_DATABASE_URL is not set: these tests need Postgres; run scripts/test, or scripts/postgres-start DIR and source DIR/env")
    });
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .expect("the test Postgres answers");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let (base, _) = admin.rsplit_once('/').expect("the URL names a database");
    format!("{base}/{name}")
}

/// Both databases, each new: the SQLite one lives as long as the returned folder.
async fn both() -> Vec<(Db, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::open(&DatabaseConfig::Sqlite(dir.path().join("db/sessions.db")))
        .await
        .unwrap();
    let pg = Db::open(&DatabaseConfig::Postgres(fresh_postgres().await))
        .await
        .unwrap();
    vec![(sqlite, Some(dir)), (pg, None)]
}

fn name(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "sqlite",
        Db::Postgres(_) => "postgres",
    }
}

#[tokio::test]
async fn the_app_and_serve_opening_a_new_database_together_both_start() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server/sessions.db");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || sqlite::SqliteDb::open(&path).map(|_| ()))
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_on_an_empty_postgres_migrate_once() {
    // The race is in the first instant of an empty database: try it on several.
    for _ in 0..3 {
        let url = fresh_postgres().await;
        let opens: Vec<_> = (0..8)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(
                    async move { Db::open(&DatabaseConfig::Postgres(url)).await.map(|_| ()) },
                )
            })
            .collect();
        for o in opens {
            o.await.unwrap().expect("every instance starts");
        }
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM idance_migrations ORDER BY version")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(versions, (1..=MIGRATIONS.len() as i64).collect::<Vec<_>>());
    }
}

fn complete_req(session_id: &str, minutes: f64) -> CompleteSessionRequest {
    CompleteSessionRequest {
        session_id: session_id.into(),
        end_time: "2026-11-26T08:00:00Z".into(),
        duration_minutes: minutes,
        calories_burned: Some(120.0),
        video_url: "http://x/v".into(),
        video_file_key: "k".into(),
        thumbnail_url: None,
        thumbnail_file_key: Some("t".into()),
    }
}

#[tokio::test]
async fn client_ref_returns_the_same_session_even_when_raced() {
    for (db, _dir) in both().await {
        let (a, created) = db
            .start_session(
                "u".into(),
                Some("Salsa".into()),
                Some("ref-1".into()),
                "s1".into(),
                "t".into(),
            )
            .await
            .unwrap()
            .pair();
        assert!(created, "{}", name(&db));
        let (b, created) = db
            .start_session(
                "u".into(),
                None,
                Some("ref-1".into()),
                "s2".into(),
                "t".into(),
            )
            .await
            .unwrap()
            .pair();
        assert!(!created && a == b, "{}", name(&db));
        // another user may use the same client_ref
        let (c, created) = db
            .start_session(
                "v".into(),
                None,
                Some("ref-1".into()),
                "s3".into(),
                "t".into(),
            )
            .await
            .unwrap()
            .pair();
        assert!(created && c.session_id == "s3", "{}", name(&db));
        // Eight starts at once with one ref: one session, the same for all.
        let starts: Vec<_> = (0..8)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.start_session(
                        "w".into(),
                        None,
                        Some("race".into()),
                        format!("r{i}"),
                        "t".into(),
                    )
                    .await
                    .unwrap()
                })
            })
            .collect();
        let mut ids = HashSet::new();
        let mut created = 0;
        for s in starts {
            let (s, c) = s.await.unwrap().pair();
            ids.insert(s.session_id);
            created += usize::from(c);
        }
        assert_eq!((ids.len(), created), (1, 1), "{}", name(&db));
    }
}

#[tokio::test]
async fn sessions_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let config = DatabaseConfig::Sqlite(dir.path().join("s.db"));
    let db = Db::open(&config).await.unwrap();
    db.start_session(
        "u".into(),
        Some("Salsa".into()),
        None,
        "s1".into(),
        "t".into(),
    )
    .await
    .unwrap();
    drop(db);
    let db = Db::open(&config).await.unwrap();
    let s = db.session("s1".into()).await.unwrap().unwrap();
    assert_eq!(s.title.as_deref(), Some("Salsa"));
}

#[tokio::test]
async fn completion_is_idempotent_and_conflicts_on_a_different_body() {
    for (db, _dir) in both().await {
        db.start_session("u".into(), None, None, "s1".into(), "t".into())
            .await
            .unwrap();
        let Completion::Done(s) = db
            .complete_session(complete_req("s1", 3.0), "now".into(), None)
            .await
            .unwrap()
        else {
            panic!("first completion not done on {}", name(&db))
        };
        assert_eq!(s.status, SessionStatus::Completed);
        assert_eq!(s.calories_burned, Some(120.0));
        assert!(matches!(
            db.complete_session(complete_req("s1", 3.0), "later".into(), None).await.unwrap(),
            Completion::Repeat(r) if r == s
        ));
        assert!(matches!(
            db.complete_session(complete_req("s1", 4.0), "later".into(), None)
                .await
                .unwrap(),
            Completion::Conflict
        ));
        // Racing completions with one body: exactly one is done, the rest repeat it.
        db.start_session("u".into(), None, None, "s2".into(), "t".into())
            .await
            .unwrap();
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.complete_session(complete_req("s2", 5.0), "now".into(), None)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let (mut done, mut repeat) = (0, 0);
        for c in calls {
            match c.await.unwrap() {
                Completion::Done(_) => done += 1,
                Completion::Repeat(_) => repeat += 1,
                Completion::Conflict | Completion::Gone => {
                    panic!("a same-body race conflicted on {}", name(&db))
                }
            }
        }
        assert_eq!((done, repeat), (1, 7), "{}", name(&db));
    }
}

fn upload(id: &str, key: &str) -> UploadRecord {
    UploadRecord {
        upload_id: id.into(),
        user_id: "u".into(),
        session_id: "s1".into(),
        file_key: key.into(),
        part_size: 8 << 30, // over 32 bits
        state: UploadState::Active,
        size: None,
    }
}

#[tokio::test]
async fn an_upload_finishes_once_and_goes_stale_without_activity() {
    for (db, _dir) in both().await {
        let n = name(&db);
        db.start_session("u".into(), None, None, "s1".into(), "t".into())
            .await
            .unwrap();
        db.insert_upload(upload("a", "ka"), "t".into(), 100)
            .await
            .unwrap();
        db.insert_upload(upload("b", "kb"), "t".into(), 100)
            .await
            .unwrap();
        assert_eq!(
            db.upload("a".into()).await.unwrap().unwrap().part_size,
            8 << 30
        );
        db.touch_upload("b".into(), 500).await.unwrap();
        // Within a minute of the last write: not written (still 100, so stale before 120).
        db.touch_upload("a".into(), 150).await.unwrap();
        let stale = db.stale_uploads(120, 600, 10).await.unwrap();
        assert_eq!(
            stale
                .iter()
                .map(|u| u.upload_id.as_str())
                .collect::<Vec<_>>(),
            ["a"],
            "{n}"
        );
        let stale = db.stale_uploads(200, 600, 10).await.unwrap();
        assert_eq!(
            stale
                .iter()
                .map(|u| u.upload_id.as_str())
                .collect::<Vec<_>>(),
            ["a"],
            "{n}"
        );
        let refs = db.references().await.unwrap();
        assert_eq!(
            refs.uploading,
            HashSet::from(["ka".into(), "kb".into()]),
            "{n}"
        );

        assert!(
            db.finish_upload("a".into(), UploadState::Completed, Some(7))
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            !db.finish_upload("a".into(), UploadState::Aborted, None)
                .await
                .unwrap(),
            "{n}"
        );
        let a = db.upload("a".into()).await.unwrap().unwrap();
        assert_eq!((a.state, a.size), (UploadState::Completed, Some(7)), "{n}");
        assert!(
            db.stale_uploads(1000, 1000, 10)
                .await
                .unwrap()
                .iter()
                .all(|u| u.upload_id == "b")
        );

        db.complete_session(complete_req("s1", 1.0), "now".into(), None)
            .await
            .unwrap();
        let refs = db.references().await.unwrap();
        assert_eq!(
            refs.completed,
            HashSet::from(["k".into(), "t".into()]),
            "{n}"
        );
        assert_eq!(refs.uploading, HashSet::from(["kb".into()]), "{n}");
    }
}

#[tokio::test]
async fn one_holder_has_a_sweep_until_its_lease_ends() {
    for (db, _dir) in both().await {
        let n = name(&db);
        assert!(
            db.take_sweep("reaper", "one".into(), 100, 160)
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            !db.take_sweep("reaper", "two".into(), 120, 180)
                .await
                .unwrap(),
            "{n}"
        );
        assert!(
            db.take_sweep("reaper", "one".into(), 130, 190)
                .await
                .unwrap(),
            "{n}: renewal"
        );
        assert!(
            db.take_sweep("reaper", "two".into(), 200, 260)
                .await
                .unwrap(),
            "{n}: expired"
        );
        assert!(
            db.take_sweep("orphans", "one".into(), 200, 260)
                .await
                .unwrap(),
            "{n}"
        );
        db.release_sweep("reaper", "one".into()).await.unwrap();
        assert!(
            !db.take_sweep("reaper", "one".into(), 210, 270)
                .await
                .unwrap(),
            "{n}: only its holder releases"
        );
        db.release_sweep("reaper", "two".into()).await.unwrap();
        assert!(
            db.take_sweep("reaper", "one".into(), 210, 270)
                .await
                .unwrap(),
            "{n}: released"
        );
    }
}

fn user(email: &str) -> UserRecord {
    UserRecord {
        user_id: format!("u_{}", uuid::Uuid::new_v4().simple()),
        email: email.to_string(),
        name: "Ana".into(),
        password_hash: "$argon2id$v=19$stub".into(),
        disabled: false,
        created_at: "2026-12-02T08:00:00Z".into(),
    }
}

#[tokio::test]
async fn emails_are_unique_whatever_their_case_and_disabling_revokes_every_sign_in() {
    for (db, _dir) in both().await {
        let ana = user("Ana@Studio.example");
        assert!(db.create_user(ana.clone()).await.unwrap(), "{}", name(&db));
        assert!(
            !db.create_user(user("ana@studio.EXAMPLE")).await.unwrap(),
            "{}: the same email in another case",
            name(&db)
        );
        let found = db
            .user_by_email(" ANA@studio.example".into())
            .await
            .unwrap();
        assert_eq!(found.as_ref(), Some(&ana), "{}", name(&db));
        assert_eq!(
            db.user(ana.user_id.clone()).await.unwrap(),
            Some(ana.clone())
        );
        assert!(db.create_user(user("ben@studio.example")).await.unwrap());
        let emails: Vec<String> = db
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.email)
            .collect();
        assert_eq!(
            emails,
            ["Ana@Studio.example", "ben@studio.example"],
            "{}",
            name(&db)
        );

        db.start_family(
            "f1".into(),
            ana.user_id.clone(),
            Some("laptop".into()),
            "t1".into(),
            2000,
            1000,
        )
        .await
        .unwrap();
        db.start_family(
            "f2".into(),
            ana.user_id.clone(),
            None,
            "t2".into(),
            2000,
            1000,
        )
        .await
        .unwrap();
        let id = db
            .set_disabled("ana@studio.example".into(), true, 1001)
            .await
            .unwrap();
        assert_eq!(id.as_deref(), Some(ana.user_id.as_str()));
        assert!(
            db.user(ana.user_id.clone())
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        for t in ["t1", "t2"] {
            assert_eq!(
                db.spend_refresh(t.into(), 1002).await.unwrap(),
                Spend::Invalid,
                "{}: {t} after disable",
                name(&db)
            );
        }
        db.set_disabled("ana@studio.example".into(), false, 1003)
            .await
            .unwrap();
        assert!(
            !db.user(ana.user_id.clone())
                .await
                .unwrap()
                .unwrap()
                .disabled
        );
        assert_eq!(
            db.set_disabled("nobody@x".into(), true, 1).await.unwrap(),
            None
        );

        // A new password revokes too.
        db.start_family(
            "f3".into(),
            ana.user_id.clone(),
            None,
            "t3".into(),
            2000,
            1004,
        )
        .await
        .unwrap();
        db.set_password("ANA@studio.example".into(), "new-hash".into(), 1005)
            .await
            .unwrap();
        assert_eq!(
            db.spend_refresh("t3".into(), 1006).await.unwrap(),
            Spend::Invalid
        );
        let ana = db.user(ana.user_id.clone()).await.unwrap().unwrap();
        assert_eq!(ana.password_hash, "new-hash");
    }
}

#[tokio::test]
async fn a_refresh_token_is_spent_once_and_a_reuse_revokes_its_whole_sign_in() {
    for (db, _dir) in both().await {
        let ana = user("ana@studio.example");
        db.create_user(ana.clone()).await.unwrap();
        db.start_family(
            "f".into(),
            ana.user_id.clone(),
            None,
            "t1".into(),
            2000,
            1000,
        )
        .await
        .unwrap();
        let fresh = db.spend_refresh("t1".into(), 1001).await.unwrap();
        assert_eq!(
            fresh,
            Spend::Fresh {
                user_id: ana.user_id.clone(),
                family_id: "f".into()
            },
            "{}",
            name(&db)
        );
        db.add_refresh("t2".into(), "f".into(), 3000).await.unwrap();
        // The spent token again: a stolen copy. The family dies, the newer token too.
        assert_eq!(
            db.spend_refresh("t1".into(), 1002).await.unwrap(),
            Spend::Reused
        );
        assert_eq!(
            db.spend_refresh("t2".into(), 1003).await.unwrap(),
            Spend::Invalid
        );
        // A token added after the revocation (a refresh racing the reuse) is born dead.
        db.add_refresh("t3".into(), "f".into(), 3000).await.unwrap();
        assert_eq!(
            db.spend_refresh("t3".into(), 1004).await.unwrap(),
            Spend::Invalid
        );
        assert_eq!(
            db.spend_refresh("nope".into(), 1004).await.unwrap(),
            Spend::Invalid
        );

        // Expiry, and logout.
        db.start_family(
            "g".into(),
            ana.user_id.clone(),
            None,
            "e1".into(),
            1100,
            1000,
        )
        .await
        .unwrap();
        assert_eq!(
            db.spend_refresh("e1".into(), 1100).await.unwrap(),
            Spend::Invalid
        );
        db.start_family(
            "h".into(),
            ana.user_id.clone(),
            None,
            "l1".into(),
            5000,
            1000,
        )
        .await
        .unwrap();
        assert!(db.revoke_sign_in("l1".into(), 1200).await.unwrap());
        assert!(!db.revoke_sign_in("l1".into(), 1201).await.unwrap(), "once");
        assert!(!db.revoke_sign_in("unknown".into(), 1201).await.unwrap());
        assert_eq!(
            db.spend_refresh("l1".into(), 1202).await.unwrap(),
            Spend::Invalid
        );
    }
}

#[tokio::test]
async fn the_same_refresh_token_spent_at_once_by_two_callers_is_spent_by_one() {
    for (db, _dir) in both().await {
        let ana = user("ana@studio.example");
        db.create_user(ana.clone()).await.unwrap();
        for round in 0..10 {
            let token = format!("r{round}");
            db.start_family(
                format!("fam{round}"),
                ana.user_id.clone(),
                None,
                token.clone(),
                9000,
                1000,
            )
            .await
            .unwrap();
            let (a, b) = tokio::join!(
                db.spend_refresh(token.clone(), 1001),
                db.spend_refresh(token.clone(), 1001)
            );
            let fresh = [a.unwrap(), b.unwrap()]
                .iter()
                .filter(|s| matches!(s, Spend::Fresh { .. }))
                .count();
            assert_eq!(fresh, 1, "{} round {round}", name(&db));
        }
    }
}

#[tokio::test]
async fn failed_sign_ins_are_counted_per_scope_within_the_window() {
    for (db, _dir) in both().await {
        for at in [100, 200, 300] {
            db.add_failure(vec!["email:a@x".into(), "addr:10.0.0.1".into()], at)
                .await
                .unwrap();
        }
        db.add_failure(vec!["email:b@x".into(), "addr:10.0.0.1".into()], 400)
            .await
            .unwrap();
        assert_eq!(
            db.failures("email:a@x".into(), 0).await.unwrap(),
            (3, Some(100))
        );
        assert_eq!(
            db.failures("email:a@x".into(), 150).await.unwrap(),
            (2, Some(200))
        );
        assert_eq!(
            db.failures("addr:10.0.0.1".into(), 0).await.unwrap(),
            (4, Some(100))
        );
        assert_eq!(db.failures("email:c@x".into(), 0).await.unwrap(), (0, None));
        db.clear_failures("email:a@x".into()).await.unwrap();
        assert_eq!(
            db.failures("email:a@x".into(), 0).await.unwrap().0,
            0,
            "{}",
            name(&db)
        );
        assert_eq!(
            db.failures("addr:10.0.0.1".into(), 0).await.unwrap().0,
            4,
            "others stay"
        );
        assert_eq!(db.prune_failures(300).await.unwrap(), 3);
        assert_eq!(
            db.failures("addr:10.0.0.1".into(), 0).await.unwrap(),
            (1, Some(400))
        );
    }
}

/// library.md: a keyset walk meets every session once, newest first, while sessions
/// are started between its pages (some in the same millisecond as the page's last).
#[tokio::test]
async fn the_library_walks_every_session_once_with_starts_between_pages() {
    for (db, _dir) in both().await {
        let at = |i: usize| format!("2026-12-04T10:00:{:02}.000Z", i / 2);
        for i in 0..21 {
            db.start_session("u".into(), None, None, format!("s{i:02}"), at(i))
                .await
                .unwrap();
        }
        db.start_session("other".into(), None, None, "x".into(), at(5))
            .await
            .unwrap();
        let (mut seen, mut after, mut extra) = (Vec::new(), None, 0);
        loop {
            let page = db
                .library("u".into(), None, after.clone(), 4)
                .await
                .unwrap();
            seen.extend(page.sessions.iter().map(|s| s.session_id.clone()));
            let Some(last) = page.sessions.last().filter(|_| page.more) else {
                break;
            };
            after = Some((last.started_at.clone(), last.session_id.clone()));
            // A newer session, and one at the same instant as the page's last.
            for started_at in [
                "2026-12-04T11:00:00.000Z".to_string(),
                last.started_at.clone(),
            ] {
                extra += 1;
                db.start_session("u".into(), None, None, format!("n{extra:02}"), started_at)
                    .await
                    .unwrap();
            }
        }
        let old: Vec<_> = seen
            .iter()
            .filter(|id| id.starts_with('s'))
            .cloned()
            .collect();
        let want: Vec<_> = (0..21).rev().map(|i| format!("s{i:02}")).collect();
        assert_eq!(
            old,
            want,
            "{}: every old session once, newest first",
            name(&db)
        );
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{}: {seen:?}", name(&db));
    }
}

#[tokio::test]
async fn a_deleted_session_is_not_listed_nor_started_again_and_can_be_restored() {
    for (db, _dir) in both().await {
        let n = name(&db);
        for id in ["a", "b"] {
            db.start_session(
                "u".into(),
                None,
                Some(format!("ref-{id}")),
                id.into(),
                "t".into(),
            )
            .await
            .unwrap();
        }
        assert!(
            matches!(
                db.mark_deleted("a".into(), "v".into(), "t1".into())
                    .await
                    .unwrap(),
                Deletion::Missing
            ),
            "{n}: another user's"
        );
        assert!(
            matches!(
                db.mark_deleted("a".into(), "u".into(), "t1".into())
                    .await
                    .unwrap(),
                Deletion::Marked(_)
            ),
            "{n}"
        );
        assert!(
            matches!(
                db.mark_deleted("a".into(), "u".into(), "t2".into())
                    .await
                    .unwrap(),
                Deletion::Already(_)
            ),
            "{n}"
        );
        let listed = db
            .library("u".into(), None, None, 10)
            .await
            .unwrap()
            .sessions;
        assert_eq!(listed.len(), 1, "{n}");
        assert!(db.session("a".into()).await.unwrap().is_none(), "{n}");
        assert!(
            db.update_session("a".into(), "u".into(), Some("x".into()), None)
                .await
                .unwrap()
                .is_none(),
            "{n}"
        );
        assert!(
            matches!(
                db.start_session(
                    "u".into(),
                    None,
                    Some("ref-a".into()),
                    "a2".into(),
                    "t".into()
                )
                .await
                .unwrap(),
                Started::Deleted
            ),
            "{n}"
        );
        // Only the mark that was made is taken back.
        assert!(
            !db.unmark_deleted("a".into(), "t2".into()).await.unwrap(),
            "{n}"
        );
        assert!(
            db.unmark_deleted("a".into(), "t1".into()).await.unwrap(),
            "{n}"
        );
        assert!(db.session("a".into()).await.unwrap().is_some(), "{n}");
    }
}

/// Bug: an upload state the program did not know was read as `active` (and then
/// signed for, or aborted by the reaper). Unknown stored values are an error.
#[tokio::test]
async fn an_unknown_stored_state_is_an_error_not_a_guess() {
    for (db, _dir) in both().await {
        let n = name(&db);
        db.start_session("u".into(), None, None, "s1".into(), "t".into())
            .await
            .unwrap();
        db.insert_upload(upload("up1", "k"), "t".into(), 0)
            .await
            .unwrap();
        let mut raw = &db;
        raw.execute("UPDATE multipart_uploads SET state = 'paused'", vec![])
            .await
            .unwrap();
        raw.execute("UPDATE sessions SET status = 'archived'", vec![])
            .await
            .unwrap();
        assert!(
            matches!(db.upload("up1".into()).await, Err(DbError::Corrupt(_))),
            "{n}"
        );
        assert!(
            matches!(db.session("s1".into()).await, Err(DbError::Corrupt(_))),
            "{n}"
        );
    }
}
