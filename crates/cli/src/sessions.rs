//! `idance sessions`, `sessions rename`, `sessions rm`: the signed-in user's library on
//! the server (library.md), the same from every computer.

use crate::Failure;
use crate::args::{Global, SessionsAction, SessionsArgs};
use crate::client::api_client;
use anyhow::anyhow;
use idance_contract::wire::{Session, SessionStatus, UpdateSessionRequest};
use idance_core::DataDir;
use std::io::IsTerminal;

pub async fn sessions(data: &DataDir, global: &Global, a: SessionsArgs) -> Result<(), Failure> {
    let (api, _direct) = api_client(data, global).await?;
    let work = |e: idance_core::api::ClientError| Failure::Work(e.into());
    // Without Part D nothing below can work: say so before asking anything.
    if !api.capabilities().await.map_err(work)?.library {
        return Err(work(idance_core::api::ClientError::NoLibrary));
    }
    match a.action {
        None => {
            let status = match a.status.as_deref() {
                Some("active") => Some(SessionStatus::Active),
                Some(_) => Some(SessionStatus::Completed),
                None => None,
            };
            for s in idance_core::library::fetch(&api, status)
                .await
                .map_err(work)?
            {
                print(&s, a.json);
            }
        }
        Some(SessionsAction::Rename { id, title }) => {
            let req = UpdateSessionRequest {
                title: Some(title),
                calories_burned: None,
            };
            let s = api.update_session(&id, &req).await.map_err(work)?;
            print(&s, false);
        }
        Some(SessionsAction::Rm { id, yes }) => {
            if !yes {
                let s = api.library_session(&id).await.map_err(work)?;
                if !confirm(&s).await? {
                    return Err(Failure::Work(anyhow!("not deleted: {}", name(&s))));
                }
            }
            api.delete_session(&id).await.map_err(work)?;
            println!("deleted session {id}");
        }
    }
    Ok(())
}

fn name(s: &Session) -> String {
    match &s.title {
        Some(t) => format!("“{t}”"),
        None => format!("the untitled session of {}", started(s)),
    }
}

fn started(s: &Session) -> String {
    chrono::DateTime::parse_from_rfc3339(&s.started_at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| s.started_at.clone())
}

/// Asks on the terminal; without one, refuses (a script must say `--yes`).
async fn confirm(s: &Session) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(anyhow!(
            "not deleting {} without --yes: there is no terminal to ask on",
            name(s)
        )));
    }
    eprint!(
        "Delete {} (started {}) with its video and thumbnail? This cannot be undone. [y/N] ",
        name(s),
        started(s)
    );
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| Failure::Work(e.into()))?
    .map_err(|e| Failure::Work(e.into()))?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

fn print(s: &Session, json: bool) {
    if json {
        println!("{}", serde_json::to_string(s).unwrap_or_default());
        return;
    }
    let minutes = s
        .duration_minutes
        .map(|m| format!("{m:.0} min"))
        .unwrap_or_default();
    let size = s
        .size_bytes
        .map(|b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)))
        .unwrap_or_default();
    let status = match s.status {
        SessionStatus::Active => "active",
        SessionStatus::Completed => "completed",
    };
    println!(
        "{}  {:<9}  {}  {:>7}  {:>10}  {}",
        s.session_id,
        status,
        started(s),
        minutes,
        size,
        s.title.as_deref().unwrap_or("(untitled)")
    );
}
