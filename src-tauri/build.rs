//! The app's configuration lives at the repository's top (`../tauri.conf.json`, as the
//! design card lays it out); the commands the UI may call are listed here and granted in
//! `capabilities/main.json`, so the UI can call nothing else.

const COMMANDS: &[&str] = &[
    "app_info",
    "queue_view",
    "sessions_view",
    "download_url",
    "pick_files",
    "add_files",
    "pause",
    "resume",
    "cancel",
    "devices",
    "start_recording",
    "stop_recording",
    "pause_recording",
    "resume_recording",
    "recording_room",
    "record_status",
    "unfinished_recordings",
    "recover",
    "get_settings",
    "save_settings",
    "sign_in",
    "sign_out",
    "start_preview",
    "stop_preview",
    "set_calories",
    "trim_view",
    "trim_job",
    "take_opened",
    "set_start_at_login",
    "set_language",
    "check_update",
    "update_status",
    "refresh_library",
    "library_status",
    "rename_session",
    "delete_session",
    "open_player",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build: {e:#}");
    }
}
