//! Pictures for the window — job thumbnails, trim strips and the live preview — served by the app's
//! own URI scheme as images by URL, instead of base64 strings over IPC; library
//! thumbnails fetched from storage (and kept); and what the player window needs to
//! stream a library video straight from storage.

use crate::engine::Desktop;
use crate::error::DesktopError;
use std::time::{Duration, Instant};

/// The scheme `src-tauri` registers.
pub const SCHEME: &str = "idance-media";

/// Where the window finds the scheme: WebView2 (Windows) and Android load custom
/// schemes only as `http://<scheme>.localhost/`, WebKit (macOS, Linux) as
/// `<scheme>://localhost/`. `os` is `std::env::consts::OS`.
pub fn base_url(os: &str) -> String {
    match os {
        "windows" | "android" => format!("http://{SCHEME}.localhost/"),
        _ => format!("{SCHEME}://localhost/"),
    }
}

/// What a path of the scheme names.
#[derive(Debug, PartialEq)]
pub enum Asset {
    /// `/thumb/<job id>`: a job's thumbnail, fixed once made.
    Thumbnail(String),
    /// `/preview`: the latest preview frame (queries are cache-busters, ignored).
    Preview,
    /// `/strip/<job id>`: frames across a video, for choosing where to trim it.
    Strip(String),
    /// `/library-thumb/<session id>`: a library session's thumbnail from storage (kept
    /// on disk once fetched, so it shows offline too).
    LibraryThumbnail(String),
}

fn is_session_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Asset {
    pub fn parse(path: &str) -> Option<Asset> {
        match path.trim_start_matches('/').split_once('/') {
            Some((kind @ ("thumb" | "strip"), id))
                if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Some(match kind {
                    "thumb" => Asset::Thumbnail(id.to_string()),
                    _ => Asset::Strip(id.to_string()),
                })
            }
            Some(("library-thumb", id)) if is_session_id(id) => {
                Some(Asset::LibraryThumbnail(id.to_string()))
            }
            None if path.trim_start_matches('/') == "preview" => Some(Asset::Preview),
            _ => None,
        }
    }

    /// A thumbnail never changes; a preview frame is stale a moment later.
    pub fn cache_control(&self) -> &'static str {
        match self {
            Asset::Thumbnail(_) | Asset::LibraryThumbnail(_) => "max-age=31536000, immutable",
            // Made again after a cut (the job id is new then, but be plain about it).
            Asset::Preview | Asset::Strip(_) => "no-store",
        }
    }
}

impl Desktop {
    /// The JPEG an asset names, when there is one (a whole JPEG, never a torn write).
    pub async fn asset(&self, asset: &Asset) -> Option<Vec<u8>> {
        let path = match asset {
            Asset::Thumbnail(job) => idance_core::intake::thumbnail_path(&self.thumbs_dir(), job),
            Asset::Preview => self.preview_path(),
            Asset::Strip(job) => self.strip_path(job),
            Asset::LibraryThumbnail(session) => return self.library_thumbnail(session).await,
        };
        let bytes = tokio::fs::read(path).await.ok()?;
        is_jpeg(&bytes).then_some(bytes)
    }

    /// A library session's thumbnail: from disk when fetched before, else from storage.
    async fn library_thumbnail(&self, session: &str) -> Option<Vec<u8>> {
        let path = self.thumbs_dir().join(format!("library-{session}.jpg"));
        if let Ok(bytes) = tokio::fs::read(&path).await
            && is_jpeg(&bytes)
        {
            return Some(bytes);
        }
        let key = self.card_of(session).await?.thumbnail_key?;
        let url = self.presigned_get(&key).await?;
        let resp = self.link().api.storage_http().get(url).send().await.ok()?;
        if !resp.status().is_success() {
            return None;
        }
        let bytes = resp.bytes().await.ok()?.to_vec();
        if !is_jpeg(&bytes) {
            return None;
        }
        let tmp = path.with_extension("jpg.tmp");
        if tokio::fs::write(&tmp, &bytes).await.is_ok() {
            let _ = tokio::fs::rename(&tmp, &path).await;
        }
        Some(bytes)
    }

