//! Part checksums: CRC32C signed into each part's URL where the server says storage
//! checks it (Garage here, AWS S3 in production), MD5 where it does not (the embedded
//! store, or `S3_PART_CHECKSUM=md5`). Storage refuses bytes that do not match either.

use idance_contract::FileKind;
use idance_contract::wire::{CreateMultipartRequest, PartToSign, SignPartsRequest};
use idance_core::JobState;
use idance_tests::{Backend, Options, TestServer, client, crc32c_b64, make_video};

async fn capabilities(srv: &TestServer) -> serde_json::Value {
    srv.http
        .get(format!("{}/api/capabilities", srv.handle.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn api(srv: &TestServer) -> idance_core::ApiClient {
    idance_core::ApiClient::new(&srv.handle.base_url(), &srv.token("teacher")).unwrap()
}

async fn create(
    api: &idance_core::ApiClient,
    session: &str,
    crc32c: bool,
) -> idance_contract::wire::CreateMultipartResponse {
    api.create_multipart(&CreateMultipartRequest {
        session_id: session.to_string(),
        file_extension: Some("mp4".into()),
        content_type: Some("video/mp4".into()),
        file_size_bytes: Some(20 * 1024 * 1024),
        checksum_algorithm: crc32c.then(|| "crc32c".to_string()),
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn storage_refuses_a_part_whose_bytes_differ_from_its_signed_crc32c() {
    let srv = TestServer::start(Backend::Garage).await;
    assert_eq!(
        capabilities(&srv).await["checksum_algorithms"],
        serde_json::json!(["crc32c"])
    );
    let api = api(&srv);
    let session = api.start_session(None, None).await.unwrap();
    let created = create(&api, &session, true).await;
    assert_eq!(created.checksum_algorithm.as_deref(), Some("crc32c"));

    let part: Vec<u8> = (0..6 * 1024 * 1024u32)
        .map(|_| rand::random::<u8>())
        .collect();
    let mut corrupted = part.clone();
    corrupted[4_000_000] ^= 0x40;
    let crc = crc32c_b64(&part);
    let signed = api
        .sign_parts(&SignPartsRequest {
            file_key: created.file_key.clone(),
            upload_id: created.upload_id.clone(),
            parts: vec![PartToSign {
                part_number: 1,
                content_md5: None,
                checksum_crc32c: Some(crc.clone()),
            }],
        })
        .await
        .unwrap();
    let url = &signed.parts[0].url;
    let put = |body: Vec<u8>, header: Option<&str>| {
        let mut req = srv.http.put(url).body(body);
        if let Some(h) = header {
            req = req.header("x-amz-checksum-crc32c", h);
        }
        req.send()
    };
    let refused = put(corrupted, Some(&crc)).await.unwrap();
    assert!(
        refused.status().is_client_error(),
        "bytes that differ from the signed CRC32C were stored: {}",
        refused.status()
    );
    // The checksum is part of the signature: leaving it out is refused too.
    // (Garage answers 403 before reading the body and closes: a broken pipe here.)
    match put(part.clone(), None).await {
        Ok(r) => assert!(r.status().is_client_error(), "{}", r.status()),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    let stored = put(part.clone(), Some(&crc)).await.unwrap();
    assert!(stored.status().is_success(), "{}", stored.status());

    // The part list carries storage's CRC32C: a part sent but not recorded before a
    // crash is recognised by it on resume.
    let listed = api
        .list_parts(&created.file_key, &created.upload_id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].checksum_crc32c.as_deref(), Some(crc.as_str()));
    srv.shutdown().await;
}

#[tokio::test]
async fn a_store_without_crc32c_is_not_offered_it_and_uploads_with_md5() {
    // The embedded store checks Content-MD5 only; Garage with the capability switched off.
    for (backend, opts) in [
        (Backend::Local, Options::default()),
        (
            Backend::Garage,
            Options {
                part_checksum: Some("md5"),
                ..Default::default()
            },
        ),
    ] {
        let srv = TestServer::start_with(backend, opts).await;
        let caps = capabilities(&srv).await;
        assert!(
            caps.get("checksum_algorithms").is_none(),
            "{backend:?}: {caps}"
        );
        let api = api(&srv);
        let session = api.start_session(None, None).await.unwrap();
        // Asked anyway: the answer says none, and the client signs MD5s.
        assert_eq!(
            create(&api, &session, true).await.checksum_algorithm,
            None,
            "{backend:?}"
        );

        let dir = tempfile::tempdir().unwrap();
        let video = make_video(dir.path(), "class.mp4", 20);
        let runner = client(&srv, "teacher", dir.path(), 2);
        let q = runner.uploader.queue_handle();
        let s = q.create_session(None).await.unwrap();
        let job = q
            .enqueue(&s.local_id, &video, FileKind::Video, Some(60.0))
            .await
            .unwrap();
        let (job, _) = runner.run_job(&job.job_id, None).await.unwrap();
        assert_eq!(
            job.state,
            JobState::Completed,
            "{backend:?}: {:?}",
            job.error
        );
        let key = job.stored().unwrap().0.to_string();
        srv.assert_stored(&srv.token("teacher"), &key, &video, &format!("{backend:?}"))
            .await;
        if backend == Backend::Garage {
            assert_eq!(
                srv.stored_crc32c(&key).await,
                None,
                "sent with CRC32C anyway"
            );
        }
        srv.shutdown().await;
    }
}

#[tokio::test]
async fn the_runner_signs_crc32c_where_storage_checks_it_and_resumes_by_it() {
    let srv = TestServer::start(Backend::Garage).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "class.mp4", 20);
    let data = std::fs::read(&video).unwrap();
    let runner = client(&srv, "teacher", dir.path(), 2);
    let q = runner.uploader.queue_handle();
    let s = q.create_session(None).await.unwrap();
    let job = q
        .enqueue(&s.local_id, &video, FileKind::Video, Some(60.0))
        .await
        .unwrap();

    // What a process killed mid-upload left: an upload with CRC32C, its first two parts
    // in storage but not in the queue (killed between the PUT and the record).
    let api = api(&srv);
    let session = api.start_session(None, Some(&s.local_id)).await.unwrap();
    q.set_server_session(s.local_id.clone(), session.clone())
        .await
        .unwrap();
    let created = create(&api, &session, true).await;
    q.set_plan(
        job.job_id.clone(),
        None,
        Some(idance_core::queue::UploadPlan {
            upload_id: created.upload_id.clone(),
            file_key: created.file_key.clone(),
            file_url: created.file_url.clone(),
            part_size: created.part_size,
            checksum: idance_core::queue::PartChecksum::Crc32c,
        }),
    )
    .await
    .unwrap();
    let chunks: Vec<&[u8]> = data.chunks(created.part_size as usize).collect();
    assert_eq!(chunks.len(), 3, "a 20 MiB file in 8 MiB parts");
    let signed = api
        .sign_parts(&SignPartsRequest {
            file_key: created.file_key.clone(),
            upload_id: created.upload_id.clone(),
            parts: (0..2)
                .map(|i| PartToSign {
                    part_number: i as i64 + 1,
                    content_md5: None,
                    checksum_crc32c: Some(crc32c_b64(chunks[i])),
                })
                .collect(),
        })
        .await
        .unwrap();
    for (p, chunk) in signed.parts.iter().zip(&chunks) {
        let r = srv
            .http
            .put(&p.url)
            .header("x-amz-checksum-crc32c", crc32c_b64(chunk))
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }

    let (job, sent) = runner.run_job(&job.job_id, None).await.unwrap();
    assert_eq!(job.state, JobState::Completed, "{:?}", job.error);
    assert_eq!(
        sent,
        chunks[2].len() as u64,
        "only the part storage did not have is sent"
    );
    let key = job.stored().unwrap().0.to_string();
    srv.assert_stored(&srv.token("teacher"), &key, &video, "resumed")
        .await;
    // Storage kept the parts' CRC32Cs: the object was assembled from checked parts.
    let crc = srv.stored_crc32c(&key).await;
    assert!(
        crc.as_deref().is_some_and(|c| c.ends_with("-3")),
        "the object's CRC32C is not over its 3 parts: {crc:?}"
    );
    srv.shutdown().await;
}

/// A one-part video goes in one PUT (no create, sign or complete calls) with its
/// checksum signed in: CRC32C on Garage, MD5 on the embedded store. Storage refuses
/// bytes that differ from it.
#[tokio::test]
async fn a_one_part_video_goes_in_one_put_with_its_checksum_signed_in() {
    use idance_contract::wire::{PutChecksum, VideoUploadRequest};
    for backend in [Backend::Garage, Backend::Local] {
        let srv = TestServer::start(backend).await;
        assert_eq!(
            capabilities(&srv).await["put_checksums"],
            true,
            "{backend:?}"
        );
        let api = api(&srv);
        let session = api.start_session(None, None).await.unwrap();
        let body: Vec<u8> = (0..300_000).map(|_| rand::random::<u8>()).collect();
        let mut corrupted = body.clone();
        corrupted[1000] ^= 1;
        let (header, checksum) = match backend {
            Backend::Garage => (
                "x-amz-checksum-crc32c",
                PutChecksum {
                    checksum_crc32c: Some(crc32c_b64(&body)),
                    ..Default::default()
                },
            ),
            Backend::Local => (
                "content-md5",
                PutChecksum {
                    content_md5: Some(idance_tests::md5_b64(&body)),
                    ..Default::default()
                },
            ),
        };
        let value = checksum
            .checksum_crc32c
            .clone()
            .or(checksum.content_md5.clone())
            .unwrap();
        let presigned = api
            .video_upload_url(&VideoUploadRequest {
                session_id: session.clone(),
                checksum,
                ..Default::default()
            })
            .await
            .unwrap();
        let put = |b: Vec<u8>| {
            srv.http
                .put(&presigned.upload_url)
                .header("content-type", "video/mp4")
                .header(header, &value)
                .body(b)
                .send()
        };
        let refused = put(corrupted).await.unwrap();
        assert!(
            refused.status().is_client_error(),
            "{backend:?}: {}",
            refused.status()
        );
        let stored = put(body).await.unwrap();
        assert!(
            stored.status().is_success(),
            "{backend:?}: {}",
            stored.status()
        );

        // The runner does the same for a small video: one PUT, no part calls.
        let dir = tempfile::tempdir().unwrap();
        let video = make_video(dir.path(), "clip.mp4", 2);
        let runner = client(&srv, "teacher", dir.path(), 2);
        let q = runner.uploader.queue_handle();
        let s = q.create_session(None).await.unwrap();
        let job = q
            .enqueue(&s.local_id, &video, FileKind::Video, Some(20.0))
            .await
            .unwrap();
        let (job, sent) = runner.run_job(&job.job_id, None).await.unwrap();
        assert_eq!(
            job.state,
            JobState::Completed,
            "{backend:?}: {:?}",
            job.error
        );
        assert_eq!(sent, std::fs::metadata(&video).unwrap().len());
        let counters = runner.uploader.counters();
        use idance_core::upload::Counters;
        assert_eq!(
            (
                Counters::get(&counters.sign_calls),
                Counters::get(&counters.parts_sent)
            ),
            (0, 0),
            "{backend:?}: sent as parts"
        );
        let key = job.stored().unwrap().0.to_string();
        srv.assert_stored(&srv.token("teacher"), &key, &video, &format!("{backend:?}"))
            .await;
        if backend == Backend::Garage {
            let crc = srv.stored_crc32c(&key).await;
            assert_eq!(crc, Some(crc32c_b64(&std::fs::read(&video).unwrap())));
        }
        srv.shutdown().await;
    }
}
