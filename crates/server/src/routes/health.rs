//! Liveness and readiness for load balancers and orchestrators (operations.md): no
//! auth; `/readyz` asks the database and storage, each within [`READY_WITHIN`].

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

pub const READY_WITHIN: Duration = Duration::from_secs(2);

/// 200 while the process serves; nothing else is checked.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "service",
    summary = "Liveness: 200 while the process serves",
    responses(
        (status = 200, description = "Serving", body = Object, example = json!({"status": "ok"})),
    ),
)]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 when the database and storage answer in time, else 503 naming which did not.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "service",
    summary = "Readiness: the database and storage answer",
    responses(
        (status = 200, description = "Ready", body = Object, example = json!({"status": "ready"})),
        (status = 503, description = "Not ready: `detail` names what did not answer", body = Object),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (database, storage) = tokio::join!(
        tokio::time::timeout(READY_WITHIN, state.db.ping()),
        tokio::time::timeout(READY_WITHIN, state.storage.ping()),
    );
    readiness(
        matches!(database, Ok(Ok(()))),
        matches!(storage, Ok(Ok(()))),
    )
}

fn readiness(database: bool, storage: bool) -> (StatusCode, Json<Value>) {
    if database && storage {
        return (StatusCode::OK, Json(json!({"status": "ready"})));
    }
    let down: Vec<&str> = [("the database", database), ("storage", storage)]
        .into_iter()
        .filter(|(_, up)| !up)
        .map(|(name, _)| name)
        .collect();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "detail": format!("not ready: {} did not answer within {} s", down.join(" and "), READY_WITHIN.as_secs()),
            "code": "not_ready",
            "checks": {"database": database, "storage": storage},
        })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_ready_names_what_did_not_answer() {
        assert_eq!(readiness(true, true).0, StatusCode::OK);
        let (status, Json(body)) = readiness(true, false);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["code"], "not_ready");
        assert_eq!(body["checks"], json!({"database": true, "storage": false}));
        assert!(body["detail"].as_str().unwrap().contains("storage"));
        let (_, Json(body)) = readiness(false, false);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("the database and storage")
        );
    }
}
