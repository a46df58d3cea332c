//! Replica mode (operations.md): `idance serve` processes on one Postgres and one
//! bucket behind nginx round-robin, with the real parts failing under them — a replica
//! killed -9, a Garage node killed, Postgres restarted — and races between replicas.
//!
//! The Postgres restart takes the run's Postgres away from every test in this binary,
//! so it holds the write side of `PG` and the others the read side.

use idance_contract::FileKind;
use idance_core::upload::Counters;
use idance_core::{JobState, Runner, UploaderConfig};
use idance_tests::replicas::{Bucket, GarageNode, Replicas, restart_postgres};
use idance_tests::{download_stored, make_video, md5_hex, random_bytes, runner_at};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tokio::sync::RwLock;

static PG: RwLock<()> = RwLock::const_new(());

/// An uploader through the load balancer, throttled so the upload lasts long enough
/// for a fault to land in the middle of it.
fn uploader(r: &Replicas, dir: &Path) -> Runner {
    let config = UploaderConfig {
        workers: 2,
        max_outage: Duration::from_secs(120),
        max_bytes_per_sec: Some(6 * 1024 * 1024),
        ..Default::default()
    };
    runner_at(&r.lb_url, &r.token("teacher"), dir, config)
}

/// Uploads `video` through the load balancer; `fault` runs once the first part is
/// stored. The job must complete and storage hold exactly the file.
async fn upload_through(r: &Replicas, dir: &Path, video: &Path, fault: impl FnOnce()) {
    let runner = uploader(r, dir);
    let q = runner.uploader.queue_handle();
    let s = q.create_session(Some("class".into())).await.unwrap();
    let job = q
        .enqueue(&s.local_id, video, FileKind::Video, Some(300.0))
        .await
        .unwrap();
    let counters = runner.uploader.counters();
    let watch = async {
        while Counters::get(&counters.parts_sent) == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        fault();
    };
    let (results, ()) = tokio::join!(runner.sync(None, Duration::from_secs(180)), watch);
    let (done, _) = results
        .unwrap()
        .into_iter()
        .find(|(j, _)| j.job_id == job.job_id)
        .expect("the job ran");
    assert_eq!(done.state, JobState::Completed, "{:?}", done.error);
    let (key, _) = done.stored().expect("a stored key");
    let got = download_stored(&r.lb_url, &r.token("teacher"), key).await;
    assert_eq!(
        md5_hex(&got),
        md5_hex(&std::fs::read(video).unwrap()),
        "the stored object differs from the file"
    );
}

#[tokio::test]
async fn an_upload_completes_byte_identical_with_a_replica_killed_mid_upload() {
    let _pg = PG.read().await;
    let mut r = Replicas::start(3, &Bucket::garage()).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "class.mp4", 30);
    // Out of the list, still behind the load balancer.
    let mut killed = r.replicas.remove(0);
    upload_through(&r, dir.path(), &video, || killed.kill()).await;
}

#[tokio::test]
async fn an_upload_completes_with_a_garage_node_killed_mid_upload() {
    let _pg = PG.read().await;
    let r = Replicas::start(2, &Bucket::cluster()).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "class.mp4", 30);
    // Node 3: the replicas sign for node 1; two of three nodes keep the quorum.
    let node = GarageNode::of_cluster(3);
    upload_through(&r, dir.path(), &video, || node.kill()).await;
    node.restart();
}

