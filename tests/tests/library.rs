//! The instructor's library over HTTP (library.md, Part D), on SQLite and on Postgres,
//! with Garage: pages, another user's sessions, rename, and a delete that removes the
//! objects — or, when storage fails, leaves the session listed.

use idance_tests::fault_proxy::FaultProxy;
use idance_tests::replicas::fresh_database;
use idance_tests::{Backend, Options, TestServer, random_bytes};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The two databases: SQLite (the default) and a new Postgres database.
async fn databases() -> Vec<(&'static str, Options)> {
    vec![
        ("sqlite", Options::default()),
        (
            "postgres",
            Options {
                database_url: Some(fresh_database().await),
                jwt_secret: Some("library-tests-secret-0123456789abcdef".into()),
                ..Default::default()
            },
        ),
    ]
}

/// A completed session with a video and a thumbnail; its id and the two keys.
async fn completed(srv: &TestServer, token: &str, title: &str) -> (String, String, String) {
    let start = srv
        .post("/api/sessions/start", token, json!({ "title": title }))
        .await;
    assert_eq!(start.status, StatusCode::CREATED, "{}", start.json);
    let id = start.str("session_id");
    let mut keys = Vec::new();
    let mut urls = Vec::new();
    for (path, body, ct) in [
        (
            "/api/s3/upload/video",
            json!({"session_id": id, "file_extension": "mp4", "content_type": "video/mp4", "file_size_mb": 1}),
            "video/mp4",
        ),
        (
            "/api/s3/upload/thumbnail",
            json!({"session_id": id}),
            "image/jpeg",
        ),
    ] {
        let a = srv.post(path, token, body).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        let put = srv
            .http
            .put(a.str("upload_url"))
            .header("content-type", ct)
            .body(random_bytes(100_000))
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "PUT {}", put.status());
        keys.push(a.str("file_key"));
        urls.push(a.str("file_url"));
    }
    let done = srv
        .post(
            "/api/sessions/complete",
            token,
            json!({"sessionId": id, "endTime": "2026-12-04T09:00:00Z", "durationMinutes": 45,
                   "videoURL": urls[0], "videoFileKey": keys[0],
                   "thumbnailURL": urls[1], "thumbnailFileKey": keys[1]}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(done.json["size_bytes"], 100_000);
    (id, keys.remove(0), keys.remove(0))
}

/// Every session id of the user's library, walking the pages `limit` at a time.
async fn library(srv: &TestServer, token: &str, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/sessions?{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let a = srv.call_raw(Method::GET, &path, Some(token), None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        for s in a.json["sessions"].as_array().unwrap() {
            ids.push(s["session_id"].as_str().unwrap().to_string());
        }
        match a.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
}

async fn get(srv: &TestServer, token: &str, id: &str) -> (StatusCode, Value) {
    let a = srv
        .call_raw(
            Method::GET,
            &format!("/api/sessions/{id}"),
            Some(token),
            None,
        )
        .await;
    (a.status, a.json)
}

async fn delete(srv: &TestServer, token: &str, id: &str) -> StatusCode {
    srv.call_raw(
        Method::DELETE,
        &format!("/api/sessions/{id}"),
        Some(token),
        None,
    )
    .await
    .status
}

#[tokio::test]
async fn the_library_lists_renames_and_deletes_a_users_own_sessions() {
    for (db, opts) in databases().await {
        let srv = TestServer::start_with(Backend::Garage, opts).await;
        let (alice, bob) = (srv.token("alice"), srv.token("bob"));
        let (done, video, thumb) = completed(&srv, &alice, "Salsa").await;
        let active = srv.start_session(&alice).await;
        let bobs = srv.start_session(&bob).await;

        // Newest first; the status filter; capabilities announce it.
        assert_eq!(
            library(&srv, &alice, "limit=1").await,
            vec![active.clone(), done.clone()],
            "{db}"
        );
        assert_eq!(
            library(&srv, &alice, "status=completed").await,
            vec![done.clone()],
            "{db}"
        );
        assert_eq!(library(&srv, &bob, "").await, vec![bobs.clone()], "{db}");
        let caps = srv
            .call_raw(Method::GET, "/api/capabilities", None, None)
            .await;
        assert_eq!(caps.json["library"], true);
        for bad in [
            "limit=0",
            "limit=201",
            "status=deleted",
            "cursor=bm90LW91cnM",
        ] {
            srv.call_raw(
                Method::GET,
                &format!("/api/sessions?{bad}"),
                Some(&alice),
                None,
            )
            .await
            .assert_error(400, bad);
        }

        // Another user's session is not there, whatever is asked of it.
        let (status, _) = get(&srv, &bob, &done).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db}: GET of another's");
        srv.call_raw(
            Method::PATCH,
            &format!("/api/sessions/{done}"),
            Some(&bob),
            Some(json!({"title": "Mine now"}).to_string()),
        )
        .await
        .assert_error(404, "PATCH of another's");
        assert_eq!(
            delete(&srv, &bob, &done).await,
            StatusCode::NOT_FOUND,
            "{db}: DELETE of another's"
        );
        let (_, s) = get(&srv, &alice, &done).await;
        assert_eq!(s["title"], "Salsa", "{db}");
        assert!(
            srv.keys().await.contains(&video),
            "{db}: another user's DELETE removed the video"
        );

        // Rename and calories; nothing else may be patched.
        let patched = srv
            .call_raw(
                Method::PATCH,
                &format!("/api/sessions/{done}"),
                Some(&alice),
                Some(json!({"title": "Salsa, week 2", "caloriesBurned": 310}).to_string()),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{db}: {}", patched.json);
        assert_eq!(
            (
                patched.json["title"].clone(),
                patched.json["calories_burned"].clone()
            ),
            (json!("Salsa, week 2"), json!(310.0))
        );
        for bad in [
            json!({"status": "active"}),
            json!({"title": ""}),
            json!({"title": "x".repeat(121)}),
            json!({"caloriesBurned": -1}),
        ] {
            srv.call_raw(
                Method::PATCH,
                &format!("/api/sessions/{done}"),
                Some(&alice),
                Some(bad.to_string()),
            )
            .await
            .assert_error(400, &bad.to_string());
        }

        // Delete: both objects go, the session is gone from every answer, a repeat is 204.
        assert_eq!(
            delete(&srv, &alice, &done).await,
            StatusCode::NO_CONTENT,
            "{db}"
        );
        let keys = srv.keys().await;
        assert!(
            !keys.contains(&video) && !keys.contains(&thumb),
            "{db}: {keys:?}"
        );
        assert_eq!(
            library(&srv, &alice, "").await,
            vec![active.clone()],
            "{db}"
        );
        assert_eq!(
            get(&srv, &alice, &done).await.0,
            StatusCode::NOT_FOUND,
            "{db}"
        );
        assert_eq!(
            delete(&srv, &alice, &done).await,
            StatusCode::NO_CONTENT,
            "{db}: repeat"
        );
        srv.post("/api/s3/upload/video", &alice, json!({"session_id": done, "file_extension": "mp4", "content_type": "video/mp4", "file_size_mb": 1}))
            .await
            .assert_error(404, "an upload to a deleted session");
        srv.shutdown().await;
    }
}

/// Bug guard: a deleted session's client_ref must not start it again, nor a new one.
#[tokio::test]
async fn a_deleted_sessions_client_ref_is_never_reused() {
    for (db, opts) in databases().await {
        let srv = TestServer::start_with(Backend::Garage, opts).await;
        let token = srv.token("alice");
        let body = json!({"client_ref": "laptop-job-1"});
        let first = srv.post("/api/sessions/start", &token, body.clone()).await;
        let id = first.str("session_id");
        assert_eq!(
            delete(&srv, &token, &id).await,
            StatusCode::NO_CONTENT,
            "{db}"
        );
        srv.post("/api/sessions/start", &token, body)
            .await
            .assert_error(404, "a start with a deleted session's client_ref");
        assert!(library(&srv, &token, "").await.is_empty(), "{db}");
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn a_storage_failure_during_delete_leaves_the_session_listed() {
    for (db, mut opts) in databases().await {
        let proxy = FaultProxy::start(idance_tests::garage_addr()).await;
        opts.storage_endpoint = Some(proxy.url.clone());
        let srv = TestServer::start_with(Backend::Garage, opts).await;
        let token = srv.token("alice");
        let (id, video, _) = completed(&srv, &token, "Zumba").await;
        proxy.set(|f| f.down = true);
        let failed = srv
            .call_raw(
                Method::DELETE,
                &format!("/api/sessions/{id}"),
                Some(&token),
                None,
            )
            .await;
        failed.assert_error(502, "a delete while storage is down");
        assert_eq!(
            library(&srv, &token, "").await,
            vec![id.clone()],
            "{db}: no longer listed"
        );
        assert!(srv.keys().await.contains(&video), "{db}");
        proxy.set(|f| f.calm());
        assert_eq!(
            delete(&srv, &token, &id).await,
            StatusCode::NO_CONTENT,
            "{db}: the retry"
        );
        assert!(!srv.keys().await.contains(&video), "{db}");
        assert!(library(&srv, &token, "").await.is_empty(), "{db}");
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn two_replicas_deleting_one_session_at_once_both_answer_204() {
    let opts = Options {
        database_url: Some(fresh_database().await),
        jwt_secret: Some("library-replicas-secret-0123456789".into()),
        ..Default::default()
    };
    let a = TestServer::start_with(Backend::Garage, opts.clone()).await;
    let b = TestServer::start_with(Backend::Garage, opts).await;
    let token = a.token("alice");
    for _ in 0..3 {
        let (id, video, thumb) = completed(&a, &token, "Pilates").await;
        let (ra, rb) = tokio::join!(delete(&a, &token, &id), delete(&b, &token, &id));
        assert_eq!((ra, rb), (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT));
        let keys = a.keys().await;
        assert!(!keys.contains(&video) && !keys.contains(&thumb), "{keys:?}");
        assert!(library(&b, &token, "").await.is_empty());
    }
    a.shutdown().await;
    b.shutdown().await;
}
