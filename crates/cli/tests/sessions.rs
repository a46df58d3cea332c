//! `idance sessions` (library.md): two computers — two data folders — signed in as one
//! instructor to one server. What one uploads, the other lists, renames and deletes.

mod common;

use common::{assert_ok, idance, make_video, serve, token};
use serde_json::Value;
use std::path::Path;
use std::process::{Output, Stdio};

fn run(dir: &Path, base: &str, token: &str, args: &[&str]) -> Output {
    idance(dir)
        .args(["--server", base, "--token", token])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn listed(dir: &Path, base: &str, token: &str) -> Vec<Value> {
    let out = run(dir, base, token, &["sessions", "--json"]);
    assert_ok(&out);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn a_session_uploaded_from_one_computer_is_listed_renamed_and_deleted_from_another() {
    let server_dir = tempfile::tempdir().unwrap();
    let studio = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let server = serve(idance(server_dir.path()));
    let base = server.base.clone();
    let teacher = token(idance(server_dir.path()), "teacher");

    let video = studio.path().join("salsa.mp4");
    make_video(&video, "testsrc=size=320x240:rate=10:duration=3", &[]);
    let out = run(
        studio.path(),
        &base,
        &teacher,
        &[
            "upload",
            "--session",
            "new",
            "--json",
            video.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let job: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = job["session_id"].as_str().unwrap().to_string();

    // The other computer has an empty queue and still sees it, completed, with its video.
    let sessions = listed(home.path(), &base, &teacher);
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["session_id"], id.as_str());
    assert_eq!(sessions[0]["status"], "completed");
    assert_eq!(sessions[0]["video_file_key"], job["file_key"]);
    assert_eq!(sessions[0]["size_bytes"], job["size"]);
    let table = run(
        home.path(),
        &base,
        &teacher,
        &["sessions", "--status", "completed"],
    );
    assert_ok(&table);
    assert!(String::from_utf8_lossy(&table.stdout).contains(&id));

    let renamed = run(
        home.path(),
        &base,
        &teacher,
        &["sessions", "rename", &id, "Salsa, week 2"],
    );
    assert_ok(&renamed);
    assert!(String::from_utf8_lossy(&renamed.stdout).contains("Salsa, week 2"));
    assert_eq!(
        listed(studio.path(), &base, &teacher)[0]["title"],
        "Salsa, week 2"
    );

    // Without a terminal and without --yes nothing is deleted (exit 2).
    let refused = run(home.path(), &base, &teacher, &["sessions", "rm", &id]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Salsa, week 2"));
    assert_eq!(listed(studio.path(), &base, &teacher).len(), 1);
    let removed = run(
        home.path(),
        &base,
        &teacher,
        &["sessions", "rm", &id, "--yes"],
    );
    assert_ok(&removed);
    assert!(listed(studio.path(), &base, &teacher).is_empty());
    // The video is gone from storage too.
    let url = reqwest::Client::new()
        .get(format!(
            "{base}/api/s3/files/{}/url",
            job["file_key"].as_str().unwrap()
        ))
        .bearer_auth(&teacher)
        .send()
        .await
        .unwrap();
    if url.status().is_success() {
        let body: Value = url.json().await.unwrap();
        let got = reqwest::get(body["download_url"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(got.status().as_u16(), 404, "the video is still stored");
    }
}

/// A server with only the original endpoints keeps no library: said, exit 1.
#[tokio::test]
async fn a_server_without_part_d_says_it_keeps_no_library() {
    let server_dir = tempfile::tempdir().unwrap();
    let client = tempfile::tempdir().unwrap();
    let server = serve(idance(server_dir.path()));
    let part_a = idance_tests::part_a::start(server.base.clone()).await;
    let teacher = token(idance(server_dir.path()), "teacher");
    let client_dir = client.path().to_path_buf();
    let out =
        tokio::task::spawn_blocking(move || run(&client_dir, &part_a, &teacher, &["sessions"]))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("keeps no library"), "{err}");
}
