//! `idance`: the command line over the iDance crates.

mod account;
mod admin;
mod args;
mod client;
mod compress;
mod direct;
mod media;
mod paths;
mod print;
mod queue;
mod record;
mod send;
mod serve;
mod sessions;
mod sync;
mod units;
mod upload;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

/// How a command failed, which decides the exit code (contract: 1 work, 2 usage/config).
#[derive(Debug)]
pub enum Failure {
    Usage(anyhow::Error),
    Work(anyhow::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDANCE_LOG").unwrap_or_else(|_| {
                // The server logs its requests; client commands print their own lines,
                // and admin commands serve the embedded store to themselves: what it
                // refuses is their own error line, not a log.
                let filter = match cli.command {
                    Command::Serve(_) => "info,s3s=warn,s3s_fs=warn",
                    Command::Admin(_) | Command::Users(_) => {
                        "warn,s3s=off,s3s_fs=off,tower_http=off"
                    }
                    _ => "warn,s3s=warn,s3s_fs=warn",
                };
                tracing_subscriber::EnvFilter::new(filter)
            }),
        );
    // One JSON object a line for log collectors (operations.md), text otherwise.
    if std::env::var("IDANCE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().flatten_event(true).init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        let data = paths::data_dir(cli.global.data_dir.clone()).map_err(Failure::Usage)?;
        match cli.command {
            Command::Serve(a) => serve::serve(&data, a).await,
            Command::Token(a) => serve::token(&data, a),
            Command::Upload(a) => upload::upload(&data, &cli.global, a).await,
            Command::Sync(a) => sync::sync(&data, &cli.global, a).await,
            Command::Queue(a) => queue::list(&data, a.json).await,
            Command::Pause(a) => queue::pause(&data, &a.job).await,
            Command::Resume(a) => queue::resume(&data, &a.job).await,
            Command::Cancel(a) => queue::cancel(&data, &cli.global, &a.job).await,
            Command::Probe(a) => media::probe(&a.file).await,
            Command::Thumbnail(a) => media::thumbnail(&a.file, a.out.as_deref()).await,
            Command::Trim(a) => media::trim(a).await,
            Command::Record(a) => record::record(&data, &cli.global, a).await,
            Command::Devices(a) => record::list_devices(&data, a).await,
            Command::Admin(a) => admin::admin(&data, a).await,
            Command::Users(a) => admin::users(&data, a).await,
            Command::Login(a) => account::login(&data, &cli.global, a).await,
            Command::Logout => account::logout(&data).await,
            Command::Sessions(a) => sessions::sessions(&data, &cli.global, a).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(Failure::Work(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