    /// What the player window streams for a session: a presigned GET of its video (the
    /// player's range requests go to storage itself), the session's title, and the
    /// origin the window's CSP allows media from — that one, and no other.
    pub async fn play_url(&self, session: &str) -> Result<Playable, DesktopError> {
        let card = self
            .card_of(session)
            .await
            .ok_or_else(|| DesktopError::Refused("this session is no longer listed".into()))?;
        let key = card.video_key.clone().ok_or_else(|| {
            DesktopError::Refused("this session's video is not stored yet".into())
        })?;
        let answer = self.link().api.download_url(&key).await?;
        let origin = origin_of(&answer.download_url).ok_or_else(|| {
            DesktopError::Refused("storage answered a link the player cannot use".into())
        })?;
        Ok(Playable {
            url: answer.download_url,
            origin,
            title: card.title.unwrap_or_else(|| "Untitled session".into()),
        })
    }

    /// A presigned GET for `key`, reused while it has more than half its life left.
    async fn presigned_get(&self, key: &str) -> Option<String> {
        if let Some((url, until)) = self.play_urls.lock().ok()?.get(key).cloned()
            && Instant::now() < until
        {
            return Some(url);
        }
        let answer = self.link().api.download_url(key).await.ok()?;
        let until = Instant::now() + Duration::from_secs(answer.expires_in / 2);
        self.play_urls
            .lock()
            .ok()?
            .insert(key.to_string(), (answer.download_url.clone(), until));
        Some(answer.download_url)
    }
}

/// A library video for the player window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playable {
    pub url: String,
    /// `scheme://host[:port]` of `url`: the window's only media source.
    pub origin: String,
    pub title: String,
}

/// The origin of an http(s) URL, as a CSP source.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

fn is_jpeg(b: &[u8]) -> bool {
    b.len() > 4 && b[..3] == [0xFF, 0xD8, 0xFF] && b[b.len() - 2..] == [0xFF, 0xD9]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_os_gets_the_url_form_its_webview_loads() {
        let table = [
            ("windows", "http://idance-media.localhost/"),
            ("android", "http://idance-media.localhost/"),
            ("macos", "idance-media://localhost/"),
            ("linux", "idance-media://localhost/"),
            ("freebsd", "idance-media://localhost/"),
        ];
        for (os, want) in table {
            assert_eq!(base_url(os), want, "{os}");
        }
    }

    #[test]
    fn only_thumbnails_and_strips_by_job_id_and_the_preview_are_served() {
        assert_eq!(
            Asset::parse("/thumb/a1B2"),
            Some(Asset::Thumbnail("a1B2".into()))
        );
        assert_eq!(
            Asset::parse("/strip/c3d4"),
            Some(Asset::Strip("c3d4".into()))
        );
        assert_eq!(Asset::parse("/preview"), Some(Asset::Preview));
        for bad in [
            "/thumb/../../etc/passwd",
            "/thumb/",
            "/thumb/a/b",
            "/thumb/a.jpg",
            "/strip/../x",
            "/strip/",
            "/preview/x",
            "/",
            "/queue.db",
        ] {
            assert_eq!(Asset::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn library_thumbnails_are_by_session_id() {
        let id = "0b6c3c1e-9a53-4c1f-9f7e-1d2a3b4c5d6e";
        assert_eq!(
            Asset::parse(&format!("/library-thumb/{id}")),
            Some(Asset::LibraryThumbnail(id.into()))
        );
        for bad in [
            "/library-thumb/",
            "/library-thumb/../a",
            "/library-thumb/a/b",
            "/library-thumb/x.jpg",
        ] {
            assert_eq!(Asset::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_player_may_load_media_from_the_links_origin_only() {
        assert_eq!(
            origin_of(
                "https://bucket.s3.eu-west-1.amazonaws.com/sessions/u/s/v.mp4?X-Amz-Signature=a"
            )
            .as_deref(),
            Some("https://bucket.s3.eu-west-1.amazonaws.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3900/idance/sessions/u/s/v.mp4?sig").as_deref(),
            Some("http://127.0.0.1:3900")
        );
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
            "data:video/mp4;base64,AA",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_torn_jpeg_is_not_served() {
        assert!(is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0xFF, 0xD9]));
        assert!(!is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]));
        assert!(!is_jpeg(b"<html>"));
    }
}