#[tokio::test]
async fn an_upload_waits_out_a_postgres_restart_and_goes_on() {
    let _pg = PG.write().await;
    let r = Replicas::start(2, &Bucket::garage()).await;
    let dir = tempfile::tempdir().unwrap();
    let video = make_video(dir.path(), "class.mp4", 30);
    upload_through(&r, dir.path(), &video, restart_postgres).await;
}

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let resp = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the replica answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The sum of a counter over every replica's /metrics.
async fn counted(http: &reqwest::Client, r: &Replicas, series: &str) -> f64 {
    let mut sum = 0.0;
    for rep in &r.replicas {
        let text = http
            .get(format!("{}/metrics", rep.url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        sum += text
            .lines()
            .filter_map(|l| l.strip_prefix(series))
            .filter_map(|rest| rest.trim().parse::<f64>().ok())
            .sum::<f64>();
    }
    sum
}

#[tokio::test]
async fn the_same_client_ref_started_on_two_replicas_at_once_is_one_session() {
    let _pg = PG.read().await;
    let r = Replicas::start(2, &Bucket::garage()).await;
    let http = reqwest::Client::new();
    let token = r.token("teacher");
    let (a, b) = (r.replicas[0].url(), r.replicas[1].url());
    for round in 0..10 {
        let body = json!({"title": "Salsa", "client_ref": format!("ref-{round}")});
        let ((sa, ja), (sb, jb)) = tokio::join!(
            post(
                &http,
                format!("{a}/api/sessions/start"),
                &token,
                body.clone()
            ),
            post(
                &http,
                format!("{b}/api/sessions/start"),
                &token,
                body.clone()
            ),
        );
        assert_eq!(
            ja["session_id"], jb["session_id"],
            "round {round}: {ja} {jb}"
        );
        let mut statuses = [sa, sb];
        statuses.sort();
        assert_eq!(statuses, [200, 201], "round {round}: one start made it");
    }
    assert_eq!(
        counted(&http, &r, "idance_sessions_started_total").await,
        10.0
    );
}

#[tokio::test]
async fn the_same_complete_sent_to_two_replicas_at_once_completes_once_with_one_answer() {
    let _pg = PG.read().await;
    let r = Replicas::start(2, &Bucket::garage()).await;
    let http = reqwest::Client::new();
    let token = r.token("teacher");
    let (a, b) = (r.replicas[0].url(), r.replicas[1].url());
    let (_, session) = post(&http, format!("{a}/api/sessions/start"), &token, json!({})).await;
    let session = session["session_id"].as_str().unwrap().to_string();

    // A one-part multipart upload, completed on both replicas at once.
    let (_, created) = post(
        &http,
        format!("{a}/api/s3/multipart/video"),
        &token,
        json!({"session_id": session, "file_extension": "mp4", "content_type": "video/mp4"}),
    )
    .await;
    let (key, upload_id) = (
        created["file_key"].as_str().unwrap().to_string(),
        created["upload_id"].as_str().unwrap().to_string(),
    );
    let (_, signed) = post(
        &http,
        format!("{b}/api/s3/multipart/sign"),
        &token,
        json!({"file_key": key, "upload_id": upload_id, "parts": [{"part_number": 1}]}),
    )
    .await;
    let data = random_bytes(256 * 1024);
    let put = http
        .put(signed["parts"][0]["url"].as_str().unwrap())
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let etag = put.headers()["etag"]
        .to_str()
        .unwrap()
        .trim_matches('"')
        .to_string();
    let body = json!({"file_key": key, "upload_id": upload_id, "parts": [{"part_number": 1, "etag": etag}]});
    let ((sa, ja), (sb, jb)) = tokio::join!(
        post(
            &http,
            format!("{a}/api/s3/multipart/complete"),
            &token,
            body.clone()
        ),
        post(
            &http,
            format!("{b}/api/s3/multipart/complete"),
            &token,
            body.clone()
        ),
    );
    assert_eq!((sa, sb), (200, 200), "{ja} {jb}");
    assert_eq!(ja, jb, "both replicas give the same answer");
    assert_eq!(
        counted(
            &http,
            &r,
            r#"idance_uploads_completed_total{kind="multipart"}"#
        )
        .await,
        1.0
    );

    // The session, completed on both at once with one body.
    let complete = json!({
        "sessionId": session, "endTime": "2026-12-02T08:00:00Z", "durationMinutes": 45.0,
        "videoURL": ja["file_url"], "videoFileKey": key,
    });
    let ((sa, ja), (sb, jb)) = tokio::join!(
        post(
            &http,
            format!("{a}/api/sessions/complete"),
            &token,
            complete.clone()
        ),
        post(
            &http,
            format!("{b}/api/sessions/complete"),
            &token,
            complete.clone()
        ),
    );
    assert_eq!((sa, sb), (200, 200), "{ja} {jb}");
    assert_eq!(ja, jb, "both replicas give the same session");
    assert_eq!(
        counted(&http, &r, "idance_sessions_completed_total").await,
        1.0
    );
    // A different body afterwards is a conflict on either replica.
    let mut other = complete.clone();
    other["durationMinutes"] = json!(50.0);
    for url in [&a, &b] {
        let (s, _) = post(
            &http,
            format!("{url}/api/sessions/complete"),
            &token,
            other.clone(),
        )
        .await;
        assert_eq!(s, 409);
    }
}

#[tokio::test]
async fn replica_mode_refuses_to_start_without_a_bucket_or_a_shared_secret() {
    let bin = idance_tests::desktop::workspace_bin("idance-cli", "idance");
    let dir = tempfile::tempdir().unwrap();
    let g = Bucket::garage();
    let run = |with_bucket: bool, with_secret: bool| {
        let mut c = std::process::Command::new(&bin);
        c.arg("--data-dir")
            .arg(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env_remove("S3_BUCKET_NAME")
            .env_remove("JWT_SECRET");
        if with_bucket {
            c.env("S3_BUCKET_NAME", &g.bucket)
                .env("S3_ENDPOINT_URL", &g.endpoint)
                .env("AWS_ACCESS_KEY_ID", &g.access_key)
                .env("AWS_SECRET_ACCESS_KEY", &g.secret_key);
        }
        if with_secret {
            c.env("JWT_SECRET", "shared");
        }
        c.output().expect("idance runs")
    };
    for (bucket, secret, var) in [(false, true, "S3_BUCKET_NAME"), (true, false, "JWT_SECRET")] {
        let out = run(bucket, secret);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(&format!("{var} must be set")), "{err}");
    }
}
