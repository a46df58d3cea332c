//! The commands the UI may call (and nothing else: see build.rs and capabilities/).
//! Each one forwards to the desktop engine; errors reach the UI as `{kind, message}`.
//! Every command that reads a file or the keychain is async (off the main thread).

use crate::settings::PluginStore;
use idance_desktop::Added;
use idance_desktop::FileRef;
use idance_desktop::recorder::RecordRequest;
use idance_desktop::settings::{self, View};
use idance_desktop::{Desktop, JobView, LibraryStatus, SessionView};
use idance_media::devices::Device;
use idance_media::record::{RecordStatus, Unfinished};
use serde::Serialize;
use std::sync::Arc;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::error::{Res, UiError};

type D<'a> = State<'a, Arc<Desktop>>;
type Store<'a> = State<'a, PluginStore<tauri::Wry>>;

#[derive(Serialize)]
pub struct AppInfo {
    embedded: bool,
    /// Record counts down 3 seconds first.
    countdown: bool,
    /// The global Record/Stop shortcut, as Settings shows it.
    record_shortcut: String,
    online: bool,
    version: &'static str,
    /// Where thumbnails and the preview are (the media scheme, in this OS's form).
    media_base: String,
    /// The language chosen in Settings; None: the system's (the window asks it).
    language: Option<String>,
}

#[tauri::command]
pub fn app_info(d: D<'_>, store: Store<'_>) -> AppInfo {
    use idance_desktop::settings::ChoiceStore;
    let stored = store.load();
    AppInfo {
        embedded: d.is_embedded(),
        countdown: stored.counts_down(),
        record_shortcut: stored.record_shortcut().to_string(),
        online: d.is_online(),
        version: env!("CARGO_PKG_VERSION"),
        media_base: idance_desktop::media::base_url(std::env::consts::OS),
        language: stored.language.clone(),
    }
}

#[tauri::command]
pub async fn queue_view(d: D<'_>) -> Res<Vec<JobView>> {
    d.queue_view().await.map_err(UiError::from)
}

#[tauri::command]
pub async fn sessions_view(d: D<'_>) -> Res<Vec<SessionView>> {
    d.sessions_view().await.map_err(UiError::from)
}

/// Fetches the server's library (the window shows, a completion, every few minutes).
#[tauri::command]
pub async fn refresh_library(d: D<'_>) -> Res<LibraryStatus> {
    Ok(d.refresh_library().await)
}

#[tauri::command]
pub async fn library_status(d: D<'_>) -> Res<LibraryStatus> {
    Ok(d.library_status().await)
}

#[tauri::command]
pub async fn rename_session(d: D<'_>, session: String, title: String) -> Res<()> {
    d.rename_session(&session, &title)
        .await
        .map_err(UiError::from)
}

#[tauri::command]
pub async fn delete_session(d: D<'_>, session: String) -> Res<()> {
    d.delete_session(&session).await.map_err(UiError::from)
}

/// Plays a library session in the player window (streamed from storage).
#[tauri::command]
pub async fn open_player(
    app: tauri::AppHandle,
    d: D<'_>,
    session: String,
    language: Option<String>,
) -> Res<()> {
    let playable = d.play_url(&session).await.map_err(UiError::from)?;
    // The player speaks the window's language (one the app ships).
    let lang = idance_desktop::l10n::language(language.as_deref(), None);
    crate::player::open(&app, playable, lang).map_err(UiError::app)
}

#[tauri::command]
pub async fn download_url(d: D<'_>, file_key: String) -> Res<String> {
    d.download_url(&file_key).await.map_err(UiError::from)
}

/// Opens the native file dialog (in Rust); the UI gets ids, never paths.
#[tauri::command]
pub async fn pick_files(app: tauri::AppHandle, d: D<'_>) -> Res<Vec<FileRef>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Videos", &idance_desktop::files::picker_extensions())
        .pick_files(move |files| {
            let _ = tx.send(files);
        });
    let picked = rx.await.map_err(UiError::app)?.unwrap_or_default();
    Ok(picked
        .into_iter()
        .filter_map(|f| f.into_path().ok())
        .map(|p| d.register_file(&p))
        .collect())
}

