//! The player window: one at a time, its page allowed to load media from the storage
//! origin of the video it plays and from nowhere else (the main window allows none).
//! WebKitGTK hands a <video> URL straight to GStreamer, which cannot read the app's
//! own schemes, so the video comes from storage's presigned GET itself, ranges and all.
//!
//! The page's CSP gets the origin from a request hook. On Linux the app's scheme is
//! registered once per webview context, with the hook of the window built first: the
//! main window is built with this hook (see `main`), and it serves the player's page.

use idance_desktop::media::Playable;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use tauri::http::header::{CONTENT_SECURITY_POLICY, HeaderValue};
use tauri::http::{Request, Response};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

const LABEL: &str = "player";
const PAGE: &str = "player.html";

/// The storage origin of the video being played (set before its window opens).
#[derive(Clone, Default)]
pub struct MediaOrigin(Arc<Mutex<Option<String>>>);

impl MediaOrigin {
    fn set(&self, origin: String) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(origin);
    }

    fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl MediaOrigin {
    /// Adds `media-src <origin>` to the player page's CSP, and to no other page's (the
    /// main window's request hook).
    pub fn add_to_csp(
        &self,
        request: &Request<Vec<u8>>,
        response: &mut Response<Cow<'static, [u8]>>,
    ) {
        if request.uri().path().trim_start_matches('/') != PAGE {
            return;
        }
        let Some(origin) = self.get() else { return };
        if let Some(csp) = response.headers_mut().get_mut(CONTENT_SECURITY_POLICY)
            && let Ok(now) = csp.to_str()
            && let Ok(with) = HeaderValue::from_str(&format!("{now}; media-src {origin}"))
        {
            *csp = with;
        }
    }
}

pub fn open(app: &tauri::AppHandle, p: Playable, lang: &str) -> tauri::Result<()> {
    if let Some(old) = app.get_webview_window(LABEL) {
        let _ = old.destroy();
    }
    app.state::<MediaOrigin>().set(p.origin);
    // The link rides in the fragment: the page needs no command to get it.
    let link: String = url::form_urlencoded::byte_serialize(p.url.as_bytes()).collect();
    WebviewWindowBuilder::new(
        app,
        LABEL,
        WebviewUrl::App(format!("{PAGE}?lang={lang}#{link}").into()),
    )
    .title(format!("{} — iDance Capture", p.title))
    .inner_size(960.0, 600.0)
    .build()?;
    Ok(())
}
