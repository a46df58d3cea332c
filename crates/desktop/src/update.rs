//! Updates, as the app tells them (available, downloading, waiting, installed, refused)
//! and the rule that an update is never installed while a recording runs or an upload
//! is in flight: it waits, and says why. Checking, downloading, the signature check and
//! the install itself are tauri-plugin-updater's (`src-tauri/src/updates.rs`).

use crate::engine::Desktop;
use crate::events::Event;
use idance_core::JobState;
use serde::Serialize;
use std::time::Duration;

/// What keeps an update from being installed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Busy {
    Recording,
    Uploading,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateStatus {
    /// A newer version is offered; its download starts at once.
    Available {
        version: String,
        notes: Option<String>,
    },
    Downloading {
        version: String,
        notes: Option<String>,
        percent: Option<u8>,
    },
    /// Downloaded and its signature verified; installed as soon as nothing is busy.
    Waiting {
        version: String,
        notes: Option<String>,
        reason: Busy,
    },
    /// Downloaded and verified, but this copy of the app cannot replace itself (not
    /// an installed bundle: a development build, or Linux outside an AppImage).
    NotInstallable { version: String },
    /// Installed: the next start runs it.
    Installed { version: String },
    /// Refused or failed; nothing was installed. `kind` is for the UI to switch on.
    Failed {
        version: Option<String>,
        kind: UpdateFailure,
        detail: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateFailure {
    /// The update endpoint could not be read.
    Check,
    /// The download failed.
    Download,
    /// The signature does not match this app's update key (tampered, or another key).
    Signature,
    /// The install failed (the old version stays).
    Install,
}

/// How often the app asks its update endpoint.
pub const CHECK_EVERY: Duration = Duration::from_secs(6 * 3600);

impl Desktop {
    /// What keeps an update from being installed now: a recording (from Start until
    /// it is queued), or a job whose bytes are on the wire.
    pub async fn busy(&self) -> Option<Busy> {
        if self.recorder.status().is_some() {
            return Some(Busy::Recording);
        }
        match self.queue.jobs().await {
            Ok(jobs) if jobs.iter().any(|j| j.state == JobState::Uploading) => {
                Some(Busy::Uploading)
            }
            Ok(_) => None,
            // Cannot tell: wait rather than cut an upload.
            Err(_) => Some(Busy::Uploading),
        }
    }

    /// Waits until nothing is busy, saying why it waits each time the reason changes.
    /// Woken by the app's own changes (a recording ending, a job moving), with a
    /// periodic look as a backstop; ends early (false) when the app shuts down.
    pub async fn wait_until_idle(&self, version: &str, notes: Option<String>) -> bool {
        let mut events = self.subscribe();
        let mut said = None;
        loop {
            let Some(reason) = self.busy().await else {
                return true;
            };
            if said != Some(reason) {
                said = Some(reason);
                self.set_update(UpdateStatus::Waiting {
                    version: version.to_string(),
                    notes: notes.clone(),
                    reason,
                });
            }
            // Progress (up to 10 a second per job) changes nothing busy() reads: only a
            // job or recording changing makes it look again.
            let changed = async { while let Ok(Event::Progress(_)) = events.recv().await {} };
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
                () = self.shutdown.cancelled() => return false,
            }
        }
    }

    /// Records the update's status and tells the window.
    pub fn set_update(&self, status: UpdateStatus) {
        if let Ok(mut s) = self.update.lock() {
            if s.as_ref() == Some(&status) {
                return;
            }
            *s = Some(status.clone());
        }
        self.emit(Event::Update(status));
    }

    /// Nothing newer was found: a failed earlier check is forgotten.
    pub fn up_to_date(&self) {
        if let Ok(mut s) = self.update.lock()
            && matches!(&*s, Some(UpdateStatus::Failed { .. }))
        {
            *s = None;
        }
    }

    /// Whether `version` is installed already (it runs at the next start).
    pub fn installed(&self, version: &str) -> bool {
        self.update_status()
            .is_some_and(|s| matches!(s, UpdateStatus::Installed { version: v } if v == version))
    }

    /// The update's status for a window that opens later.
    pub fn update_status(&self) -> Option<UpdateStatus> {
        self.update.lock().ok()?.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each status as the window gets it (the UI's fixture).
    #[test]
    fn the_ui_fixture_has_every_update_status() {
        let notes = Some("Uploads resume after sleep.".to_string());
        let v = || "0.2.0".to_string();
        let all = vec![
            UpdateStatus::Available {
                version: v(),
                notes: notes.clone(),
            },
            UpdateStatus::Downloading {
                version: v(),
                notes: notes.clone(),
                percent: Some(40),
            },
            UpdateStatus::Waiting {
                version: v(),
                notes: notes.clone(),
                reason: Busy::Recording,
            },
            UpdateStatus::Waiting {
                version: v(),
                notes: notes.clone(),
                reason: Busy::Uploading,
            },
            UpdateStatus::NotInstallable { version: v() },
            UpdateStatus::Installed { version: v() },
            UpdateStatus::Failed {
                version: Some(v()),
                kind: UpdateFailure::Signature,
                detail: "signature verification failed".into(),
            },
            UpdateStatus::Failed {
                version: None,
                kind: UpdateFailure::Check,
                detail: "could not fetch a valid release JSON from the remote".into(),
            },
        ];
        crate::fixtures::check("update_statuses.json", &all);
    }
}
