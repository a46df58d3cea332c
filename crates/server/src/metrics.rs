//! Prometheus metrics (operations.md): every request counted and timed by its route's
//! template (never a raw path: keys hold user ids), and the upload events counted where
//! they happen. One recorder per process, as one process is one service in production.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use idance_contract::ErrorBody;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

const DURATION: &str = "idance_http_request_duration_seconds";

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(DURATION.into()),
                &[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only when another recorder is installed (an embedding program's own).
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!(
                "a metrics recorder is already installed; /metrics shows only this one's"
            );
        }
        handle
    })
}

/// Who made the request, filled in by the `User` extractor for the request's log line.
#[derive(Clone, Default)]
pub struct Caller(pub Arc<OnceLock<String>>);

/// Counts and times every request by route template, method and status, and logs it.
pub async fn track(mut req: Request, next: Next) -> Response {
    let caller = Caller::default();
    req.extensions_mut().insert(caller.clone());
    let route = req.extensions().get::<MatchedPath>().map_or_else(
        || "unmatched".to_string(),
        |p| {
            match p.as_str() {
                crate::routes::files::ROUTE => crate::routes::files::template(req.uri().path()),
                other => other,
            }
            .to_string()
        },
    );
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let code = response.status().as_u16();
    let latency = started.elapsed();
    // The route's template, never the path or its query (keys, signatures).
    let user = caller.0.get().map(String::as_str).unwrap_or("");
    tracing::info!(%method, %route, status = code, latency_ms = latency.as_millis() as u64, user, "request");
    metrics::counter!("idance_http_requests_total", "route" => route.clone(), "method" => method, "status" => code.to_string())
        .increment(1);
    metrics::histogram!(DURATION, "route" => route).record(latency.as_secs_f64());
    response
}

/// `GET /metrics`: Prometheus text; with `METRICS_TOKEN` set, only for that bearer.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "service",
    summary = "Prometheus metrics (bearer METRICS_TOKEN when one is set)",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
        (status = 401, description = "METRICS_TOKEN is set and was not given", body = ErrorBody),
    ),
)]
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(want) = &state.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(want.as_str()) {
            return ApiError::Unauthorized("a valid metrics token is required".into())
                .into_response();
        }
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}

/// An upload event, counted (names and labels as operations.md lists them).
pub fn count(name: &'static str, labels: &[(&'static str, &'static str)]) {
    let labels: Vec<metrics::Label> = labels
        .iter()
        .map(|(k, v)| metrics::Label::new(*k, *v))
        .collect();
    metrics::counter!(name, labels).increment(1);
}
