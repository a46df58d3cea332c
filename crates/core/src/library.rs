//! The instructor's library on the server (library.md, Part D): every page of it, for
//! the CLI and the app alike.

use crate::api::{ApiClient, ClientError};
use idance_contract::MAX_LIBRARY_PAGE;
use idance_contract::wire::{Session, SessionStatus};

/// More pages than anyone has sessions (200 a page): a server whose cursor never ends
/// is stopped here instead of read for ever.
const MAX_PAGES: usize = 5_000;

/// Every session of the caller's library on the server, newest first. A server without
/// Part D answers [`ClientError::NoLibrary`].
pub async fn fetch(
    api: &ApiClient,
    status: Option<SessionStatus>,
) -> Result<Vec<Session>, ClientError> {
    if !api.capabilities().await?.library {
        return Err(ClientError::NoLibrary);
    }
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = api
            .library_page(status, cursor.as_deref(), MAX_LIBRARY_PAGE)
            .await?;
        all.extend(page.sessions);
        match page.next_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            Some(_) => {
                return Err(ClientError::Protocol(
                    "the library's next page is the same page again".into(),
                ));
            }
            None => return Ok(all),
        }
    }
    Err(ClientError::Protocol(format!(
        "the library has more than {MAX_PAGES} pages"
    )))
}
