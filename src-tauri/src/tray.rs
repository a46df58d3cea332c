//! The tray icon: closing the window keeps uploads going here (show, pause all, quit).

use idance_desktop::Desktop;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{App, Manager};

static TRAY: AtomicBool = AtomicBool::new(false);

/// Whether closing the window hides it (a tray icon exists to bring it back).
pub fn keeps_running() -> bool {
    TRAY.load(Ordering::Relaxed)
}

pub fn build(app: &App) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show iDance Capture", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", "Pause all uploads", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &pause, &quit])?;
    let icon = tauri::image::Image::from_bytes(include_bytes!("../../icons/tray.png"))?;
    let built = TrayIconBuilder::with_id("main")
        .icon(icon)
        .tooltip("iDance Capture")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.show();
                    let _ = w.set_focus();
                }
            }
            "pause" => {
                let d = app.state::<Arc<Desktop>>().inner().clone();
                tauri::async_runtime::spawn(async move {
                    let _ = d.pause(None).await;
                });
            }
            "quit" => {
                let d = app.state::<Arc<Desktop>>().inner().clone();
                tauri::async_runtime::block_on(d.shutdown());
                app.exit(0);
            }
            _ => {}
        })
        .build(app);
    // Without a tray (no status notifier on this desktop) closing the window quits.
    TRAY.store(built.is_ok(), Ordering::Relaxed);
    if let Err(e) = built {
        tracing::warn!("no tray icon: {e}");
    }
    Ok(())
}
