//! Housekeeping with real storage (operations.md): the stale-upload reaper on SQLite and
//! on Postgres, `idance admin orphans` and `idance admin lifecycle` on Garage.

use idance_contract::FileKind;
use idance_core::JobState;
use idance_server::{Admin, Config};
use idance_tests::replicas::fresh_database;
use idance_tests::{Backend, Options, TestServer, client_with, make_video, random_bytes};
use serde_json::json;
use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

/// Makes an upload look idle since 1970, as the reaper sees it.
fn backdate(database_url: &str, upload_id: &str) {
    let sql =
        format!("UPDATE multipart_uploads SET touched_at = 0 WHERE upload_id = '{upload_id}'");
    let out = match database_url.strip_prefix("sqlite://") {
        Some(path) => {
            let conn = rusqlite::Connection::open(path).expect("open the server's database");
            conn.busy_timeout(Duration::from_secs(10)).unwrap();
            assert_eq!(conn.execute(&sql, []).unwrap(), 1, "one upload backdated");
            return;
        }
        None => Command::new("psql")
            .args([database_url, "-q", "-c", &sql])
            .output()
            .expect("psql runs"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_stale_upload_is_aborted_and_its_client_starts_a_new_one_and_completes() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("shared.db").display());
    for database_url in [sqlite, fresh_database().await] {
        let opts = Options {
            database_url: Some(database_url.clone()),
            jwt_secret: Some("shared-secret".into()),
            ..Options::default()
        };
        let a = TestServer::start_with(Backend::Garage, opts.clone()).await;
        let qdir = tempfile::tempdir().unwrap();
        let video = make_video(qdir.path(), "class.mp4", 20);
        let config = idance_core::UploaderConfig {
            workers: 1,
            max_outage: Duration::from_secs(60),
            max_bytes_per_sec: Some(4 * 1024 * 1024),
            ..Default::default()
        };
        let runner = client_with(&a, "teacher", qdir.path(), config);
        let q = runner.uploader.queue_handle();
        let s = q.create_session(None).await.unwrap();
        let job = q
            .enqueue(&s.local_id, &video, FileKind::Video, Some(60.0))
            .await
            .unwrap();
        // Part of it goes up, then the client stops (a laptop closed for a day).
        runner.sync(None, Duration::from_secs(3)).await.unwrap();
        let partial = q.job(job.job_id.clone()).await.unwrap();
        let first = partial.plan().expect("an open multipart upload").clone();
        assert!(
            a.stored_part_count(&first.file_key, &first.upload_id)
                .await
                .unwrap()
                > 0
        );

        backdate(&database_url, &first.upload_id);
        // Another instance on the same database sweeps when it starts.
        let b = TestServer::start_with(Backend::Garage, opts.clone()).await;
        let mut gone = false;
        for _ in 0..100 {
            if a.stored_part_count(&first.file_key, &first.upload_id).await
                == Err("NoSuchUpload".into())
            {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(gone, "{database_url}: the stale upload is still in storage");
        let refused = a
            .post(
                "/api/s3/multipart/sign",
                &a.token("teacher"),
                json!({"file_key": first.file_key, "upload_id": first.upload_id, "parts": [{"part_number": 9}]}),
            )
            .await;
        refused.assert_error(404, "signing for a reaped upload");

        let results = runner.sync(None, Duration::from_secs(120)).await.unwrap();
        let (done, _) = results
            .into_iter()
            .find(|(j, _)| j.job_id == job.job_id)
            .unwrap();
        assert_eq!(done.state, JobState::Completed, "{:?}", done.error);
        let (key, _) = done.stored().unwrap();
        assert_ne!(key, first.file_key, "a new upload, not the reaped one");
        a.assert_stored(&a.token("teacher"), key, &video, &database_url)
            .await;
        b.shutdown().await;
        a.shutdown().await;
    }
}

/// A server on the spare bucket (its listing holds only this test's objects).
async fn spare() -> TestServer {
    TestServer::start_with(
        Backend::Garage,
        Options {
            spare_bucket: true,
            ..Options::default()
        },
    )
    .await
}

/// Uploads `bytes` as a session's video through the API; completes the session if asked.
async fn upload_video(s: &TestServer, token: &str, complete: bool) -> String {
    let session = s.start_session(token).await;
    let v = s
        .post(
            "/api/s3/upload/video",
            token,
            json!({"session_id": session}),
        )
        .await;
    let put = s
        .http
        .put(v.str("upload_url"))
        .header("content-type", v.str("content_type"))
        .body(random_bytes(64 * 1024))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let key = v.str("file_key");
    if complete {
        let done = s
            .post(
                "/api/sessions/complete",
                token,
                json!({"sessionId": session, "endTime": "2026-12-02T08:00:00Z", "durationMinutes": 30.0,
                       "videoURL": v.str("file_url"), "videoFileKey": key}),
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.json);
    }
    key
}

/// The spare server's settings, for the admin side.
fn admin_config() -> Config {
    let v = |n: &str| std::env::var(n).unwrap();
    let vars: HashMap<String, String> = [
        ("S3_BUCKET_NAME", v("IDANCE_TEST_S3_SPARE_BUCKET")),
        ("S3_ENDPOINT_URL", v("IDANCE_TEST_S3_ENDPOINT")),
        ("AWS_REGION", v("IDANCE_TEST_S3_REGION")),
        ("AWS_ACCESS_KEY_ID", v("IDANCE_TEST_S3_ACCESS_KEY")),
        ("AWS_SECRET_ACCESS_KEY", v("IDANCE_TEST_S3_SECRET_KEY")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let dir = tempfile::tempdir().unwrap().keep();
    Config::from_vars(dir, "127.0.0.1:0".parse().unwrap(), &vars).unwrap()
}

#[tokio::test]
async fn orphans_older_than_the_grace_are_listed_and_delete_removes_exactly_those() {
    let s = spare().await;
    // Its own user: the spare bucket may hold objects of an earlier run of this test.
    let user = format!("orphans-{}", rand::random::<u32>());
    let token = s.token(&user);
    let referenced = upload_video(&s, &token, true).await;
    let orphan = upload_video(&s, &token, false).await;
    s.put_object("backups/old.tar", random_bytes(1024)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let young = upload_video(&s, &token, false).await;

    // The admin side reads the same database: point it at this server's.
    let mut config = admin_config();
    config.database = s.database();
    let admin = Admin::open(config).await.unwrap();
    let grace = Duration::from_secs(2);
    let listed: Vec<String> = admin
        .orphans(grace)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    let mine: Vec<&String> = listed
        .iter()
        .filter(|k| k.contains(&format!("/{user}/")))
        .collect();
    assert_eq!(
        mine,
        [&orphan],
        "only the old, unreferenced object under sessions/ or thumbnails/"
    );
    let before = s.keys().await;
    let deleted: Vec<String> = admin
        .delete(admin.orphans(grace).await.unwrap())
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(deleted, listed);
    let after = s.keys().await;
    let mut expected = before.clone();
    expected.retain(|k| !listed.contains(k));
    assert_eq!(after, expected, "exactly the listed objects are gone");
    assert!(after.contains(&referenced) && after.contains(&young));
    assert!(
        after.contains(&"backups/old.tar".to_string()),
        "another prefix is never touched"
    );
    admin.close().await;
    s.shutdown().await;
}

#[tokio::test]
async fn lifecycle_puts_the_abort_rule_and_says_what_a_store_refused() {
    let admin = Admin::open(admin_config()).await.unwrap();
    let report = admin.lifecycle(3, None).await.unwrap();
    assert_eq!(
        report.applied,
        [
            "idance-abort-incomplete-uploads (enabled), whole bucket, abort incomplete multipart uploads after 3 days"
        ]
    );
    assert!(report.dropped.is_empty(), "{:?}", report.dropped);
    // Garage keeps one storage class: it stores the rule without the transition, and
    // the report says what it dropped.
    let report = admin
        .lifecycle(3, Some((30, "GLACIER".into())))
        .await
        .unwrap();
    assert_eq!(
        report.dropped,
        ["the transition of idance-sessions-transition to another storage class"]
    );
    admin.close().await;
}
