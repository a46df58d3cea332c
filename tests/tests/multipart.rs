//! Part B on both stores: create, sign (with Content-MD5), list, complete, abort, and the
//! storage behaviour resume depends on (ListParts with ETags, wrong ETags refused,
//! NoSuchUpload after abort).

use idance_tests::{BACKENDS, TestServer, md5_b64, md5_hex, random_bytes};
use reqwest::StatusCode;
use serde_json::json;

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn multipart_upload_resumes_from_the_server_part_list() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let token = srv.token("mp_user");
        let session = srv.start_session(&token).await;
        let data = random_bytes(5 * MIB + 5 * MIB + 123_457);
        let c = srv
            .post(
                "/api/s3/multipart/video",
                &token,
                json!({"session_id": session, "file_size_bytes": data.len()}),
            )
            .await;
        assert_eq!(c.status, StatusCode::OK, "{backend:?}: {}", c.json);
        let (key, upload_id) = (c.str("file_key"), c.str("upload_id"));
        assert_eq!(c.json["part_size"], 8 * MIB as u64);
        assert!(c.str("file_url").ends_with(&key));

        // Split at 5 MiB to exercise the AWS minimum exactly.
        let chunks: Vec<&[u8]> = vec![
            &data[..5 * MIB],
            &data[5 * MIB..10 * MIB],
            &data[10 * MIB..],
        ];
        let parts: Vec<_> = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| json!({"part_number": i + 1, "content_md5": md5_b64(c)}))
            .collect();
        let s = srv
            .post(
                "/api/s3/multipart/sign",
                &token,
                json!({"file_key": key, "upload_id": upload_id, "parts": parts}),
            )
            .await;
        assert_eq!(s.status, StatusCode::OK, "{}", s.json);
        let urls: Vec<String> = s.json["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["url"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(urls.len(), 3);

        // Bytes that do not match the signed MD5 are refused by storage.
        let bad = srv
            .http
            .put(&urls[0])
            .header("content-md5", md5_b64(chunks[0]))
            .body(chunks[1].to_vec())
            .send()
            .await
            .unwrap();
        assert!(
            bad.status().is_client_error(),
            "{backend:?}: corrupted part accepted ({})",
            bad.status()
        );

        // Send parts 1 and 3 only, as if the process died.
        for i in [0usize, 2] {
            let r = srv
                .http
                .put(&urls[i])
                .header("content-md5", md5_b64(chunks[i]))
                .body(chunks[i].to_vec())
                .send()
                .await
                .unwrap();
            assert!(
                r.status().is_success(),
                "{backend:?}: part {} → {}",
                i + 1,
                r.status()
            );
            let etag = r.headers()["etag"]
                .to_str()
                .unwrap()
                .trim_matches('"')
                .to_string();
            assert_eq!(etag, md5_hex(chunks[i]));
        }
        let listed = srv
            .post(
                "/api/s3/multipart/parts",
                &token,
                json!({"file_key": key, "upload_id": upload_id}),
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
        let have: Vec<(u64, String, u64)> = listed.json["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["part_number"].as_u64().unwrap(),
                    p["etag"].as_str().unwrap().to_string(),
                    p["size"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            have,
            vec![
                (1, md5_hex(chunks[0]), 5 * MIB as u64),
                (3, md5_hex(chunks[2]), chunks[2].len() as u64)
            ],
            "{backend:?}"
        );

        // Resume: only the missing part.
        let r = srv
            .http
            .put(&urls[1])
            .header("content-md5", md5_b64(chunks[1]))
            .body(chunks[1].to_vec())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());

        let wrong = json!({"file_key": key, "upload_id": upload_id, "parts": [
            {"part_number": 1, "etag": md5_hex(chunks[0])}, {"part_number": 2, "etag": md5_hex(b"nope")}, {"part_number": 3, "etag": md5_hex(chunks[2])}]});
        srv.post("/api/s3/multipart/complete", &token, wrong)
            .await
            .assert_error(400, "wrong etag");
        let body = json!({"file_key": key, "upload_id": upload_id, "parts": chunks.iter().enumerate().map(|(i, c)| json!({"part_number": i + 1, "etag": format!("\"{}\"", md5_hex(c))})).collect::<Vec<_>>()});
        let done = srv
            .post("/api/s3/multipart/complete", &token, body.clone())
            .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.json);
        assert_eq!(done.json["size"], data.len() as u64);
        // Asking again (lost answer) gives the same answer.
        let again = srv.post("/api/s3/multipart/complete", &token, body).await;
        assert_eq!((again.status, &again.json), (StatusCode::OK, &done.json));

        let url = srv
            .call_raw(
                reqwest::Method::GET,
                &format!("/api/s3/files/{key}/url"),
                Some(&token),
                None,
            )
            .await;
        let resp = srv.http.get(url.str("download_url")).send().await.unwrap();
        // The content type given at create travels with the object (embedded store: side file).
        assert_eq!(
            resp.headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap()),
            Some("video/mp4"),
            "{backend:?}"
        );
        let got = resp.bytes().await.unwrap();
        assert_eq!(
            md5_hex(&got),
            md5_hex(&data),
            "{backend:?}: assembled object differs"
        );
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn small_middle_parts_are_refused_and_abort_ends_the_upload() {
    for backend in BACKENDS {
        let srv = TestServer::start(backend).await;
        let token = srv.token("mp_user2");
        let session = srv.start_session(&token).await;
        let c = srv
            .post(
                "/api/s3/multipart/video",
                &token,
                json!({"session_id": session}),
            )
            .await;
        let (key, upload_id) = (c.str("file_key"), c.str("upload_id"));
        let small = [random_bytes(1000), random_bytes(1000)];
        let s = srv
            .post("/api/s3/multipart/sign", &token, json!({"file_key": key, "upload_id": upload_id, "parts": [{"part_number": 1}, {"part_number": 2}]}))
            .await;
        for (i, p) in s.json["parts"].as_array().unwrap().iter().enumerate() {
            let r = srv
                .http
                .put(p["url"].as_str().unwrap())
                .body(small[i].clone())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        }
        let body = json!({"file_key": key, "upload_id": upload_id, "parts": [
            {"part_number": 1, "etag": md5_hex(&small[0])}, {"part_number": 2, "etag": md5_hex(&small[1])}]});
        // Garage accepts small middle parts; the server enforces the AWS rule itself.
        srv.post("/api/s3/multipart/complete", &token, body)
            .await
            .assert_error(400, "small middle part");
        assert!(
            !srv.keys().await.contains(&key),
            "{backend:?}: refused complete stored an object"
        );
        assert_eq!(
            srv.stored_part_count(&key, &upload_id).await,
            Ok(2),
            "{backend:?}: refused complete lost parts"
        );

        let a = srv
            .post(
                "/api/s3/multipart/abort",
                &token,
                json!({"file_key": key, "upload_id": upload_id}),
            )
            .await;
        assert_eq!(
            (a.status, a.json["aborted"].as_bool()),
            (StatusCode::OK, Some(true))
        );
        assert_eq!(
            srv.stored_part_count(&key, &upload_id).await,
            Err("NoSuchUpload".to_string()),
            "{backend:?}"
        );
        srv.post(
            "/api/s3/multipart/parts",
            &token,
            json!({"file_key": key, "upload_id": upload_id}),
        )
        .await
        .assert_error(404, "parts after abort");
        srv.post(
            "/api/s3/multipart/sign",
            &token,
            json!({"file_key": key, "upload_id": upload_id, "parts": [{"part_number": 1}]}),
        )
        .await
        .assert_error(404, "sign after abort");
        srv.shutdown().await;
    }
}
