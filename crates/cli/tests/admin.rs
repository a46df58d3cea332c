//! `idance admin orphans|lifecycle` as an operator runs them: on the data dir of an
//! `idance serve` on the embedded store, one line per object and a total.

mod common;
use common::{assert_ok, idance, serve, token};
use serde_json::{Value, json};

/// A video uploaded to a session that is never completed: an orphan.
async fn orphan(base: &str, token: &str) -> String {
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let s: Value = post("/api/sessions/start", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let v: Value = post(
        "/api/s3/upload/video",
        json!({"session_id": s["session_id"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let put = http
        .put(v["upload_url"].as_str().unwrap())
        .header("content-type", "video/mp4")
        .body(vec![7u8; 300_000])
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    v["file_key"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn orphans_are_reported_then_deleted_and_a_refused_lifecycle_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(idance(dir.path()));
    let t = token(idance(dir.path()), "teacher");
    let key = orphan(&served.base, &t).await;

    let out = idance(dir.path())
        .args(["admin", "orphans", "--older-than", "0s"])
        .output()
        .unwrap();
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with(&format!("{key}  0.3 MB  ")), "{text}");
    assert_eq!(
        lines[1],
        "1 orphaned objects, 0.3 MB (nothing deleted; add --delete to remove them)"
    );

    // The default grace (7 days) spares a new object.
    let out = idance(dir.path())
        .args(["admin", "orphans", "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    let total: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(total, json!({"total": 0, "bytes": 0, "deleted": false}));

    let out = idance(dir.path())
        .args([
            "admin",
            "orphans",
            "--older-than",
            "0s",
            "--delete",
            "--json",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(
        (rows[0]["key"].as_str(), rows[0]["deleted"].as_bool()),
        (Some(key.as_str()), Some(true))
    );
    assert_eq!(
        rows[1],
        json!({"total": 1, "bytes": 300_000, "deleted": true})
    );
    let out = idance(dir.path())
        .args(["admin", "orphans", "--older-than", "0s"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("0 orphaned objects"));

    // The embedded store keeps no lifecycle rules: the refusal is one line that says so.
    let out = idance(dir.path())
        .args(["admin", "lifecycle"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the store refused the lifecycle rule"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
