//! Presigned URLs really expire: a late PUT is refused (AWS and the embedded store
//! answer 403, Garage 400) and nothing is stored.

use idance_tests::{BACKENDS, Options, TestServer, random_bytes};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn expired_presigned_urls_are_refused() {
    for backend in BACKENDS {
        let srv = TestServer::start_with(
            backend,
            Options {
                presign_expires_secs: Some(1),
                ..Default::default()
            },
        )
        .await;
        let token = srv.token("late_user");
        let session = srv.start_session(&token).await;
        let v = srv
            .post(
                "/api/s3/upload/video",
                &token,
                json!({"session_id": session}),
            )
            .await;
        assert_eq!(v.json["expires_in"], 1);
        let c = srv
            .post(
                "/api/s3/multipart/video",
                &token,
                json!({"session_id": session}),
            )
            .await;
        let s = srv
            .post("/api/s3/multipart/sign", &token, json!({"file_key": c.str("file_key"), "upload_id": c.str("upload_id"), "parts": [{"part_number": 1}]}))
            .await;
        let part_url = s.json["parts"][0]["url"].as_str().unwrap().to_string();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let put = srv
            .http
            .put(v.str("upload_url"))
            .header("content-type", "video/mp4")
            .body(random_bytes(1024))
            .send()
            .await
            .unwrap();
        let expected = if backend == idance_tests::Backend::Garage {
            400
        } else {
            403
        };
        assert_eq!(put.status().as_u16(), expected, "{backend:?}: expired PUT");
        let part = srv
            .http
            .put(&part_url)
            .body(random_bytes(1024))
            .send()
            .await
            .unwrap();
        assert_eq!(
            part.status().as_u16(),
            expected,
            "{backend:?}: expired part PUT"
        );
        assert!(!srv.keys().await.contains(&v.str("file_key")));
        assert_eq!(
            srv.stored_part_count(&c.str("file_key"), &c.str("upload_id"))
                .await,
            Ok(0)
        );
        srv.shutdown().await;
    }
}
