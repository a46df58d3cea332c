//! The desktop app: a thin Tauri shell. Commands forward to `idance_desktop::Desktop`;
//! its events are forwarded to the window. Files reach Rust by drop or by the native
//! dialog and are known to the UI only by opaque ids.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod settings;
mod tray;

use idance_desktop::engine::Event;
use idance_desktop::secrets::Secrets;
use idance_desktop::{Desktop, media};
use std::sync::Arc;
use tauri::{DragDropEvent, Emitter, Manager, WindowEvent};

/// A release bundle carries ffmpeg and ffprobe beside the app (Tauri's `externalBin`):
/// put that folder first on PATH so every ffmpeg call finds them. Runs before any
/// thread is started.
fn use_bundled_ffmpeg() {
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|p| p.to_path_buf()))
    else {
        return;
    };
    let exe = if cfg!(windows) {
        "ffmpeg.exe"
    } else {
        "ffmpeg"
    };
    if !dir.join(exe).is_file() {
        return;
    }
    let mut paths = vec![dir];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    if let Ok(joined) = std::env::join_paths(paths) {
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe { std::env::set_var("PATH", joined) };
    }
}

/// A thumbnail or the preview frame for the window, by the media scheme.
async fn serve_media(app: &tauri::AppHandle, path: &str) -> tauri::http::Response<Vec<u8>> {
    use tauri::http::{Response, StatusCode, header};
    let found = match (media::Asset::parse(path), app.try_state::<Arc<Desktop>>()) {
        (Some(asset), Some(d)) => d.asset(&asset).await.map(|b| (b, asset.cache_control())),
        _ => None,
    };
    let built = match found {
        Some((bytes, cache)) => Response::builder()
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header(header::CACHE_CONTROL, cache)
            .body(bytes),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CACHE_CONTROL, "no-store")
            .body(Vec::new()),
    };
    built.unwrap_or_else(|_| Response::new(Vec::new()))
}

fn main() {
    use_bundled_ffmpeg();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDANCE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,s3s=warn")),
        )
        .init();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .register_asynchronous_uri_scheme_protocol(media::SCHEME, |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                responder.respond(serve_media(&app, request.uri().path()).await);
            });
        })
        .setup(|app| {
            let data_dir = match std::env::var_os("IDANCE_DATA_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            let secrets = Secrets::new(data_dir.join("client"));
            let stored = idance_desktop::settings::ChoiceStore::load(&settings::PluginStore(
                app.handle().clone(),
            ));
            let (settings, problem) = idance_desktop::settings::resolve(&stored, &secrets);
            if let Some(p) = &problem {
                tracing::warn!("settings incomplete, using the built-in service: {p}");
            }
            // A saved choice that cannot connect starts the built-in service instead.
            let desktop: Arc<Desktop> =
                tauri::async_runtime::block_on(Desktop::start_or_built_in(data_dir, settings))?;
            app.manage(secrets);
            let mut events = desktop.subscribe();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(e) => {
                            if let Event::Notice { title, body } = &e {
                                use tauri_plugin_notification::NotificationExt;
                                let _ = handle
                                    .notification()
                                    .builder()
                                    .title(title)
                                    .body(body)
                                    .show();
                            }
                            let _ = handle.emit("idance", e);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    }
                }
            });
            app.manage(desktop);
            tray::build(app)?;
            Ok(())
        })
        .on_window_event(|window, event| match event {
            WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) => {
                let desktop = window.state::<Arc<Desktop>>();
                let refs: Vec<_> = paths.iter().map(|p| desktop.register_file(p)).collect();
                let _ = window.emit("drag", false);
                let _ = window.emit("dropped", refs);
            }
            WindowEvent::DragDrop(DragDropEvent::Enter { .. }) => {
                let _ = window.emit("drag", true);
            }
            WindowEvent::DragDrop(DragDropEvent::Leave) => {
                let _ = window.emit("drag", false);
            }
            WindowEvent::CloseRequested { api, .. } if tray::keeps_running() => {
                // Uploads go on in the tray; "Quit" in its menu ends the app.
                api.prevent_close();
                let _ = window.hide();
            }
            _ => {}
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::queue_view,
            commands::sessions_view,
            commands::download_url,
            commands::pick_files,
            commands::add_files,
            commands::pause,
            commands::resume,
            commands::cancel,
            commands::devices,
            commands::start_recording,
            commands::stop_recording,
            commands::trim_view,
            commands::trim_job,
            commands::pause_recording,
            commands::resume_recording,
            commands::recording_room,
            commands::record_status,
            commands::unfinished_recordings,
            commands::recover,
            commands::get_settings,
            commands::start_preview,
            commands::stop_preview,
            commands::set_calories,
            commands::save_settings,
            commands::sign_in,
            commands::sign_out,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("error: iDance Capture could not start: {e}");
        std::process::exit(1);
    }
}
