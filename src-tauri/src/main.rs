//! The desktop app: a thin Tauri shell. Commands forward to `idance_desktop::Desktop`;
//! its events are forwarded to the window. Files reach Rust by drop or by the native
//! dialog and are known to the UI only by opaque ids.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod player;
mod settings;
mod shortcut;
mod tray;
mod updates;

use idance_desktop::launch::Launch;
use idance_desktop::secrets::Secrets;
use idance_desktop::{Desktop, Event, l10n, media};
use std::path::Path;
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

/// Brings the window up (it starts hidden: shown at once unless started at login).
pub fn show_window(app: &tauri::AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// A second launch hands its command line here (and exits): its files are opened
/// here, and unless it was the login entry, the window comes up.
/// A desktop notification in the window's language (the one chosen, else the system's).
fn notify(app: &tauri::AppHandle, kind: l10n::NoticeKind, title: Option<&str>) {
    use idance_desktop::settings::ChoiceStore;
    use tauri_plugin_notification::NotificationExt;
    let chosen = app
        .state::<settings::PluginStore<tauri::Wry>>()
        .load()
        .language;
    let lang = l10n::language(chosen.as_deref(), l10n::system_language().as_deref());
    let _ = app
        .notification()
        .builder()
        .title("iDance Capture")
        .body(l10n::notice_text(lang, kind, title))
        .show();
}

fn second_launch(app: &tauri::AppHandle, argv: Vec<String>, cwd: String) {
    let launch = Launch::parse(argv, Path::new(&cwd));
    if !launch.hidden {
        show_window(app);
    }
    // Checked and kept under one lock that setup drains after the engine is managed,
    // so files from a launch during this one's start are not lost.
    let mut early = EARLY.lock().unwrap_or_else(|p| p.into_inner());
    match app.try_state::<Arc<Desktop>>() {
        Some(d) => d.open_files(&launch.files),
        None => early.extend(launch.files),
    }
}

/// Files a second launch handed over before the engine was running.
static EARLY: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn main() {
    use_bundled_ffmpeg();
    let launch = Launch::parse(
        std::env::args_os(),
        &std::env::current_dir().unwrap_or_default(),
    );
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDANCE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,s3s=warn")),
        )
        .init();
    let built = tauri::Builder::default()
        // First: a second launch must hand over and exit before anything else starts.
        .plugin(tauri_plugin_single_instance::init(second_launch))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(shortcut::plugin())
        .plugin(updates::plugin())
        .register_asynchronous_uri_scheme_protocol(media::SCHEME, |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn(async move {
                responder.respond(serve_media(&app, request.uri().path()).await);
            });
        })
        .setup(move |app| {
            let data_dir = match std::env::var_os("IDANCE_DATA_DIR") {
                Some(d) => d.into(),
                None => app.path().app_data_dir()?,
            };
            let data = idance_core::DataDir::new(data_dir);
            let secrets = Secrets::new(data.client());
            let store = settings::PluginStore::new(app.handle().clone(), &data);
            let stored = idance_desktop::settings::ChoiceStore::load(&store);
            tauri::async_runtime::spawn_blocking({
                let stored = stored.clone();
                move || {
                    if let Err(e) = idance_desktop::settings::apply_start_at_login(&stored) {
                        tracing::warn!("start at login: {e}");
                    }
                }
            });
            let (settings, problem) = idance_desktop::settings::resolve(&stored, &secrets);
            if let Some(p) = &problem {
                tracing::warn!("settings incomplete, using the built-in service: {p}");
            }
            // A saved choice that cannot connect starts the built-in service instead.
            let desktop: Arc<Desktop> = tauri::async_runtime::block_on(
                Desktop::start_or_built_in(data.root().to_path_buf(), settings),
            )?;
            if let Err(e) = shortcut::register(app.handle(), stored.record_shortcut()) {
                tracing::warn!("{}", e.message);
            }
            app.manage(secrets);
            app.manage(store);
            let mut events = desktop.subscribe();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(e) => {
                            if let Event::Notice { kind, title } = &e {
                                notify(&handle, *kind, title.as_deref());
                            }
                            let _ = handle.emit("idance", e);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    }
                }
            });
            desktop.open_files(&launch.files);
            updates::start(app.handle().clone(), desktop.clone());
            app.manage(desktop.clone());
            let early = std::mem::take(&mut *EARLY.lock().unwrap_or_else(|p| p.into_inner()));
            desktop.open_files(&early);
            // The main window, built here (not by the config) so its request hook is
            // the one the app's pages get: it gives the player page its media origin.
            let media = player::MediaOrigin::default();
            app.manage(media.clone());
            let config = app
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
                .cloned()
                .ok_or("tauri.conf.json has no main window")?;
            tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
                .on_web_resource_request(move |request, response| {
                    media.add_to_csp(&request, response)
                })
                .build()?;
            tray::build(app)?;
            // Started at login: the tray only (unless there is no tray to come back by).
            if !launch.hidden || !tray::keeps_running() {
                show_window(app.handle());
            }
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
            commands::take_opened,
            commands::set_start_at_login,
            commands::set_language,
            commands::check_update,
            commands::update_status,
            commands::refresh_library,
            commands::library_status,
            commands::rename_session,
            commands::delete_session,
            commands::open_player,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"));
    match built {
        Ok(app) => app.run(on_run_event),
        Err(e) => {
            eprintln!("error: iDance Capture could not start: {e}");
            std::process::exit(1);
        }
    }
}

/// macOS hands files opened with the app (Finder's "Open with", a drop on the Dock
/// icon) as an event, not as arguments.
fn on_run_event(app: &tauri::AppHandle, event: tauri::RunEvent) {
    #[cfg(target_os = "macos")]
    if let tauri::RunEvent::Opened { urls } = &event {
        let files: Vec<_> = urls.iter().filter_map(|u| u.to_file_path().ok()).collect();
        show_window(app);
        if let Some(d) = app.try_state::<Arc<Desktop>>() {
            d.open_files(&files);
        }
    }
    let _ = (app, event);
}
