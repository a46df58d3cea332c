//! The original (Part A) flow end to end, on the embedded store and on Garage:
//! start → video URL → PUT → thumbnail URL → PUT → complete → download → compare → delete.

use idance_tests::{BACKENDS, TestServer, random_bytes};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn seed_flow_uploads_completes_downloads_and_deletes() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let token = srv.token("instructor_1");

        let start = srv
            .call_raw(
                Method::POST,
                "/api/sessions/start",
                Some(&token),
                Some(r#"{"title":"Salsa 101"}"#.into()),
            )
            .await;
        assert_eq!(
            start.status,
            StatusCode::CREATED,
            "{backend:?}: {}",
            start.json
        );
        assert_eq!(start.json["status"], "active");
        assert_eq!(start.json["user_id"], "instructor_1");
        assert!(start.json["started_at"].is_string());
        let session = start.str("session_id");

        let video = random_bytes(3 * 1024 * 1024 + 17);
        let v = srv
            .post("/api/s3/upload/video", &token, json!({"session_id": session, "file_extension": "mp4", "content_type": "video/mp4", "file_size_mb": 3.1}))
            .await;
        assert_eq!(v.status, StatusCode::OK, "{backend:?}: {}", v.json);
        let video_key = v.str("file_key");
        assert!(
            video_key.starts_with(&format!("sessions/instructor_1/{session}/"))
                && video_key.ends_with(".mp4")
        );
        assert_eq!(v.json["content_type"], "video/mp4");
        assert_eq!(v.json["expires_in"], 3600);
        assert!(v.str("file_url").ends_with(&video_key));

        // The content type is signed in: another one is refused by storage.
        // (Garage answers before reading the body and closes the connection: also a refusal.)
        let wrong = srv
            .http
            .put(v.str("upload_url"))
            .header("content-type", "video/webm")
            .body(video.clone())
            .send()
            .await;
        assert!(
            wrong.is_err() || wrong.is_ok_and(|r| r.status().is_client_error()),
            "{backend:?}: wrong content type accepted"
        );
        let put = srv
            .http
            .put(v.str("upload_url"))
            .header("content-type", "video/mp4")
            .body(video.clone())
            .send()
            .await
            .unwrap();
        assert!(
            put.status().is_success(),
            "{backend:?}: PUT {}",
            put.status()
        );

        let thumb = random_bytes(20_000);
        let t = srv
            .post(
                "/api/s3/upload/thumbnail",
                &token,
                json!({"session_id": session}),
            )
            .await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.json);
        let thumb_key = t.str("file_key");
        assert!(
            thumb_key.starts_with(&format!("thumbnails/instructor_1/{session}/"))
                && thumb_key.ends_with(".jpg")
        );
        let put = srv
            .http
            .put(t.str("upload_url"))
            .header("content-type", "image/jpeg")
            .body(thumb)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success());

        let body = json!({
            "sessionId": session, "endTime": "2026-11-26T09:00:00Z", "durationMinutes": 45, "caloriesBurned": 320,
            "videoURL": v.str("file_url"), "videoFileKey": video_key,
            "thumbnailURL": t.str("file_url"), "thumbnailFileKey": thumb_key,
        });
        let done = srv
            .post("/api/sessions/complete", &token, body.clone())
            .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.json);
        assert_eq!(done.json["status"], "completed");
        assert_eq!(done.json["video_file_key"], video_key.as_str());
        assert_eq!(done.json["thumbnail_file_key"], thumb_key.as_str());
        // Idempotent with the same body; 409 with another.
        let again = srv
            .post("/api/sessions/complete", &token, body.clone())
            .await;
        assert_eq!((again.status, &again.json), (StatusCode::OK, &done.json));
        let mut other = body.clone();
        other["durationMinutes"] = json!(50);
        srv.post("/api/sessions/complete", &token, other)
            .await
            .assert_error(409, "different completion");
        srv.post(
            "/api/s3/upload/video",
            &token,
            json!({"session_id": session}),
        )
        .await
        .assert_error(409, "upload to completed");

        let url = srv
            .call_raw(
                Method::GET,
                &format!("/api/s3/files/{video_key}/url"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(url.status, StatusCode::OK, "{}", url.json);
        assert_eq!(url.json["file_key"], video_key.as_str());
        let got = srv.http.get(url.str("download_url")).send().await.unwrap();
        assert!(got.status().is_success());
        assert_eq!(
            got.bytes().await.unwrap().as_ref(),
            video.as_slice(),
            "{backend:?}: downloaded bytes differ"
        );

        let del = srv
            .call_raw(
                Method::DELETE,
                &format!("/api/s3/files/{video_key}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(del.status, StatusCode::OK, "{}", del.json);
        assert_eq!(
            (del.json["deleted"].as_bool(), del.json["file_key"].as_str()),
            (Some(true), Some(video_key.as_str()))
        );
        assert!(
            !srv.keys().await.contains(&video_key),
            "{backend:?}: object still stored after delete"
        );
        srv.call_raw(
            Method::GET,
            &format!("/api/s3/files/{video_key}/url"),
            Some(&token),
            None,
        )
        .await
        .assert_error(404, "url of deleted file");
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn start_with_the_same_client_ref_returns_the_same_session() {
    let srv = TestServer::start(idance_tests::Backend::Local).await;
    let token = srv.token("u1");
    let a = srv
        .post(
            "/api/sessions/start",
            &token,
            json!({"client_ref": "local-42"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let b = srv
        .post(
            "/api/sessions/start",
            &token,
            json!({"client_ref": "local-42"}),
        )
        .await;
    assert_eq!(b.status, StatusCode::OK);
    assert_eq!(a.str("session_id"), b.str("session_id"));
    let c = srv
        .post(
            "/api/sessions/start",
            &srv.token("u2"),
            json!({"client_ref": "local-42"}),
        )
        .await;
    assert_ne!(
        c.str("session_id"),
        a.str("session_id"),
        "client_ref leaked across users"
    );
    srv.shutdown().await;
}
