//! `idance admin orphans|lifecycle` and `idance users …`: the upload service's
//! housekeeping and accounts, run on the server machine with the same settings as
//! `idance serve`.

use crate::Failure;
use crate::args::{AdminCommand, LifecycleArgs, OrphansArgs, UsersCommand};
use anyhow::anyhow;
use idance_core::DataDir;
use idance_server::{Admin, ServerError};
use std::time::Duration;

pub async fn admin(data: &DataDir, cmd: AdminCommand) -> Result<(), Failure> {
    let config = crate::serve::offline_config(data)?;
    let admin = Admin::open(config).await.map_err(failure)?;
    let result = match cmd {
        AdminCommand::Orphans(a) => orphans(&admin, a).await,
        AdminCommand::Lifecycle(a) => lifecycle(&admin, a).await,
    };
    admin.close().await;
    result
}

pub async fn users(data: &DataDir, cmd: UsersCommand) -> Result<(), Failure> {
    // The password is asked before anything opens, so a prompt is never left waiting
    // on an open database.
    let password = match &cmd {
        UsersCommand::Add(a) => Some(password(a.password_stdin)?),
        UsersCommand::Passwd(a) => Some(password(a.password_stdin)?),
        _ => None,
    };
    let config = crate::serve::offline_config(data)?;
    let admin = Admin::open(config).await.map_err(failure)?;
    let result = async {
        match cmd {
            UsersCommand::Add(a) => {
                let id = admin
                    .add_user(&a.email, a.name.as_deref(), password.unwrap_or_default())
                    .await?;
                println!("{id}");
            }
            UsersCommand::List(f) => {
                let users = admin.users().await?;
                for u in &users {
                    if f.json {
                        println!("{}", serde_json::to_string(u).unwrap_or_default());
                    } else {
                        let state = if u.disabled { "disabled" } else { "active" };
                        println!("{}  {}  {}  {state}", u.user_id, u.email, u.name);
                    }
                }
                if !f.json {
                    println!("{} accounts", users.len());
                }
            }
            UsersCommand::Disable(a) => {
                admin.set_disabled(&a.email, true).await?;
                println!("disabled {} (its sign-ins have ended)", a.email);
            }
            UsersCommand::Enable(a) => {
                admin.set_disabled(&a.email, false).await?;
                println!("enabled {}", a.email);
            }
            UsersCommand::Passwd(a) => {
                admin
                    .set_password(&a.email, password.unwrap_or_default())
                    .await?;
                println!("new password for {} (its sign-ins have ended)", a.email);
            }
        }
        Ok::<(), ServerError>(())
    }
    .await
    .map_err(failure);
    admin.close().await;
    result
}

/// A new password: the first line of stdin, or a hidden prompt asked twice.
fn password(from_stdin: bool) -> Result<String, Failure> {
    let first = ask_password(from_stdin)?;
    if from_stdin {
        return Ok(first);
    }
    let again = rpassword::prompt_password("Password again: ")
        .map_err(|e| Failure::Usage(anyhow!("cannot ask for a password: {e}")))?;
    if first != again {
        return Err(Failure::Work(anyhow!(
            "the two passwords differ; nothing changed"
        )));
    }
    Ok(first)
}

/// A password: the first line of stdin, or asked once at a hidden prompt.
pub(crate) fn ask_password(from_stdin: bool) -> Result<String, Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Failure::Usage(anyhow!("cannot read the password from stdin: {e}")))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    rpassword::prompt_password("Password: ").map_err(|e| {
        Failure::Usage(anyhow!(
            "cannot ask for a password (no terminal? use --password-stdin): {e}"
        ))
    })
}

fn failure(e: ServerError) -> Failure {
    match e {
        ServerError::Config(_) => Failure::Usage(e.into()),
        other => Failure::Work(other.into()),
    }
}

async fn orphans(admin: &Admin, a: OrphansArgs) -> Result<(), Failure> {
    let mut found = admin.orphans(a.older_than).await.map_err(failure)?;
    if a.delete {
        found = admin.delete(found).await.map_err(failure)?;
    }
    let now = chrono::Utc::now().timestamp();
    let bytes: u64 = found.iter().map(|o| o.size).sum();
    for o in &found {
        if a.json {
            let line = serde_json::json!({
                "key": o.key,
                "size": o.size,
                "modified": chrono::DateTime::from_timestamp(o.modified, 0).map(|t| t.to_rfc3339()),
                "deleted": a.delete,
            });
            println!("{line}");
        } else {
            println!(
                "{}  {}  {} old",
                o.key,
                size(o.size),
                humantime::format_duration(Duration::from_secs(
                    (now - o.modified).max(0) as u64 / 60 * 60
                ))
            );
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::json!({"total": found.len(), "bytes": bytes, "deleted": a.delete})
        );
    } else if a.delete {
        println!("deleted {} orphaned objects, {}", found.len(), size(bytes));
    } else {
        println!(
            "{} orphaned objects, {} (nothing deleted; add --delete to remove them)",
            found.len(),
            size(bytes)
        );
    }
    Ok(())
}

async fn lifecycle(admin: &Admin, a: LifecycleArgs) -> Result<(), Failure> {
    let transition = match (a.transition_after, a.storage_class) {
        (Some(after), Some(class)) => Some((days(after)?, class)),
        _ => None,
    };
    let report = admin
        .lifecycle(days(a.abort_after)?, transition)
        .await
        .map_err(|e| Failure::Work(anyhow!("the store refused the lifecycle rule: {e}")))?;
    for rule in &report.applied {
        println!("applied: {rule}");
    }
    if !report.dropped.is_empty() {
        return Err(Failure::Work(anyhow!(
            "the store accepted the rules but dropped {}: it does not support it",
            report.dropped.join(" and ")
        )));
    }
    Ok(())
}

/// Lifecycle rules count whole days: rounded up, at least one.
fn days(d: Duration) -> Result<i32, Failure> {
    let days = d.as_secs().div_ceil(86_400).max(1);
    i32::try_from(days).map_err(|_| Failure::Usage(anyhow!("{days} days is too long")))
}

fn size(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_days_round_up_to_whole_days() {
        let d = |s| days(Duration::from_secs(s)).ok();
        assert_eq!(d(0), Some(1));
        assert_eq!(d(3600), Some(1));
        assert_eq!(d(7 * 86_400), Some(7));
        assert_eq!(d(7 * 86_400 + 1), Some(8));
    }
}
