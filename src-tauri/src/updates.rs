//! Updates through tauri-plugin-updater: a check at start and every 6 hours (or when
//! Settings asks), the download in the background, its minisign signature checked
//! against the app's key, and the install only when nothing records or uploads
//! (`Desktop::wait_until_idle`, which says why it waits). `IDANCE_UPDATE_URL` and
//! `IDANCE_UPDATE_PUBKEY` replace the endpoint and key of `tauri.conf.json`, for
//! studios that ship their own builds (and for tests).

use idance_desktop::Desktop;
use idance_desktop::update::{CHECK_EVERY, UpdateFailure, UpdateStatus};
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Error, Update, UpdaterExt};
use tokio::sync::Mutex;

/// One check at a time (the timer's and Settings').
static RUNNING: Mutex<()> = Mutex::const_new(());

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config> {
    let mut b = tauri_plugin_updater::Builder::new();
    if let Some(key) = env("IDANCE_UPDATE_PUBKEY") {
        b = b.pubkey(key);
    }
    b.build()
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// Checks now and every [`CHECK_EVERY`] until the app shuts down.
pub fn start<R: Runtime>(app: AppHandle<R>, desktop: Arc<Desktop>) {
    tauri::async_runtime::spawn(async move {
        let shutdown = desktop.shutdown_token();
        loop {
            check(&app, &desktop).await;
            tokio::select! {
                () = tokio::time::sleep(CHECK_EVERY) => {}
                () = shutdown.cancelled() => return,
            }
        }
    });
}

/// One check: an update offered is downloaded and its signature checked now; its
/// install waits in the background until nothing records or uploads. Every outcome
/// is told through `Desktop::set_update`.
pub async fn check<R: Runtime>(app: &AppHandle<R>, d: &Arc<Desktop>) {
    let Ok(one) = RUNNING.try_lock() else { return };
    let Some((update, bytes)) = fetch(app, d).await else {
        return;
    };
    let version = update.version.clone();
    if !installable() {
        d.set_update(UpdateStatus::NotInstallable { version });
        return;
    }
    let d = d.clone();
    tauri::async_runtime::spawn(async move {
        let _one = one;
        if !d.wait_until_idle(&version, update.body.clone()).await {
            return;
        }
        match update.install(&bytes) {
            Ok(()) => d.set_update(UpdateStatus::Installed { version }),
            Err(e) => {
                tracing::warn!("update {version}: {e}");
                d.set_update(failed(Some(&version), UpdateFailure::Install, &e));
            }
        }
    });
}

/// The update offered, downloaded and verified; None when there is none (or it failed,
/// which is told).
async fn fetch<R: Runtime>(app: &AppHandle<R>, d: &Desktop) -> Option<(Update, Vec<u8>)> {
    let update = match find(app).await {
        Ok(Some(u)) if !d.installed(&u.version) => u,
        Ok(_) => {
            d.up_to_date();
            return None;
        }
        Err(e) => {
            tracing::warn!("update check: {e}");
            d.set_update(failed(None, UpdateFailure::Check, &e));
            return None;
        }
    };
    let version = update.version.clone();
    d.set_update(UpdateStatus::Available {
        version: version.clone(),
        notes: update.body.clone(),
    });
    match download(&update, d).await {
        Ok(bytes) => Some((update, bytes)),
        Err(e) => {
            let kind = match e {
                Error::Minisign(_) | Error::Base64(_) | Error::SignatureUtf8(_) => {
                    UpdateFailure::Signature
                }
                _ => UpdateFailure::Download,
            };
            tracing::warn!("update {version}: {e}");
            d.set_update(failed(Some(&version), kind, &e));
            None
        }
    }
}

async fn find<R: Runtime>(app: &AppHandle<R>) -> Result<Option<Update>, Error> {
    let mut b = app.updater_builder();
    if let Some(url) = env("IDANCE_UPDATE_URL") {
        b = b.endpoints(vec![url.parse()?])?;
    }
    // An AppImage runs from a temporary mount: the file to replace is the image.
    if let Some(image) = env("APPIMAGE") {
        b = b.executable_path(image);
    }
    b.build()?.check().await
}

/// The download (told as it goes, a step per percent); the plugin checks the signature.
async fn download(update: &Update, d: &Desktop) -> Result<Vec<u8>, Error> {
    let (version, notes) = (update.version.clone(), update.body.clone());
    let mut got = 0u64;
    let mut told = None;
    update
        .download(
            |chunk, total| {
                got += chunk as u64;
                let percent = total
                    .filter(|t| *t > 0)
                    .map(|t| (got * 100 / t).min(100) as u8);
                if percent != told {
                    told = percent;
                    d.set_update(UpdateStatus::Downloading {
                        version: version.clone(),
                        notes: notes.clone(),
                        percent,
                    });
                }
            },
            || {},
        )
        .await
}

/// Whether this copy can replace itself: a bundle the updater knows (an AppImage, or
/// the .deb/.rpm, the NSIS/MSI installer, the .app it was installed from). A
/// development build never overwrites its own binary.
fn installable() -> bool {
    use tauri::utils::config::BundleType;
    let bundle = tauri::utils::platform::bundle_type();
    if cfg!(target_os = "linux") {
        env("APPIMAGE").is_some() || matches!(bundle, Some(BundleType::Deb | BundleType::Rpm))
    } else if cfg!(target_os = "macos") {
        // macOS reports an .app even for a development build.
        !cfg!(debug_assertions)
    } else {
        matches!(bundle, Some(BundleType::Nsis | BundleType::Msi))
    }
}

fn failed(version: Option<&str>, kind: UpdateFailure, e: &Error) -> UpdateStatus {
    UpdateStatus::Failed {
        version: version.map(str::to_string),
        kind,
        detail: e.to_string(),
    }
}