#[tauri::command]
pub async fn add_files(d: D<'_>, ids: Vec<String>, session: Option<String>) -> Res<Vec<Added>> {
    Ok(d.add_files(&ids, session).await)
}

#[tauri::command]
pub async fn pause(d: D<'_>, job_id: Option<String>) -> Res<()> {
    d.pause(job_id.as_deref()).await.map_err(UiError::from)
}

#[tauri::command]
pub async fn resume(d: D<'_>, job_id: Option<String>) -> Res<()> {
    d.resume(job_id.as_deref()).await.map_err(UiError::from)
}

#[tauri::command]
pub async fn cancel(d: D<'_>, job_id: String) -> Res<()> {
    d.cancel(&job_id).await.map_err(UiError::from)
}

#[tauri::command]
pub async fn devices(d: D<'_>) -> Res<Vec<Device>> {
    Ok(d.devices().await)
}

/// Async so it runs on the tokio runtime (the recording's tasks are spawned there).
#[tauri::command]
pub async fn start_recording(d: D<'_>, request: RecordRequest) -> Res<()> {
    d.start_recording(request)
        .await
        .map(|_| ())
        .map_err(UiError::from)
}

#[tauri::command]
pub fn stop_recording(d: D<'_>) -> Res<()> {
    d.stop_recording().map_err(UiError::from)
}

/// Gets a queued video ready to trim (its strip of frames is then at `strip/<job>`).
#[tauri::command]
pub async fn trim_view(d: D<'_>, job_id: String) -> Res<idance_desktop::trim::TrimView> {
    d.trim_view(&job_id).await.map_err(UiError::from)
}

/// Cuts a queued video to `start..end` seconds; the cut takes its place.
#[tauri::command]
pub async fn trim_job(d: D<'_>, job_id: String, start: f64, end: f64) -> Res<String> {
    d.trim(&job_id, start, end).await.map_err(UiError::from)
}

#[tauri::command]
pub fn pause_recording(d: D<'_>) -> Res<()> {
    d.pause_recording().map_err(UiError::from)
}

#[tauri::command]
pub fn resume_recording(d: D<'_>) -> Res<()> {
    d.resume_recording().map_err(UiError::from)
}

/// Space left for recordings and the encoder, before Record.
#[tauri::command]
pub async fn recording_room(d: D<'_>) -> Res<idance_desktop::RecordingRoom> {
    Ok(d.recording_room().await)
}

#[tauri::command]
pub fn record_status(d: D<'_>) -> Option<RecordStatus> {
    d.record_status()
}

#[tauri::command]
pub async fn unfinished_recordings(d: D<'_>) -> Res<Vec<UnfinishedView>> {
    Ok(d.unfinished_recordings()
        .await
        .into_iter()
        .enumerate()
        .map(|(i, u)| UnfinishedView::from(i, u))
        .collect())
}

/// An unfinished recording as the UI sees it: its index and name, no path.
#[derive(Serialize)]
pub struct UnfinishedView {
    index: usize,
    name: String,
    title: Option<String>,
    started_at: Option<String>,
}

impl UnfinishedView {
    fn from(index: usize, u: Unfinished) -> Self {
        UnfinishedView {
            index,
            name: u
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            title: u.title,
            started_at: u.started_at,
        }
    }
}

#[tauri::command]
pub async fn recover(d: D<'_>, index: usize) -> Res<Added> {
    let found = d.unfinished_recordings().await;
    let u = found
        .get(index)
        .ok_or_else(|| UiError::app("that recording is no longer listed"))?;
    d.recover(&u.path).await.map_err(UiError::from)
}

#[tauri::command]
pub async fn get_settings(
    store: Store<'_>,
    d: D<'_>,
    secrets: State<'_, idance_desktop::secrets::Secrets>,
) -> Res<View> {
    Ok(settings::view(&*store, &secrets, &d).await)
}

/// Connects the new choice first; it is saved only if that works. A new Record
/// shortcut is checked first and registered once saved.
#[tauri::command]
pub async fn save_settings(
    app: tauri::AppHandle,
    store: Store<'_>,
    d: D<'_>,
    secrets: State<'_, idance_desktop::secrets::Secrets>,
    input: settings::Input,
) -> Res<View> {
    if let Some(s) = input
        .record_shortcut
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        crate::shortcut::parse(s)?;
    }
    let view = settings::save_and_apply(&d, &*store, &secrets, input).await?;
    crate::shortcut::register(&app, &view.record_shortcut)?;
    Ok(view)
}

