//! Every refused call gets the contract's status and `{"detail","code"}`, and changes
//! nothing in storage.

use base64::Engine;
use idance_tests::{BACKENDS, TestServer, random_bytes};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let forged = idance_server::auth::Jwt::new(b"not the server secret")
        .issue("alice", std::time::Duration::from_secs(60))
        .unwrap();
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&format!(r#"{{"sub":"alice","exp":{}}}"#, exp + 600))
    );
    let expired = srv
        .handle
        .jwt
        .issue("alice", std::time::Duration::from_secs(0))
        .unwrap();
    let cases: [(&str, Option<&str>); 5] = [
        ("missing", None),
        ("garbage", Some("abc.def")),
        ("forged", Some(&forged)),
        ("alg none", Some(&none)),
        ("expired", Some(&expired)),
    ];
    // exp = now is inside the 5 s leeway: wait it out so "expired" really is.
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    for (what, token) in cases {
        srv.call_raw(Method::POST, "/api/sessions/start", token, None)
            .await
            .assert_error(401, what);
        srv.call_raw(
            Method::GET,
            "/api/s3/files/sessions/a/b/c.mp4/url",
            token,
            None,
        )
        .await
        .assert_error(401, what);
    }
    // capabilities needs no token
    assert_eq!(
        srv.call_raw(Method::GET, "/api/capabilities", None, None)
            .await
            .status,
        StatusCode::OK
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn refused_calls_get_the_documented_status_and_change_nothing() {
    for backend in BACKENDS {
        let srv = TestServer::start_with(
            backend,
            idance_tests::Options {
                max_upload_mb: Some(50),
                ..Default::default()
            },
        )
        .await;
        let alice = srv.token("alice");
        let bob = srv.token("bob");
        let a_session = srv.start_session(&alice).await;
        let b_session = srv.start_session(&bob).await;

        // Bob stores a video; Alice will try to reach it.
        let v = srv
            .post(
                "/api/s3/upload/video",
                &bob,
                json!({"session_id": b_session}),
            )
            .await;
        let bob_key = v.str("file_key");
        let put = srv
            .http
            .put(v.str("upload_url"))
            .header("content-type", "video/mp4")
            .body(random_bytes(4096))
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success());
        let mp = srv
            .post(
                "/api/s3/multipart/video",
                &bob,
                json!({"session_id": b_session}),
            )
            .await;
        let (bob_mp_key, bob_upload) = (mp.str("file_key"), mp.str("upload_id"));
        let a_mp = srv
            .post(
                "/api/s3/multipart/video",
                &alice,
                json!({"session_id": a_session}),
            )
            .await;
        let (a_key, a_upload) = (a_mp.str("file_key"), a_mp.str("upload_id"));
        let before = srv.keys().await;

        let unknown = "00000000-0000-4000-8000-000000000000";
        let own_missing = bob_key
            .replace("bob", "alice")
            .replace(&b_session, &a_session);
        let cases: Vec<(u16, &str, Method, String, Option<String>)> = vec![
            (403, "another user's session", Method::POST, "/api/s3/upload/video".into(), Some(json!({"session_id": b_session}).to_string())),
            (403, "another user's session (multipart)", Method::POST, "/api/s3/multipart/video".into(), Some(json!({"session_id": b_session}).to_string())),
            (404, "unknown session", Method::POST, "/api/s3/upload/thumbnail".into(), Some(json!({"session_id": unknown}).to_string())),
            (415, "wrong content type", Method::POST, "/api/s3/upload/video".into(), Some(json!({"session_id": a_session, "content_type": "application/x-msdownload"}).to_string())),
            (415, "extension and type disagree", Method::POST, "/api/s3/upload/video".into(), Some(json!({"session_id": a_session, "file_extension": "mov", "content_type": "video/mp4"}).to_string())),
            (415, "video type for a thumbnail", Method::POST, "/api/s3/upload/thumbnail".into(), Some(json!({"session_id": a_session, "content_type": "video/mp4"}).to_string())),
            (413, "oversized file_size_mb", Method::POST, "/api/s3/upload/video".into(), Some(json!({"session_id": a_session, "file_size_mb": 51}).to_string())),
            (413, "oversized file_size_bytes", Method::POST, "/api/s3/multipart/video".into(), Some(json!({"session_id": a_session, "file_size_bytes": 51u64 * 1024 * 1024}).to_string())),
            (400, "malformed JSON", Method::POST, "/api/s3/upload/video".into(), Some("{\"session_id\": ".into())),
            (400, "missing field", Method::POST, "/api/s3/upload/video".into(), Some("{}".into())),
            (400, "wrong field type", Method::POST, "/api/s3/upload/video".into(), Some(json!({"session_id": 5}).to_string())),
            (400, "malformed complete", Method::POST, "/api/sessions/complete".into(), Some(json!({"session_id": a_session}).to_string())),
            (400, "part number 0", Method::POST, "/api/s3/multipart/sign".into(), Some(json!({"file_key": a_key, "upload_id": a_upload, "parts": [{"part_number": 0}]}).to_string())),
            (400, "part number 10001", Method::POST, "/api/s3/multipart/sign".into(), Some(json!({"file_key": a_key, "upload_id": a_upload, "parts": [{"part_number": 10001}]}).to_string())),
            (400, "part number 0 at complete", Method::POST, "/api/s3/multipart/complete".into(), Some(json!({"file_key": a_key, "upload_id": a_upload, "parts": [{"part_number": 0, "etag": "x"}]}).to_string())),
            (400, "bad content_md5", Method::POST, "/api/s3/multipart/sign".into(), Some(json!({"file_key": a_key, "upload_id": a_upload, "parts": [{"part_number": 1, "content_md5": "zz"}]}).to_string())),
            (404, "unknown upload id", Method::POST, "/api/s3/multipart/parts".into(), Some(json!({"file_key": a_key, "upload_id": "not-issued"}).to_string())),
            (403, "another user's upload", Method::POST, "/api/s3/multipart/abort".into(), Some(json!({"file_key": bob_mp_key, "upload_id": bob_upload}).to_string())),
            (404, "upload id with another key", Method::POST, "/api/s3/multipart/sign".into(), Some(json!({"file_key": own_missing, "upload_id": a_upload, "parts": [{"part_number": 1}]}).to_string())),
            (400, "traversal in multipart key", Method::POST, "/api/s3/multipart/parts".into(), Some(json!({"file_key": "sessions/alice/../bob/x.mp4", "upload_id": a_upload}).to_string())),
            (403, "another user's key (delete)", Method::DELETE, format!("/api/s3/files/{bob_key}"), None),
            (403, "another user's key (url)", Method::GET, format!("/api/s3/files/{bob_key}/url"), None),
            (400, "encoded traversal (delete)", Method::DELETE, format!("/api/s3/files/sessions/alice/%2e%2e/bob/{b_session}/x.mp4"), None),
            (400, "encoded slash (url)", Method::GET, format!("/api/s3/files/{}/url", bob_key.replace("bob/", "bob%2F")), None),
            (400, "not a key (delete)", Method::DELETE, "/api/s3/files/etc/passwd".into(), None),
            (400, "not a key (url)", Method::GET, "/api/s3/files/sessions/alice/x/url".into(), None),
            (404, "own key, no object", Method::DELETE, format!("/api/s3/files/{own_missing}"), None),
            (403, "complete with a foreign key", Method::POST, "/api/sessions/complete".into(), Some(json!({"sessionId": a_session, "endTime": "2026-11-26T09:00:00Z", "durationMinutes": 1, "videoURL": "x", "videoFileKey": bob_key}).to_string())),
            (400, "complete with a traversal key", Method::POST, "/api/sessions/complete".into(), Some(json!({"sessionId": a_session, "endTime": "2026-11-26T09:00:00Z", "durationMinutes": 1, "videoURL": "x", "videoFileKey": "sessions/alice/../../x.mp4"}).to_string())),
            (404, "complete before upload", Method::POST, "/api/sessions/complete".into(), Some(json!({"sessionId": a_session, "endTime": "2026-11-26T09:00:00Z", "durationMinutes": 1, "videoURL": a_mp.str("file_url"), "videoFileKey": a_key}).to_string())),
            (400, "complete with a wrong URL", Method::POST, "/api/sessions/complete".into(), Some(json!({"sessionId": a_session, "endTime": "2026-11-26T09:00:00Z", "durationMinutes": 1, "videoURL": "https://evil.example/x.mp4", "videoFileKey": a_key}).to_string())),
            (400, "complete with a bad endTime", Method::POST, "/api/sessions/complete".into(), Some(json!({"sessionId": a_session, "endTime": "yesterday", "durationMinutes": 1, "videoURL": a_mp.str("file_url"), "videoFileKey": a_key}).to_string())),
            (404, "complete an unknown session", Method::POST, "/api/sessions/complete".into(), Some(json!({"sessionId": unknown, "endTime": "2026-11-26T09:00:00Z", "durationMinutes": 1, "videoURL": "x", "videoFileKey": a_key}).to_string())),
            (404, "unknown endpoint", Method::GET, "/api/nothing".into(), None),
        ];
        for (status, what, method, path, body) in cases {
            srv.call_raw(method, &path, Some(&alice), body)
                .await
                .assert_error(status, &format!("{backend:?}: {what}"));
        }
        assert_eq!(
            srv.keys().await,
            before,
            "{backend:?}: a refused call changed storage"
        );
        // Bob's upload is still usable and his session still open.
        let listed = srv
            .post(
                "/api/s3/multipart/parts",
                &bob,
                json!({"file_key": bob_mp_key, "upload_id": bob_upload}),
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
        assert_eq!(
            srv.post(
                "/api/s3/upload/thumbnail",
                &bob,
                json!({"session_id": b_session})
            )
            .await
            .status,
            StatusCode::OK
        );
        srv.shutdown().await;
    }
}
