//! `/metrics` after a known sequence of calls (operations.md): the counts are exact, the
//! routes are templates (no user or session id in any label), and `METRICS_TOKEN` locks
//! it. One server in this test binary: the recorder is the process's.

use idance_tests::{Backend, Options, TestServer};
use reqwest::Method;
use serde_json::json;

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.trim().parse().ok())
        })
        .unwrap_or_else(|| panic!("no series {series} in:\n{text}"))
}

#[tokio::test]
async fn a_known_sequence_of_calls_is_counted_exactly_by_route_template() {
    let s = TestServer::start_with(
        Backend::Garage,
        Options {
            metrics_token: Some("scrape-me".into()),
            ..Options::default()
        },
    )
    .await;
    let token = s.token("metrics-user");
    let none = s
        .call_raw(Method::POST, "/api/sessions/start", None, Some("{}".into()))
        .await;
    assert_eq!(none.status, 401);
    let started = s
        .call_raw(
            Method::POST,
            "/api/sessions/start",
            Some(&token),
            Some("{}".into()),
        )
        .await;
    assert_eq!(started.status, 201);
    let session = started.str("session_id");
    for _ in 0..2 {
        let body = json!({"session_id": session}).to_string();
        let v = s
            .call_raw(
                Method::POST,
                "/api/s3/upload/video",
                Some(&token),
                Some(body),
            )
            .await;
        assert_eq!(v.status, 200, "{:?}", v.json);
    }

    // The files route is one wildcard in axum; its two shapes are counted apart.
    let missing = format!(
        "/api/s3/files/sessions/metrics-user/{session}/20261202_101010_{}.mp4",
        "a".repeat(32)
    );
    for path in [format!("{missing}/url"), missing.clone()] {
        let method = if path.ends_with("/url") {
            Method::GET
        } else {
            Method::DELETE
        };
        let r = s.call_raw(method, &path, Some(&token), None).await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.json);
    }

    let locked = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(locked.status(), 401, "METRICS_TOKEN is set");
    let text = s
        .http
        .get(s.url("/metrics"))
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let video = r#"route="/api/s3/upload/video""#;
    assert_eq!(
        value(
            &text,
            &format!(r#"idance_http_requests_total{{{video},method="POST",status="200"}}"#)
        ),
        2.0
    );
    assert_eq!(
        value(
            &text,
            &format!("idance_http_request_duration_seconds_count{{{video}}}")
        ),
        2.0
    );
    assert_eq!(
        value(&text, r#"idance_presigned_urls_total{kind="video"}"#),
        2.0
    );
    assert_eq!(
        value(&text, r#"idance_uploads_started_total{kind="single"}"#),
        2.0
    );
    assert_eq!(value(&text, "idance_sessions_started_total"), 1.0);
    // One insert for the start, one read of the session per presign and per files call
    // (auth reads none).
    assert_eq!(
        value(&text, r#"idance_db_calls_total{op="start_session"}"#),
        1.0
    );
    assert_eq!(value(&text, r#"idance_db_calls_total{op="session"}"#), 4.0);
    assert_eq!(
        value(&text, r#"idance_auth_failures_total{reason="missing"}"#),
        1.0
    );
    for (template, method) in [
        ("/api/s3/files/{file_key}/url", "GET"),
        ("/api/s3/files/{file_key}", "DELETE"),
    ] {
        assert_eq!(
            value(
                &text,
                &format!(
                    r#"idance_http_requests_total{{route="{template}",method="{method}",status="404"}}"#
                )
            ),
            1.0
        );
    }
    assert!(!text.contains("{*rest}"), "the wildcard is not a template");
    assert!(!text.contains(&session), "a session id in a label");
    assert!(!text.contains("metrics-user"), "a user id in a label");
}