/// Signs in with email and password; uploads switch to that server.
#[tauri::command]
pub async fn sign_in(
    store: Store<'_>,
    d: D<'_>,
    secrets: State<'_, idance_desktop::secrets::Secrets>,
    input: settings::SignInInput,
) -> Res<View> {
    Ok(settings::sign_in(&d, &*store, &secrets, input).await?)
}

#[tauri::command]
pub async fn sign_out(
    store: Store<'_>,
    d: D<'_>,
    secrets: State<'_, idance_desktop::secrets::Secrets>,
) -> Res<View> {
    Ok(settings::sign_out(&d, &*store, &secrets).await?)
}

/// Chooses the window's language (None: the system's); the window reloads in it.
#[tauri::command]
pub fn set_language(store: Store<'_>, language: Option<String>) -> Res<()> {
    Ok(settings::set_language(&*store, language)?)
}

/// Turns start at login on or off (the OS's entry, then the choice).
#[tauri::command]
pub async fn set_start_at_login(
    store: Store<'_>,
    d: D<'_>,
    secrets: State<'_, idance_desktop::secrets::Secrets>,
    on: bool,
) -> Res<View> {
    Ok(settings::set_start_at_login(&d, &*store, &secrets, on).await?)
}

/// Checks for an update now (Settings); its status comes as events.
#[tauri::command]
pub async fn check_update(app: tauri::AppHandle, d: D<'_>) -> Res<()> {
    crate::updates::check(&app, &d).await;
    Ok(())
}

/// The last update status, for a window that opens after it was told.
#[tauri::command]
pub fn update_status(d: D<'_>) -> Option<idance_desktop::update::UpdateStatus> {
    d.update_status()
}

/// The files opened with the app since the window last asked; the window queues them
/// as it queues a drop.
#[tauri::command]
pub fn take_opened(d: D<'_>) -> Vec<FileRef> {
    d.take_opened()
}

#[tauri::command]
pub async fn start_preview(d: D<'_>, request: RecordRequest) -> Res<()> {
    d.start_preview(request).await.map_err(UiError::from)
}

#[tauri::command]
pub async fn stop_preview(d: D<'_>) -> Res<()> {
    d.stop_preview().await;
    Ok(())
}

#[tauri::command]
pub async fn set_calories(d: D<'_>, session: String, calories: Option<f64>) -> Res<()> {
    d.set_calories(&session, calories)
        .await
        .map_err(UiError::from)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The names between `start` and the next `end` that look like `"name"` (or, for
    /// the handler list, `commands::name`).
    fn names(text: &str, start: &str, end: &str, quoted: bool) -> BTreeSet<String> {
        let from = text.find(start).map(|i| i + start.len()).unwrap_or(0);
        let body = &text[from..from + text[from..].find(end).unwrap_or(0)];
        body.split([',', '\n'])
            .map(str::trim)
            .filter_map(|t| {
                if quoted {
                    t.strip_prefix('"')?.strip_suffix('"').map(str::to_string)
                } else {
                    t.strip_prefix("commands::").map(str::to_string)
                }
            })
            .collect()
    }

    /// One command list: what build.rs declares, what main.rs handles, what the
    /// window's capability grants and what the UI calls are the same set.
    #[test]
    fn declared_handled_granted_and_called_commands_agree() {
        let declared = names(
            include_str!("../build.rs"),
            "COMMANDS: &[&str] = &[",
            "];",
            true,
        );
        let handled = names(include_str!("main.rs"), "generate_handler![", "]", false);
        let caps: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
        let granted: BTreeSet<String> = caps["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        assert!(!declared.is_empty());
        assert_eq!(declared, handled, "build.rs vs main.rs");
        assert_eq!(declared, granted, "build.rs vs capabilities/main.json");
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/app/js");
        for entry in std::fs::read_dir(ui).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for call in text.split("invoke(\"").skip(1) {
                let name = &call[..call.find('"').unwrap()];
                assert!(
                    declared.contains(name),
                    "{} calls unknown command {name}",
                    path.display()
                );
            }
        }
    }
}
