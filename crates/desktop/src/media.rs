//! Pictures for the window — job thumbnails, trim strips and the live preview — served by the app's
//! own URI scheme as images by URL, instead of base64 strings over IPC.

use crate::engine::Desktop;

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
            None if path.trim_start_matches('/') == "preview" => Some(Asset::Preview),
            _ => None,
        }
    }

    /// A thumbnail never changes; a preview frame is stale a moment later.
    pub fn cache_control(&self) -> &'static str {
        match self {
            Asset::Thumbnail(_) => "max-age=31536000, immutable",
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
        };
        let bytes = tokio::fs::read(path).await.ok()?;
        is_jpeg(&bytes).then_some(bytes)
    }
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
    fn a_torn_jpeg_is_not_served() {
        assert!(is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0xFF, 0xD9]));
        assert!(!is_jpeg(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]));
        assert!(!is_jpeg(b"<html>"));
    }
}
